package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"cadastre/internal/pgtest"
	"cadastre/sampledata"
	"cadastre/spatial"
	"cadastre/spatial/store/gpkg"
	"cadastre/spatial/store/postgis"
)

// TestMain lets a test re-run this binary as the real command: with
// CADASTRE_TEST_MAIN set, it runs Main with the rest of the arguments (the
// crash test kills such a child with SIGKILL).
func TestMain(m *testing.M) {
	if args := os.Getenv("CADASTRE_TEST_MAIN"); args != "" {
		err := Main(context.Background(), strings.Split(args, "\x1f"), os.Stdout, os.Stderr)
		if err != nil {
			fmt.Fprintln(os.Stderr, "cadastre:", err)
			os.Exit(exitCode(err))
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

var sampleFiles = []string{"../../sampledata/sample/units.json", "../../sampledata/sample/sheets.geojson", "../../sampledata/sample/plots.geojson"}

// storeKind runs a test against a GeoPackage file or a PostGIS database.
type storeKind struct {
	name string
	flag func(t *testing.T) []string // the store flags for a fresh store
	open func(t *testing.T, flags []string) spatial.Store
}

var storeKinds = []storeKind{
	{"GPKG", func(t *testing.T) []string { return []string{"--gpkg", filepath.Join(t.TempDir(), "c.gpkg")} },
		func(t *testing.T, f []string) spatial.Store {
			s, err := gpkg.Open(context.Background(), f[1])
			if err != nil {
				t.Fatal(err)
			}
			return s
		}},
	{"PostGIS", func(t *testing.T) []string { return []string{"--database-url", pgtest.New(t)} },
		func(t *testing.T, f []string) spatial.Store {
			s, err := postgis.Open(context.Background(), f[1])
			if err != nil {
				t.Fatal(err)
			}
			return s
		}},
}

func allPlots(t *testing.T, s spatial.Store) map[spatial.PlotKey]*spatial.Plot {
	t.Helper()
	m := map[spatial.PlotKey]*spatial.Plot{}
	if err := s.EachPlot(context.Background(), func(p *spatial.Plot) error { m[p.Key] = p; return nil }); err != nil {
		t.Fatal(err)
	}
	return m
}

func run(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var out, errb bytes.Buffer
	err := Main(context.Background(), args, &out, &errb)
	if err != nil {
		t.Logf("cadastre %v: %v\n%s", args, err, errb.String())
	}
	return out.String(), err
}

func TestIngestCLIAndHTTPGiveIdenticalStores(t *testing.T) {
	for _, k := range storeKinds {
		t.Run(k.name, func(t *testing.T) {
			cli := k.flag(t)
			out, err := run(t, append(append([]string{"ingest"}, cli...), sampleFiles...)...)
			if err != nil || !strings.Contains(out, "inserted") {
				t.Fatalf("CLI ingest: %v\n%s", err, out)
			}
			viaHTTP := k.flag(t)
			secret, err := run(t, append([]string{"token", "create", "--role", "admin", "--name", "test admin"}, viaHTTP...)...)
			if err != nil {
				t.Fatal(err)
			}
			base, stop, _ := startServe(t, append(viaHTTP, "--load-sample=false")...)
			for _, f := range sampleFiles {
				postFile(t, base, strings.TrimSpace(secret), f, "", http.StatusOK)
			}
			if err := stop(); err != nil {
				t.Fatal(err)
			}
			a, b := k.open(t, cli), k.open(t, viaHTTP)
			defer a.Close()
			defer b.Close()
			pa, pb := allPlots(t, a), allPlots(t, b)
			want, _ := sampledata.Sample()
			if len(pa) != len(want.Plots) || len(pb) != len(pa) {
				t.Fatalf("plots: CLI %d, HTTP %d, sample %d", len(pa), len(pb), len(want.Plots))
			}
			for key, p := range pa {
				if q := pb[key]; q == nil || !p.SameContent(q) || p.Area != q.Area {
					t.Fatalf("plot %s differs between CLI and HTTP stores", key)
				}
			}
		})
	}
}

// postFile uploads a file to /api/v1/ingest and checks the status.
func postFile(t *testing.T, base, token, path, query string, status int) []byte {
	t.Helper()
	body, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodPost, base+"/api/v1/ingest?name="+filepath.Base(path)+query, bytes.NewReader(body))
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != status {
		t.Fatalf("POST %s: got %d %s, want %d", path, resp.StatusCode, out, status)
	}
	return out
}

func TestIngestAuth(t *testing.T) {
	flags := storeKinds[0].flag(t)
	admin, _ := run(t, append([]string{"token", "create", "--role", "admin", "--name", "a"}, flags...)...)
	surveyor, _ := run(t, append([]string{"token", "create", "--role", "surveyor", "--name", "s"}, flags...)...)
	base, stop, _ := startServe(t, append(flags, "--load-sample=false", "--max-ingest-bytes", "5000")...)
	defer stop()
	postFile(t, base, "", sampleFiles[0], "", http.StatusUnauthorized)
	postFile(t, base, "cad_wrong", sampleFiles[0], "", http.StatusUnauthorized)
	postFile(t, base, strings.TrimSpace(surveyor), sampleFiles[0], "", http.StatusForbidden)
	postFile(t, base, strings.TrimSpace(admin), sampleFiles[2], "", http.StatusRequestEntityTooLarge)
	postFile(t, base, strings.TrimSpace(admin), sampleFiles[0], "&dry_run=maybe", http.StatusBadRequest)
	postFile(t, base, strings.TrimSpace(admin), sampleFiles[0], "", http.StatusOK)
}

// badFile holds one sheet and plots with a dozen different defects.
const badFile = `{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"EPSG:9210"}},"features":[
{"type":"Feature","properties":{"unit":"27001","sheet":50,"grid_number":"194 599-8","scale":2000},"geometry":{"type":"Polygon","coordinates":[[[600000,1191000],[601000,1191000],[601000,1192000],[600000,1192000],[600000,1191000]]]}},
{"type":"Feature","properties":{"unit":"27001","sheet":50,"plot":1,"land_use":"LUC","legal_area":100},"geometry":{"type":"Polygon","coordinates":[[[600100,1191100],[600110,1191100],[600110,1191110],[600100,1191110],[600100,1191100]]]}},
{"type":"Feature","properties":{"unit":"27001","sheet":50,"plot":2,"land_use":"XYZ","legal_area":100},"geometry":{"type":"Polygon","coordinates":[[[600200,1191100],[600210,1191100],[600210,1191110],[600200,1191110],[600200,1191100]]]}},
{"type":"Feature","properties":{"unit":"27001","sheet":50,"plot":3,"land_use":"LUC"},"geometry":{"type":"Polygon","coordinates":[[[600300,1191100],[600310,1191110],[600310,1191100],[600300,1191110],[600300,1191100]]]}},
{"type":"Feature","properties":{"unit":"27001","sheet":50,"plot":4,"land_use":"LUC"},"geometry":{"type":"LineString","coordinates":[[600400,1191100],[600410,1191100]]}},
{"type":"Feature","properties":{"unit":"27001","sheet":50,"plot":5,"land_use":"LUC"},"geometry":{"type":"Polygon","coordinates":[[[600500,1191100],[600505,1191100],[600510,1191100],[600500,1191100]]]}},
{"type":"Feature","properties":{"unit":"27001","sheet":50,"plot":1,"land_use":"LUC"},"geometry":{"type":"Polygon","coordinates":[[[600600,1191100],[600610,1191100],[600610,1191110],[600600,1191110],[600600,1191100]]]}},
{"type":"Feature","properties":{"unit":"27001","sheet":99,"plot":7,"land_use":"LUC"},"geometry":{"type":"Polygon","coordinates":[[[600700,1191100],[600710,1191100],[600710,1191110],[600700,1191110],[600700,1191100]]]}},
{"type":"Feature","properties":{"unit":"27001","sheet":50,"plot":8,"land_use":"LUC","legal_area":-5},"geometry":{"type":"Polygon","coordinates":[[[600800,1191100],[600810,1191100],[600810,1191110],[600800,1191110],[600800,1191100]]]}},
{"type":"Feature","properties":{"unit":"27001","sheet":50,"plot":9,"land_use":"LUC"},"geometry":{"type":"Polygon","coordinates":[[[603000,1191100],[603010,1191100],[603010,1191110],[603000,1191110],[603000,1191100]]]}},
{"type":"Feature","properties":{"unit":"2701","sheet":50,"plot":10,"land_use":"LUC"},"geometry":{"type":"Polygon","coordinates":[[[600100,1191300],[600110,1191300],[600110,1191310],[600100,1191310],[600100,1191300]]]}},
{"type":"Feature","properties":{"unit":"27001","sheet":50,"plot":11,"land_use":"LUC"},"geometry":{"type":"Polygon","coordinates":[[[600100,1191400],[600110,1191400],[600110,1191400],[600110,1191410],[600100,1191410],[600100,1191400]]]}},
{"type":"Feature","properties":{"unit":"27001","sheet":50,"plot":12,"land_use":"LUC"},"geometry":{"type":"Polygon","coordinates":[[[600100,1191500],[600110,1191500],[600110,1191510],[600100,1191510],[600100,1191500]],[[600150,1191550],[600151,1191550],[600151,1191551],[600150,1191550]]]}},
{"type":"Feature","properties":{"unit":"27001","sheet":50,"plot":13,"land_use":"LUC"},"geometry":{"type":"Polygon","coordinates":[[[600105,1191105],[600115,1191105],[600115,1191115],[600105,1191115],[600105,1191105]]]}},
{"type":"Feature","properties":{"unit":"27001","sheet":50,"land_use":"LUC"},"geometry":{"type":"Polygon","coordinates":[[[600100,1191700],[600110,1191700],[600110,1191710],[600100,1191700]]]}},
{"type":"Feature","properties":{"unit":"27001","sheet":51,"grid_number":"192 600-1","scale":2000},"geometry":{"type":"Polygon","coordinates":[[[601000,1191000],[602000,1191000],[602000,1192000],[601000,1192000],[601000,1191000]]]}}
]}`

func TestIngestReportsEveryBadFeature(t *testing.T) {
	for _, k := range storeKinds {
		t.Run(k.name, func(t *testing.T) {
			flags := k.flag(t)
			if _, err := run(t, append(append([]string{"ingest"}, flags...), sampleFiles[0])...); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(t.TempDir(), "bad.geojson")
			os.WriteFile(path, []byte(badFile), 0o644)
			out, err := run(t, append(append([]string{"ingest"}, flags...), path)...)
			if err == nil || exitCode(err) != 1 {
				t.Fatalf("bad file accepted: %v\n%s", err, out)
			}
			want := []struct{ pos, feature, reason string }{
				{"#2", "27001/50/2", `unknown land-use code "XYZ"`},
				{"#3", "27001/50/3", "self-intersection"},
				{"#4", "27001/50/4", "LineString"},
				{"#5", "27001/50/5", "spike"},
				{"#6", "27001/50/1", "duplicate plot key"},
				{"#7", "27001/99/7", "neither stored nor in the batch"},
				{"#8", "27001/50/8", "legal area"},
				{"#9", "27001/50/9", "sticks out of its sheet"},
				{"#10", "", "5-digit"},
				{"#11", "27001/50/11", "duplicate consecutive vertex"},
				{"#12", "27001/50/12", "outside the shell"},
				{"#14", "", "neither a plot"},
				{"#15", "sheet 27001/51", "does not match the frame"},
			}
			for _, w := range want {
				if !reportHas(out, w.pos, w.feature, w.reason) {
					t.Errorf("report lacks %s %s %q:\n%s", w.pos, w.feature, w.reason, out)
				}
			}
			s := k.open(t, flags)
			defer s.Close()
			if n := len(allPlots(t, s)); n != 0 {
				t.Errorf("rejected file stored %d plots", n)
			}
		})
	}
}

func reportHas(out, pos, feature, reason string) bool {
	for _, line := range strings.Split(out, "\n") {
		if strings.Contains(line, "bad.geojson") && strings.Contains(line, pos+" ") && strings.Contains(line, feature) && strings.Contains(line, reason) {
			return true
		}
	}
	return false
}

func TestIngestOverlapsAndIdempotence(t *testing.T) {
	flags := storeKinds[0].flag(t)
	if _, err := run(t, append(append([]string{"ingest"}, flags...), sampleFiles...)...); err != nil {
		t.Fatal(err)
	}
	out, err := run(t, append(append([]string{"ingest"}, flags...), sampleFiles...)...)
	if err != nil || !strings.Contains(out, "inserted 0, changed 0") || !strings.Contains(out, "unchanged") {
		t.Fatalf("re-ingest: %v %s", err, out)
	}
	// Plot 13 of badFile overlaps plot 1 by 25 m².
	path := filepath.Join(t.TempDir(), "overlap.geojson")
	lines := strings.Split(badFile, "\n")
	os.WriteFile(path, []byte(strings.Join([]string{lines[0], lines[1], lines[2], strings.TrimSuffix(lines[14], ","), "]}"}, "\n")), 0o644)
	out, err = run(t, append(append([]string{"ingest"}, flags...), path)...)
	if err == nil || !strings.Contains(out, "overlaps plot") || !strings.Contains(out, "25.00 m²") {
		t.Fatalf("overlap: %v\n%s", err, out)
	}
	out, err = run(t, append(append([]string{"ingest", "--allow-overlaps"}, flags...), path)...)
	if err != nil || !strings.Contains(out, "WARNINGS") || !strings.Contains(out, "inserted 2") {
		t.Fatalf("overlap allowed: %v\n%s", err, out)
	}
}

func TestIngestKilledMidwayStoresNothing(t *testing.T) {
	for _, k := range storeKinds {
		t.Run(k.name, func(t *testing.T) {
			dir := t.TempDir()
			cfg := sampledata.DefaultConfig()
			cfg.Plots = 60000
			if err := sampledata.WriteGeoJSON(cfg, dir); err != nil {
				t.Fatal(err)
			}
			flags := k.flag(t)
			files := []string{filepath.Join(dir, "units.json"), filepath.Join(dir, "sheets.geojson"), filepath.Join(dir, "plots.geojson")}
			args := append(append([]string{"ingest", "--chunk", "2000", "--log-level", "debug"}, flags...), files...)
			cmd := exec.Command(os.Args[0], "-test.run=^$")
			cmd.Env = append(os.Environ(), "CADASTRE_TEST_MAIN="+strings.Join(args, "\x1f"))
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			time.Sleep(1500 * time.Millisecond) // well inside the ingest (it takes several seconds)
			cmd.Process.Signal(syscall.SIGKILL)
			err := cmd.Wait()
			if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() {
				t.Fatalf("child finished before the kill (%v); make the file bigger\n%s", err, stderr.String())
			}
			s := k.open(t, flags)
			n := len(allPlots(t, s))
			s.Close()
			if n != 0 {
				t.Fatalf("after SIGKILL the store holds %d plots: a half batch", n)
			}
			out, err := run(t, append(append([]string{"ingest"}, flags...), files...)...)
			if err != nil {
				t.Fatalf("ingest after the crash: %v\n%s", err, out)
			}
			s = k.open(t, flags)
			defer s.Close()
			if got := len(allPlots(t, s)); got < cfg.Plots {
				t.Errorf("after re-ingest: %d plots, want at least %d", got, cfg.Plots)
			}
		})
	}
}

func allPlotsOfSample(t *testing.T) map[spatial.PlotKey]*spatial.Plot {
	t.Helper()
	b, err := sampledata.Sample()
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Check(nil); err != nil {
		t.Fatal(err)
	}
	m := map[spatial.PlotKey]*spatial.Plot{}
	for _, p := range b.Plots {
		m[p.Key] = p
	}
	return m
}

// TestTokenRevoke: `cadastre token list` shows the tokens (never a
// secret); after `cadastre token revoke ID` the running service answers
// that token 401, saying it was revoked, and the list says by whom.
func TestTokenRevoke(t *testing.T) {
	for _, k := range storeKinds {
		t.Run(k.name, func(t *testing.T) {
			flags := k.flag(t)
			admin, err := run(t, append([]string{"token", "create", "--role", "admin", "--name", "ingest desk"}, flags...)...)
			if err != nil {
				t.Fatal(err)
			}
			admin = strings.TrimSpace(admin)
			list, err := run(t, append([]string{"token", "list"}, flags...)...)
			if err != nil || !strings.Contains(list, "ingest desk") || strings.Contains(list, admin) || strings.Contains(list, "revoked by") {
				t.Fatalf("token list: %q (err %v), want the token, valid, without its secret", list, err)
			}
			base, stop, _ := startServe(t, append(flags, "--load-sample=false")...)
			defer stop()
			postFile(t, base, admin, sampleFiles[0], "&dry_run=true", http.StatusOK)
			if _, err := run(t, append(append([]string{"token", "revoke"}, flags...), "--by", "security officer", "1")...); err != nil {
				t.Fatalf("token revoke: %v", err)
			}
			body := postFile(t, base, admin, sampleFiles[0], "&dry_run=true", http.StatusUnauthorized)
			if !strings.Contains(string(body), "revoked") {
				t.Errorf("401 body %s does not say the token was revoked", body)
			}
			if _, err := run(t, append(append([]string{"token", "revoke"}, flags...), "1")...); err == nil {
				t.Errorf("revoking twice: no error")
			}
			for _, bad := range [][]string{{"revoke", "x"}, {"revoke", "1", "--by", "x"}, {"list", "extra"}, {"rename"}} {
				if _, err := run(t, append(append([]string{"token", bad[0]}, flags...), bad[1:]...)...); exitCode(err) != 2 {
					t.Errorf("token %v: got %v (exit %d), want a usage error", bad, err, exitCode(err))
				}
			}
			list, _ = run(t, append([]string{"token", "list"}, flags...)...)
			if !strings.Contains(list, "security officer") {
				t.Errorf("token list after revocation: %q, want who revoked it", list)
			}
		})
	}
}
