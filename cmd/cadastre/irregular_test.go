package main

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"cadastre/sampledata"
	"cadastre/spatial"
	"cadastre/spatial/ingest"
)

// TestIngestIrregularSet is issue 13's "done when": the irregular set
// (hand-drawn plots, slivers, spikes, invalid rings, overlapping
// neighbours, off-grid sheets) is ingested in one run on both stores with
// every problem reported once, counted per kind; then the set without
// what must be refused goes in with --allow-overlaps, overlaps as
// warnings, everything stored.
func TestIngestIrregularSet(t *testing.T) {
	for _, k := range storeKinds {
		t.Run(k.name, func(t *testing.T) {
			flags := k.flag(t)
			secret, err := run(t, append([]string{"token", "create", "--role", "admin", "--name", "a"}, flags...)...)
			if err != nil {
				t.Fatal(err)
			}
			tok := strings.TrimSpace(secret)
			dirty, clean := t.TempDir(), t.TempDir()
			exp, err := sampledata.WriteIrregular(sampledata.IrregularConfig{Seed: 7}, dirty)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("irregular set: %+v", exp)
			base, stop, _ := startServe(t, append(flags, "--load-sample=false")...)
			defer func() {
				if stop != nil {
					stop()
				}
			}()
			postFile(t, base, tok, filepath.Join(dirty, sampledata.UnitsFile), "", http.StatusOK)
			// Sheets and plots in one upload: one file, as a land office has it.
			both := joinCollections(t, filepath.Join(dirty, sampledata.SheetsFile), filepath.Join(dirty, sampledata.PlotsFile))
			var rep ingest.Report
			status, body := postBody(t, base, tok, "name=parcels.geojson", both)
			if status != http.StatusUnprocessableEntity {
				t.Fatalf("irregular set: got %d, want 422\n%.2000s", status, body)
			}
			var problem struct {
				Errors []spatial.Problem `json:"errors"`
				Report ingest.Report     `json:"report"`
			}
			if err := json.Unmarshal([]byte(body), &problem); err != nil {
				t.Fatal(err)
			}
			rep = problem.Report
			want := map[string]ingest.KindSummary{
				spatial.CheckInvalidGeometry: {Rows: exp.InvalidGeometry, Features: exp.InvalidGeometry, Listed: exp.InvalidGeometry},
				spatial.CheckOutsideFrame:    {Rows: exp.OutsideFrame, Features: exp.OutsideFrame, Listed: exp.OutsideFrame},
				spatial.CheckOverlap:         {Rows: exp.OverlapPairs, Features: 2 * exp.OverlapPairs, Listed: exp.OverlapPairs},
				"grid_number":                {Rows: exp.GridNumber, Features: exp.GridNumber, Listed: exp.GridNumber},
			}
			got := rep.ProblemSummary.Kinds
			if len(got) != len(want) {
				t.Errorf("problem kinds: got %v, want %v", got, want)
			}
			for kind, w := range want {
				if got[kind] != w {
					t.Errorf("kind %s: got %+v, want %+v", kind, got[kind], w)
				}
			}
			if w := rep.WarningSummary.Kinds[spatial.CheckOutsideFrame]; w.Rows != exp.FrameWarnings {
				t.Errorf("frame warnings: got %+v, want %d", rep.WarningSummary, exp.FrameWarnings)
			}
			if len(problem.Errors) != rep.ProblemSummary.Rows {
				t.Errorf("the 422 lists %d problems, the report counts %d", len(problem.Errors), rep.ProblemSummary.Rows)
			}
			for _, p := range problem.Errors {
				if p.Check == spatial.CheckOverlap && (p.Index < 0 || p.OtherIndex == nil) {
					t.Errorf("overlap row without both file positions: %+v", p)
				}
			}
			// max_problems=2 lists two of each kind and still counts them all.
			_, body = postBody(t, base, tok, "name=parcels.geojson&max_problems=2", both)
			problem.Errors, problem.Report = nil, ingest.Report{}
			if err := json.Unmarshal([]byte(body), &problem); err != nil {
				t.Fatal(err)
			}
			if k := problem.Report.ProblemSummary.Kinds[spatial.CheckInvalidGeometry]; k.Listed != 2 || k.Rows != exp.InvalidGeometry ||
				len(problem.Errors) != 2*len(want)-1 { // grid_number has one problem
				t.Errorf("max_problems=2: %d listed, invalid geometry %+v; want 2 of each kind, all counted", len(problem.Errors), k)
			}

			// The clean set: overlaps allowed, everything stored.
			cexp, err := sampledata.WriteIrregular(sampledata.IrregularConfig{Seed: 7, Clean: true}, clean)
			if err != nil {
				t.Fatal(err)
			}
			both = joinCollections(t, filepath.Join(clean, sampledata.SheetsFile), filepath.Join(clean, sampledata.PlotsFile))
			status, body = postBody(t, base, tok, "name=parcels.geojson&allow_overlaps=true", both)
			if status != http.StatusOK {
				t.Fatalf("clean set with overlaps allowed: got %d\n%.2000s", status, body)
			}
			if err := json.Unmarshal([]byte(body), &rep); err != nil {
				t.Fatal(err)
			}
			if rep.Result.Inserted != cexp.Valid || rep.Result.Sheets != cexp.Sheets || rep.ProblemSummary.Rows != 0 {
				t.Errorf("clean set: got %+v, %d problems; want %d plots and %d sheets stored", rep.Result, rep.ProblemSummary.Rows, cexp.Valid, cexp.Sheets)
			}
			ws := rep.WarningSummary.Kinds
			if ws[spatial.CheckOverlap].Rows != cexp.OverlapPairs || ws[spatial.CheckOutsideFrame].Rows != cexp.FrameWarnings {
				t.Errorf("clean set warnings: got %+v, want %d overlaps and %d frame warnings", ws, cexp.OverlapPairs, cexp.FrameWarnings)
			}
			err = stop()
			stop = nil
			if err != nil {
				t.Fatal(err)
			}
			s := k.open(t, flags)
			defer s.Close()
			if n := len(allPlots(t, s)); n != cexp.Valid {
				t.Errorf("stored plots: got %d, want %d", n, cexp.Valid)
			}
		})
	}
}

// joinCollections makes one FeatureCollection of the features of two
// (sheets first), with the first one's crs member.
func joinCollections(t *testing.T, paths ...string) string {
	t.Helper()
	var out struct {
		Type     string            `json:"type"`
		CRS      json.RawMessage   `json:"crs"`
		Features []json.RawMessage `json:"features"`
	}
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		var fc struct {
			CRS      json.RawMessage   `json:"crs"`
			Features []json.RawMessage `json:"features"`
		}
		if err := json.Unmarshal(b, &fc); err != nil {
			t.Fatal(err)
		}
		out.Type, out.CRS = "FeatureCollection", fc.CRS
		out.Features = append(out.Features, fc.Features...)
	}
	b, err := json.Marshal(out)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestSampleIrregular: `cadastre sample --irregular` writes the set the
// CLI then rejects in one run, saying how many of each problem it has.
func TestSampleIrregular(t *testing.T) {
	dir := t.TempDir()
	out, err := run(t, "sample", "--irregular", "--seed", "7", "--out", dir)
	if err != nil || !strings.Contains(out, "15 invalid rings") || !strings.Contains(out, "6 overlapping pairs") {
		t.Fatalf("sample --irregular: %v\n%s", err, out)
	}
	flags := storeKinds[0].flag(t)
	files := []string{filepath.Join(dir, sampledata.UnitsFile), filepath.Join(dir, sampledata.SheetsFile), filepath.Join(dir, sampledata.PlotsFile)}
	out, err = run(t, append(append([]string{"ingest"}, flags...), files...)...)
	if err == nil || !strings.Contains(out, "invalid_geometry 15") || !strings.Contains(out, "overlap 12 (6 rows)") || !strings.Contains(out, "outside_frame") {
		t.Errorf("ingest of the irregular set: %v\n%.3000s", err, out)
	}
}
