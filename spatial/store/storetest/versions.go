package storetest

import (
	"testing"

	"cadastre/spatial"
)

// testEachPlotVersion: every version is streamed once, closed ones with
// their end, the retirement as a retired version, with who and why.
func testEachPlotVersion(t *testing.T, s spatial.Store) {
	vl, ok := s.(spatial.VersionLister)
	if !ok {
		t.Fatal("store does not implement spatial.VersionLister")
	}
	b := baseBatch(t)
	mustWrite(t, s, b)
	changed := baseBatch(t)
	p := changed.Plots[0]
	p.LegalArea = 401
	mustWrite(t, s, &spatial.Batch{Plots: []*spatial.Plot{p}, Change: spatial.Change{By: "registrar-1", Reason: "legal area"}})
	gone := b.Plots[2].Key
	mustWrite(t, s, &spatial.Batch{Retire: []spatial.PlotKey{gone}, Change: spatial.Change{By: "admin", Reason: "merged"}})
	type vk struct {
		k spatial.PlotKey
		v int
	}
	seen := map[vk]*spatial.Plot{}
	if err := vl.EachPlotVersion(ctx(t), func(v *spatial.Plot) error {
		k := vk{v.Key, v.Version.Version}
		if seen[k] != nil {
			t.Errorf("version %v streamed twice", k)
		}
		seen[k] = v
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(seen) != 5 {
		t.Fatalf("got %d versions, want 5 (3 plots, a change, a retirement)", len(seen))
	}
	v1, v2 := seen[vk{p.Key, 1}], seen[vk{p.Key, 2}]
	if v1 == nil || v2 == nil || v1.ValidTo.IsZero() || !v2.ValidTo.IsZero() || v2.LegalArea != 401 || v2.ChangedBy != "registrar-1" {
		t.Errorf("changed plot versions: %+v / %+v", v1, v2)
	}
	if r := seen[vk{gone, 2}]; r == nil || !r.Retired || r.Reason != "merged" {
		t.Errorf("retirement: %+v", r)
	}
	if len(v2.Geometry) == 0 || v2.EPSG != p.EPSG {
		t.Errorf("version geometry or zone missing: %d polygons, EPSG %d", len(v2.Geometry), v2.EPSG)
	}
}
