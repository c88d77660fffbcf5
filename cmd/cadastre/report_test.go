package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"cadastre/sampledata"
	"cadastre/spatial/ingest"
)

// TestIngestOneReport: bad rings, frame problems and overlaps come back in
// one run, the overlap row with the file positions of both plots, and the
// summary counts the plots involved (issue 13). Before, a file with any
// bad feature reported no overlap at all: a second round found them.
func TestIngestOneReport(t *testing.T) {
	for _, k := range storeKinds {
		t.Run(k.name, func(t *testing.T) {
			flags := k.flag(t)
			if _, err := run(t, append(append([]string{"ingest"}, flags...), sampleFiles[0])...); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(t.TempDir(), "bad.geojson")
			if err := os.WriteFile(path, []byte(badFile), 0o644); err != nil {
				t.Fatal(err)
			}
			out, err := run(t, append(append([]string{"ingest"}, flags...), path)...)
			if err == nil {
				t.Fatalf("bad file accepted:\n%s", out)
			}
			// Plot 13 (#13) overlaps plot 1 (#1) by 25 m²; #3 is a bow tie; #9 is off its sheet.
			for _, w := range []struct{ pos, feature, reason string }{
				{"#1", "27001/50/1", "overlaps plot 27001/50/13 (bad.geojson #13) by 25.00 m²"},
				{"#3", "27001/50/3", "self-intersection"},
				{"#9", "27001/50/9", "sticks out of its sheet"},
			} {
				if !reportHas(out, w.pos, w.feature, w.reason) {
					t.Errorf("report lacks %s %s %q:\n%s", w.pos, w.feature, w.reason, out)
				}
			}
			if !strings.Contains(out, "overlap 2 (1 rows)") {
				t.Errorf("summary does not count the 2 plots of the one overlap:\n%s", out)
			}
		})
	}
}

// TestIngestDryRunCounts: --dry-run and dry_run=true say what the ingest
// would insert, change, leave and retire, and store nothing. Before, a dry
// run answered zeros.
func TestIngestDryRunCounts(t *testing.T) {
	want, _ := sampledata.Sample()
	n := len(want.Plots)
	for _, k := range storeKinds {
		t.Run(k.name, func(t *testing.T) {
			flags := k.flag(t)
			out, err := run(t, append(append([]string{"ingest", "--dry-run"}, flags...), sampleFiles...)...)
			if err != nil || !strings.Contains(out, fmt.Sprintf("inserted %d, changed 0", n)) || !strings.Contains(out, "dry run") {
				t.Fatalf("dry run on an empty store: %v\n%s", err, out)
			}
			s := k.open(t, flags)
			if got := len(allPlots(t, s)); got != 0 {
				t.Errorf("dry run stored %d plots", got)
			}
			s.Close()
			if _, err := run(t, append(append([]string{"ingest"}, flags...), sampleFiles...)...); err != nil {
				t.Fatal(err)
			}
			// The plots file without its last plot, the first one moved:
			// one changed, n-2 unchanged, one retired.
			var fc map[string]any
			raw, _ := os.ReadFile(sampleFiles[2])
			if err := json.Unmarshal(raw, &fc); err != nil {
				t.Fatal(err)
			}
			feats := fc["features"].([]any)
			fc["features"] = feats[:len(feats)-1]
			first := feats[0].(map[string]any)["properties"].(map[string]any)
			first["address"] = "moved in a dry run"
			edited, _ := json.Marshal(fc)
			path := filepath.Join(t.TempDir(), "plots.geojson")
			os.WriteFile(path, edited, 0o644)
			secret, err := run(t, append([]string{"token", "create", "--role", "admin", "--name", "a"}, flags...)...)
			if err != nil {
				t.Fatal(err)
			}
			base, stop, _ := startServe(t, append(flags, "--load-sample=false")...)
			body := postFile(t, base, strings.TrimSpace(secret), path, "&dry_run=true&retire_missing=true", http.StatusOK)
			if err := stop(); err != nil {
				t.Fatal(err)
			}
			var rep ingest.Report
			if err := json.Unmarshal(body, &rep); err != nil {
				t.Fatal(err)
			}
			r := rep.Result
			if !rep.DryRun || r.Inserted != 0 || r.Changed != 1 || r.Unchanged != n-2 || r.Retired != 1 {
				t.Errorf("HTTP dry run: got %+v, want 1 changed, %d unchanged, 1 retired", r, n-2)
			}
			s = k.open(t, flags)
			defer s.Close()
			if got := allPlots(t, s); len(got) != n {
				t.Errorf("after the dry run: %d plots, want %d", len(got), n)
			}
		})
	}
}
