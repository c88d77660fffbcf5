package audit

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"math"
	"strings"
	"testing"

	"cadastre/sampledata"
	"cadastre/spatial"
	"cadastre/spatial/index"
)

// sampleIndex loads a generated province into a read model. Legal areas
// are set to the map areas (the generator makes them differ by up to 2 %,
// which the audit rightly reports) so that the data is clean.
func sampleIndex(t testing.TB, plots int, clean bool) (*index.Index, []spatial.AdminUnit) {
	t.Helper()
	cfg := sampledata.DefaultConfig()
	cfg.Plots = plots
	b, err := sampledata.Batch(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range b.Plots {
		p.Normalize()
		if clean && p.LegalArea > 0 {
			p.LegalArea = p.Area
		}
	}
	ix := index.New()
	ix.Apply(context.Background(), index.Change{Sheets: b.Sheets, Plots: b.Plots})
	return ix, b.Units
}

// TestSampleTessellationClean: nothing is found on the generator's
// tessellation (no gap, no overlap, roads and water without papers), and
// the unchanged legal areas (up to 2 % off) are found.
func TestSampleTessellationClean(t *testing.T) {
	ix, units := sampleIndex(t, 20000, true)
	r := run(t, FromSnapshot(ix.Snapshot(), units, "", nil))
	if len(r.Problems) != 0 {
		t.Fatalf("clean sample: got %d problems, want none: %v", len(r.Problems), describe(&Report{Problems: r.Problems[:min(10, len(r.Problems))]}))
	}
	total := 0
	for _, s := range r.Communes {
		total += s.Plots
		if s.CleanShare != 1 {
			t.Errorf("commune %s: clean share %g, want 1", s.Commune, s.CleanShare)
		}
	}
	if total != ix.Snapshot().Len() {
		t.Errorf("summaries count %d plots, the read model holds %d", total, ix.Snapshot().Len())
	}
	ix2, _ := sampleIndex(t, 2000, false)
	r2 := run(t, FromSnapshot(ix2.Snapshot(), units, "", nil))
	if k := kinds(r2); k[AreaMismatch] == 0 || len(k) != 1 {
		t.Errorf("sample with its own legal areas: got %v, want only area mismatches", k)
	}
}

// TestSampleBrokenPlot moves one vertex of one sample plot into its
// neighbour: an overlap with that neighbour and a gap (sliver) behind.
func TestSampleBrokenPlot(t *testing.T) {
	ix, units := sampleIndex(t, 2000, true)
	snap := ix.Snapshot()
	var victim *index.Plot
	snap.EachPlot(func(p *index.Plot) bool {
		fb, b := p.Sheet.Frame.Bound(), p.Geometry.Bound()
		inner := b.Min[0]-fb.Min[0] > 5 && b.Min[1]-fb.Min[1] > 5 && fb.Max[0]-b.Max[0] > 5 && fb.Max[1]-b.Max[1] > 5
		if inner && len(p.Geometry) == 1 && len(p.Geometry[0]) == 1 && p.Key.Plot > 20 {
			victim = p
			return false
		}
		return true
	})
	unit := victim.Commune
	g := victim.Geometry.Clone()
	ring := g[0][0]
	// push the first vertex 0.5 m outwards, away from the ring's centre
	c := ring.Bound().Center()
	v := ring[0]
	d := [2]float64{v[0] - c[0], v[1] - c[1]}
	n := max(1e-9, (d[0]*d[0] + d[1]*d[1]))
	k := 0.5 / math.Sqrt(n)
	ring[0] = [2]float64{v[0] + d[0]*k, v[1] + d[1]*k}
	ring[len(ring)-1] = ring[0]
	broken := *victim
	broken.Geometry = g
	in := FromSnapshot(snap, units, unit, nil)
	for i, p := range in.Plots {
		if p == victim {
			in.Plots[i] = &broken
		}
	}
	in.Near = nil // the snapshot still holds the old plot
	r := run(t, in)
	got := kinds(r)
	t.Logf("moved a vertex of %s: %v", victim.Key, got)
	if got[Overlap] == 0 || got[Overlap] > 3 {
		t.Errorf("moved vertex: got %v, want an overlap:%s", got, describe(r))
	}
	for _, p := range r.Problems {
		if p.Kind == Overlap && p.Plot != victim.Key.Plot && !hasKey(p.Others, victim.Key) {
			t.Errorf("overlap %s/%d/%d does not involve the moved plot %s", p.Unit, p.Sheet, p.Plot, victim.Key)
		}
	}
}

func hasKey(ks []spatial.PlotKey, k spatial.PlotKey) bool {
	for _, x := range ks {
		if x == k {
			return true
		}
	}
	return false
}

func TestOutputs(t *testing.T) {
	ps := append(grid3(), plot(1, 11, rect(e0+40, n0, e0+50, n0+10)))
	ps[2].LandUse = []string{"SMN"}
	r := run(t, Input{Sheets: []*index.Sheet{testSheet(1)}, Plots: ps})
	var buf bytes.Buffer
	if err := WriteCSV(&buf, r); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(buf.String(), "\uFEFFcommune,unit,sheet,plot,kind") {
		t.Errorf("CSV must start with a BOM and the header, got %q", buf.String()[:min(40, buf.Len())])
	}
	rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(buf.String(), "\uFEFF"))).ReadAll()
	if err != nil || len(rows) != 1+len(r.Problems) {
		t.Fatalf("CSV: %d rows (%v), want %d", len(rows), err, 1+len(r.Problems))
	}
	buf.Reset()
	if err := WriteGeoJSON(&buf, r); err != nil {
		t.Fatal(err)
	}
	var fc struct {
		Features []struct {
			Geometry   json.RawMessage `json:"geometry"`
			Properties map[string]any  `json:"properties"`
		} `json:"features"`
	}
	if err := json.Unmarshal(buf.Bytes(), &fc); err != nil {
		t.Fatal(err)
	}
	seen := map[string]string{}
	for _, f := range fc.Features {
		seen[f.Properties["kind"].(string)] = string(f.Geometry)
	}
	if g := seen[string(MissingNumber)]; g != "null" {
		t.Errorf("missing number geometry: got %s, want null", g)
	}
	if g := seen[string(OutdatedLandUse)]; !strings.Contains(g, "106.") || !strings.Contains(g, "10.7") {
		t.Errorf("outdated land use geometry: got %s, want lon/lat near 106.6, 10.7", g)
	}
}
