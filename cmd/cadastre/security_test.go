package main

import (
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
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
