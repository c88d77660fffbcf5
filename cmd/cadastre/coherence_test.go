package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	neturl "net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"

	"cadastre/internal/pgtest"
	"cadastre/sampledata"
	"cadastre/spatial"
)

// remeasured picks a sample rice plot with one simple ring and returns it
// with a function that writes it to a GeoJSON file with its first vertex
// moved by m metres toward the plot's centre: a re-measured corner that
// changes only this plot's interior, so no overlap arises.
func remeasured(t *testing.T) (*spatial.Plot, func(m float64) string) {
	t.Helper()
	b, err := sampledata.Sample()
	if err != nil {
		t.Fatal(err)
	}
	var p *spatial.Plot
	for _, q := range b.Plots {
		if len(q.Geometry) == 1 && len(q.Geometry[0]) == 1 && q.LandUse[0] == "LUC" {
			p = q
			break
		}
	}
	dir := t.TempDir()
	return p, func(m float64) string {
		ring := p.Geometry[0][0].Clone()
		c := ring.Bound().Center()
		d := [2]float64{c[0] - ring[0][0], c[1] - ring[0][1]}
		f := m / math.Hypot(d[0], d[1])
		ring[0] = orb.Point{round3(ring[0][0] + d[0]*f), round3(ring[0][1] + d[1]*f)}
		ring[len(ring)-1] = ring[0]
		coords, _ := json.Marshal([]orb.Ring{ring})
		doc := fmt.Sprintf(`{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"EPSG:9210"}},"features":[{"type":"Feature","properties":{"unit":%q,"sheet":%d,"plot":%d,"commune":%q,"land_use":["LUC"],"legal_area":%v},"geometry":{"type":"Polygon","coordinates":%s}}]}`,
			p.Key.Unit, p.Key.Sheet, p.Key.Plot, p.Commune, p.LegalArea, coords)
		path := filepath.Join(dir, fmt.Sprintf("changed-%v.geojson", m))
		if err := os.WriteFile(path, []byte(doc), 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
}

func round3(x float64) float64 { return math.Round(x*1000) / 1000 }

// versionAt asks an instance for the version of key via the lookup at a
// point inside the plot.
func versionOf(t *testing.T, base string, k spatial.PlotKey) int {
	t.Helper()
	resp, err := http.Get(fmt.Sprintf("%s/api/v1/plots/%s/%d/%d", base, k.Unit, k.Sheet, k.Plot))
	if err != nil {
		return -1
	}
	defer resp.Body.Close()
	var got struct {
		Version int `json:"version"`
	}
	json.NewDecoder(resp.Body).Decode(&got)
	return got.Version
}

// lookupVersion asks the read model (not the store) which version of the
// plot lies under a point inside it.
func lookupVersion(t *testing.T, base string, p *spatial.Plot) int {
	t.Helper()
	c := p.Geometry[0][0].Bound().Center()
	resp, err := http.Get(fmt.Sprintf("%s/api/v1/plots/at?x=%.3f&y=%.3f&crs=EPSG:9210", base, c[0], c[1]))
	if err != nil {
		return -1
	}
	defer resp.Body.Close()
	var got struct {
		Plots []struct {
			ID      string `json:"id"`
			Version int    `json:"version"`
		} `json:"plots"`
	}
	json.NewDecoder(resp.Body).Decode(&got)
	for _, q := range got.Plots {
		if q.ID == p.Key.String() {
			return q.Version
		}
	}
	return 0
}

func waitVersion(t *testing.T, base string, p *spatial.Plot, want int, within time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	for time.Since(start) < within {
		if lookupVersion(t, base, p) == want {
			return time.Since(start)
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("instance %s did not show version %d of %s within %v (shows %d)", base, want, p.Key, within, lookupVersion(t, base, p))
	return 0
}

// TestPostGISTwoInstancesCoherent: two serve processes on one PostGIS; a
// changed plot ingested through A is answered by B's read model within a
// second; after B's connections are cut (as by a database restart), a
// later change still arrives.
func TestPostGISTwoInstancesCoherent(t *testing.T) {
	url := pgtest.New(t)
	flags := []string{"--database-url", url}
	token, err := run(t, append([]string{"token", "create", "--role", "admin", "--name", "coherence"}, flags...)...)
	if err != nil {
		t.Fatal(err)
	}
	token = strings.TrimSpace(token)
	a, stopA, logsA := startServe(t, flags...) // loads the sample into the empty database
	b, stopB, logsB := startServe(t, append(flags, "--load-sample=false")...)
	defer func() {
		stopA()
		stopB()
		if t.Failed() {
			t.Logf("A:\n%s\nB:\n%s", logsA, logsB)
		}
	}()
	p, file := remeasured(t)
	if v := lookupVersion(t, b, p); v != 1 {
		t.Fatalf("B before the change: version %d, want 1", v)
	}
	postFile(t, a, token, file(0.5), "", http.StatusOK)
	if v := lookupVersion(t, a, p); v != 2 {
		t.Fatalf("A right after its own write: version %d, want 2", v)
	}
	took := waitVersion(t, b, p, 2, time.Second)
	t.Logf("B saw the change after %v", took)

	// Cut every connection of B's database session (what a restart does to
	// it); then change the plot again through A.
	restartDatabase(t, url)
	path := file(0.7)
	deadline := time.Now().Add(20 * time.Second)
	for {
		resp, err := postOnce(a, token, path)
		if err == nil && resp == http.StatusOK {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("A could not write after the restart: %v %d", err, resp)
		}
		time.Sleep(200 * time.Millisecond)
	}
	took = waitVersion(t, b, p, 3, 10*time.Second)
	t.Logf("after the restart B saw the change after %v", took)
	if v := versionOf(t, b, p.Key); v != 3 {
		t.Errorf("B's store view: version %d, want 3", v)
	}
}

// restartDatabase restarts PostgreSQL when CADASTRE_PG_RESTART_CMD is set
// (CI runs this test alone, after the parallel suite, with
// `pg_ctlcluster 15 main restart`); otherwise it terminates every backend
// of the test database, which is what a restart does to the instances.
func restartDatabase(t *testing.T, dbURL string) {
	t.Helper()
	if cmd := os.Getenv("CADASTRE_PG_RESTART_CMD"); cmd != "" {
		if out, err := exec.Command("sh", "-c", cmd).CombinedOutput(); err != nil {
			t.Fatalf("restart PostgreSQL (%s): %v\n%s", cmd, err, out)
		}
		t.Logf("PostgreSQL restarted with %q", cmd)
		return
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, pgtest.ServerURL())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	u, err := neturl.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	db := strings.TrimPrefix(u.Path, "/")
	var n int
	err = conn.QueryRow(ctx, `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()`, db).Scan(&n)
	if err != nil || n == 0 {
		t.Fatalf("terminate backends: %d, %v", n, err)
	}
	t.Logf("terminated %d backends of %s", n, db)
}

func postOnce(base, token, path string) (int, error) {
	body, _ := os.ReadFile(path)
	req, _ := http.NewRequest(http.MethodPost, base+"/api/v1/ingest?name=changed.geojson", strings.NewReader(string(body)))
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	return resp.StatusCode, nil
}
