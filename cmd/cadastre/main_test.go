package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"cadastre/internal/pgtest"
	"cadastre/sampledata"
)

// syncBuffer is a bytes.Buffer safe for the server goroutine and the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// startServe runs Main("serve", ...) in-process and waits for /readyz.
func startServe(t *testing.T, args ...string) (base string, stop func() error, logs *syncBuffer) {
	t.Helper()
	addr := freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	logs = &syncBuffer{}
	done := make(chan error, 1)
	go func() { done <- Main(ctx, append([]string{"serve", "--addr", addr}, args...), logs, logs) }()
	base = "http://" + addr
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := http.Get(base + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				break
			}
		}
		select {
		case err := <-done:
			cancel()
			t.Fatalf("serve exited early: %v\n%s", err, logs)
		default:
		}
		if time.Now().After(deadline) {
			cancel()
			t.Fatalf("serve not ready after 60 s\n%s", logs)
		}
		time.Sleep(50 * time.Millisecond)
	}
	return base, func() error { cancel(); return <-done }, logs
}

// checkSamplePlot fetches the first plot of the committed sample.
func checkSamplePlot(t *testing.T, base string) {
	t.Helper()
	b, err := sampledata.Sample()
	if err != nil {
		t.Fatal(err)
	}
	p := b.Plots[len(b.Plots)/2]
	resp, err := http.Get(fmt.Sprintf("%s/api/v1/plots/%s/%d/%d", base, p.Key.Unit, p.Key.Sheet, p.Key.Plot))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var got struct {
		ID       string   `json:"id"`
		Area     float64  `json:"area"`
		LandUse  []string `json:"land_use"`
		Versions []any    `json:"versions"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&got); err != nil || resp.StatusCode != 200 {
		t.Fatalf("GET sample plot %s: status %d, err %v", p.Key, resp.StatusCode, err)
	}
	if got.ID != p.Key.String() || got.Area != p.Area || len(got.Versions) != 1 || got.LandUse[0] != p.LandUse[0] {
		t.Errorf("sample plot: got %+v, want %s area %v", got, p.Key, p.Area)
	}
}

func TestServeGeoPackageWithSample(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "data", "cadastre.gpkg")
	base, stop, logs := startServe(t, "--gpkg", path)
	checkSamplePlot(t, base)
	if err := stop(); err != nil {
		t.Fatalf("graceful stop: %v\n%s", err, logs)
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("GeoPackage not created: %v", err)
	}
	// Second start: the sample is not loaded twice.
	base, stop, logs = startServe(t, "--gpkg", path)
	checkSamplePlot(t, base)
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if bytes.Contains([]byte(logs.String()), []byte("loaded the sample")) {
		t.Errorf("second start loaded the sample again:\n%s", logs)
	}
}

func TestPostGISServe(t *testing.T) {
	url := pgtest.New(t)
	if err := Main(context.Background(), []string{"migrate", "--database-url", url}, os.Stderr, os.Stderr); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	base, stop, logs := startServe(t, "--database-url", url)
	checkSamplePlot(t, base)
	if err := stop(); err != nil {
		t.Fatalf("graceful stop: %v\n%s", err, logs)
	}
}

func TestUsageErrors(t *testing.T) {
	var out bytes.Buffer
	cases := [][]string{{}, {"nope"}, {"serve", "--log-level", "loud"}, {"migrate"}, {"sample", "--plots", "0"}, {"serve", "extra"},
		// Limits of 0 or less were taken silently as the defaults (issue 13).
		{"serve", "--max-vertices", "0"}, {"serve", "--max-string", "-1"}, {"serve", "--max-properties", "0"},
		{"ingest", "--max-vertices", "-5", "plots.geojson"}, {"ingest", "--max-string", "0", "plots.geojson"}}
	for _, args := range cases {
		err := Main(context.Background(), args, &out, &out)
		if err == nil || exitCode(err) != 2 {
			t.Errorf("Main(%q): got %v (exit %d), want a usage error", args, err, exitCode(err))
		}
	}
	for _, env := range []string{"0", "-1", "many"} {
		t.Setenv("CADASTRE_MAX_VERTICES", env)
		if err := Main(context.Background(), []string{"ingest", "plots.geojson"}, &out, &out); exitCode(err) != 2 {
			t.Errorf("CADASTRE_MAX_VERTICES=%s: ingest got %v (exit %d), want a usage error", env, err, exitCode(err))
		}
	}
	// Every command that takes the config's flags reads their variables
	// alike (Config.register): a bad one is a usage error, not ignored.
	os.Unsetenv("CADASTRE_MAX_VERTICES") // t.Setenv restores it after the test
	t.Setenv("CADASTRE_LOAD_SAMPLE", "perhaps")
	for _, args := range [][]string{{"audit"}, {"merge", "--commune", "90001"}, {"token", "list"}, {"validate", "x.csv", "--plot", "27002/1/1", "--scale", "1:1000"}} {
		if err := Main(context.Background(), args, &out, &out); exitCode(err) != 2 {
			t.Errorf("CADASTRE_LOAD_SAMPLE=perhaps: %q got %v (exit %d), want a usage error", args, err, exitCode(err))
		} else if !strings.Contains(err.Error(), "CADASTRE_LOAD_SAMPLE") {
			t.Errorf("%q: got %v, want the error to name CADASTRE_LOAD_SAMPLE", args, err)
		}
	}
}

func TestSampleCommand(t *testing.T) {
	dir := t.TempDir()
	var out bytes.Buffer
	if err := Main(context.Background(), []string{"sample", "--plots", "3000", "--out", dir}, &out, &out); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"units.json", "sheets.geojson", "plots.geojson"} {
		if st, err := os.Stat(filepath.Join(dir, f)); err != nil || st.Size() == 0 {
			t.Errorf("%s: %v", f, err)
		}
	}
}
