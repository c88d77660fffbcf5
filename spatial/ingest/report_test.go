package ingest

import (
	"testing"

	"cadastre/spatial"
)

// TestCollectorCaps: a report lists the first max problems of each kind in
// input order, whatever order they arrive in, and counts them all; an
// overlap row counts both its plots.
func TestCollectorCaps(t *testing.T) {
	c := newCollector(10, []Input{{Name: "a"}, {Name: "b"}})
	for i := 999; i >= 0; i-- { // arriving backwards
		c.add(spatial.Problem{Input: "b", Index: i, Field: "land_use", Reason: "unknown"})
	}
	c.add(spatial.Problem{Input: "a", Index: 5, Field: "geometry", Check: spatial.CheckInvalidGeometry, Reason: "bow tie"})
	c.add(spatial.Problem{Input: "a", Index: 5, Field: "geometry", Check: spatial.CheckInvalidGeometry, Reason: "spike"})
	seven := 7
	c.add(spatial.Problem{Input: "a", Index: 6, Feature: "1/1/6", Check: spatial.CheckOverlap, Other: "1/1/7", OtherInput: "a", OtherIndex: &seven})
	c.add(spatial.Problem{Input: "a", Index: 6, Feature: "1/1/6", Check: spatial.CheckOverlap, Other: "1/1/9"}) // a stored plot
	listed, sum := c.result()
	if len(listed) != 14 || listed[0].Index != 5 || listed[3].Index != 6 || listed[4].Input != "b" || listed[4].Index != 0 || listed[13].Index != 9 {
		t.Errorf("listed: got %d problems %v..., want the 4 of a, then b #0..#9", len(listed), listed[:5])
	}
	wantKinds := map[string]KindSummary{
		"land_use":                   {Rows: 1000, Features: 1000, Listed: 10},
		spatial.CheckInvalidGeometry: {Rows: 2, Features: 1, Listed: 2},
		spatial.CheckOverlap:         {Rows: 2, Features: 3, Listed: 2},
	}
	for k, w := range wantKinds {
		if sum.Kinds[k] != w {
			t.Errorf("kind %s: got %+v, want %+v", k, sum.Kinds[k], w)
		}
	}
	// Features: 1000 of b, #5, #6, #7 of a and the stored plot.
	if sum.Rows != 1004 || sum.Features != 1004 {
		t.Errorf("summary: got %d rows in %d features, want 1004 in 1004", sum.Rows, sum.Features)
	}
}

// TestPositions: the position of every plot given is found back by key.
func TestPositions(t *testing.T) {
	var ps positions
	for i := range 5000 {
		ps.add(spatial.PlotKey{Unit: "27001", Sheet: 1 + i%7, Plot: 5000 - i}, i%3, i)
	}
	for i := range 5000 {
		in, idx, ok := ps.find(spatial.PlotKey{Unit: "27001", Sheet: 1 + i%7, Plot: 5000 - i})
		if !ok || in != i%3 || idx != i {
			t.Fatalf("plot %d: got (%d, %d, %v), want (%d, %d)", i, in, idx, ok, i%3, i)
		}
	}
	if _, _, ok := ps.find(spatial.PlotKey{Unit: "27001", Sheet: 1, Plot: 99999}); ok {
		t.Error("unknown plot found")
	}
	// A number far beyond the others, and the first plot at position 0.
	far := spatial.PlotKey{Unit: "27001", Sheet: 1, Plot: 2_000_000_000}
	ps.add(far, 1, 77)
	first := spatial.PlotKey{Unit: "27002", Sheet: 3, Plot: 1}
	ps.add(first, 0, 0)
	ps.add(first, 0, 9) // a duplicate key: the first position stays
	if in, idx, ok := ps.find(far); !ok || in != 1 || idx != 77 {
		t.Errorf("far plot number: got (%d, %d, %v), want (1, 77)", in, idx, ok)
	}
	if in, idx, ok := ps.find(first); !ok || in != 0 || idx != 0 {
		t.Errorf("first plot at position 0: got (%d, %d, %v), want (0, 0)", in, idx, ok)
	}
	if len(ps.sheets[far.SheetKey()].dense) > 6000 {
		t.Errorf("dense positions of sheet 1: %d entries for plots up to 5000", len(ps.sheets[far.SheetKey()].dense))
	}
}
