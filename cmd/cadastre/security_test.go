package main

import (
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestMetricsOwnAddress: with --metrics-addr, /metrics answers there
// (public with --read-access metrics=public) and not on the service's
// address; a bad --read-access or --public-url is a usage error.
func TestMetricsOwnAddress(t *testing.T) {
	maddr := freeAddr(t)
	base, stop, logs := startServe(t, "--gpkg", filepath.Join(t.TempDir(), "c.gpkg"), "--metrics-addr", maddr, "--read-access", "metrics=public")
	defer stop()
	resp, err := http.Get("http://" + maddr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), "cadastre_tile_cache_hits_total") {
		t.Errorf("metrics address: %d %.200s\n%s", resp.StatusCode, body, logs)
	}
	if resp, err := http.Get(base + "/metrics"); err != nil || resp.StatusCode != http.StatusNotFound {
		t.Errorf("/metrics on the service address: %v %v, want 404", resp.StatusCode, err)
	}
	for _, bad := range [][]string{{"--read-access", "map=owner"}, {"--public-url", "example.org"}, {"--trusted-proxies", "10.0.0.0/33"}, {"--write-timeout", "0s"}} {
		if err := Main(t.Context(), append([]string{"serve"}, bad...), io.Discard, io.Discard); exitCode(err) != 2 {
			t.Errorf("serve %v: got %v, want a usage error", bad, err)
		}
	}
}

// TestSettingsFromEnvironment: every serve flag has its CADASTRE_
// variable, numbers and durations too; a flag overrides it; a bad value
// names the variable.
func TestSettingsFromEnvironment(t *testing.T) {
	t.Setenv("CADASTRE_WRITE_TIMEOUT", "45s")
	t.Setenv("CADASTRE_EXTRACT_QUOTA_BYTES", "1000")
	t.Setenv("CADASTRE_READ_ACCESS", "history=public")
	c, err := parseConfig("serve", []string{"--extract-quota-bytes", "2000"}, io.Discard)
	if err != nil || c.WriteTimeout != 45*time.Second || c.ExtractQuota != 2000 || c.ReadAccess != "history=public" {
		t.Errorf("config from env: %+v, %v; want write timeout 45s, quota 2000 (the flag), history=public", c, err)
	}
	t.Setenv("CADASTRE_IDLE_TIMEOUT", "forever")
	if _, err := parseConfig("serve", nil, io.Discard); exitCode(err) != 2 || !strings.Contains(err.Error(), "CADASTRE_IDLE_TIMEOUT") {
		t.Errorf("bad CADASTRE_IDLE_TIMEOUT: got %v, want a usage error naming it", err)
	}
}
