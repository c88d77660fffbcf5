package tiles

import (
	"bytes"
	"compress/gzip"
	"io"
	"math"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/encoding/mvt/vectortile"
	"github.com/paulmach/orb/geojson"
	"github.com/paulmach/orb/maptile"

	"cadastre/spatial"
)

func gunzip(t testing.TB, gz []byte) []byte {
	t.Helper()
	r, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		t.Fatalf("gunzip: %v", err)
	}
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("gunzip: %v", err)
	}
	return b
}

// decode returns the features of each layer of a tile, raw or
// gzip-compressed, in tile coordinates.
func decode(t testing.TB, gz []byte) map[string][]*geojson.Feature {
	t.Helper()
	if len(gz) < 2 || gz[0] != 0x1f || gz[1] != 0x8b {
		gz = gzipped(t, gz)
	}
	ls, err := mvt.UnmarshalGzipped(gz)
	if err != nil {
		t.Fatalf("decode: %v", err)
	}
	out := map[string][]*geojson.Feature{}
	for _, l := range ls {
		if l.Extent != Extent || l.Version != 2 {
			t.Errorf("layer %s: extent %d version %d, want 4096 and 2", l.Name, l.Extent, l.Version)
		}
		out[l.Name] = l.Features
	}
	return out
}

func gzipped(t testing.TB, raw []byte) []byte {
	t.Helper()
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	if _, err := w.Write(raw); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// exactUnits returns the unrounded tile units of a plane point.
func exactUnits(tile maptile.Tile, e, n float64) orb.Point {
	x, y, _ := Exact(vEPSG, e, n)
	f := newFrame(tile)
	return orb.Point{(x+halfWorld)*f.scale() - float64(f.ox), (halfWorld-y)*f.scale() - float64(f.oy)}
}

func plotNumber(f *geojson.Feature) int { return int(f.Properties.MustFloat64("plot")) }

func TestRenderPlots(t *testing.T) {
	v := newVillage(t, 1)
	ix := v.index(t)
	r := NewRenderer(DefaultOptions())
	plots := v.byKey()
	ce, cn := v.center()
	for _, z := range []maptile.Zoom{14, 16, 18} {
		tile := tileAt(z, ce, cn)
		gz, st, err := r.Render(ix.Snapshot(), Plots, tile)
		if err != nil {
			t.Fatal(err)
		}
		layers := decode(t, gz)
		t.Logf("z%d %s: %+v", z, tileName(tile), st)
		if st.Features == 0 || len(layers["plots"]) == 0 || st.Bytes != len(gz) {
			t.Fatalf("z%d: stats %+v, %d plots", z, st, len(layers["plots"]))
		}
		for _, f := range layers["plots"] {
			p := plots[plotNumber(f)]
			if p == nil {
				t.Fatalf("z%d: unknown plot %v", z, f.Properties)
			}
			checkPolygonFeature(t, tile, f, p.Geometry)
			if got := f.Properties.MustFloat64("area"); got != p.Area {
				t.Errorf("z%d plot %d: area %v, want %v", z, p.Key.Plot, got, p.Area)
			}
			if _, has := f.Properties["legal_area"]; has != (p.LegalArea != 0) {
				t.Errorf("plot %d: legal_area present %v with legal area %v", p.Key.Plot, has, p.LegalArea)
			}
		}
		checkLabels(t, tile, layers["plot_labels"], plots)
	}
}

// checkPolygonFeature checks winding, ring sizes and that every decoded
// vertex inside the tile is within one unit of an input vertex (or on the
// buffer edge, where clipping adds points).
func checkPolygonFeature(t *testing.T, tile maptile.Tile, f *geojson.Feature, plane orb.MultiPolygon) {
	t.Helper()
	var want []orb.Point
	for _, poly := range plane {
		for _, r := range poly {
			for _, p := range r {
				want = append(want, exactUnits(tile, p[0], p[1]))
			}
		}
	}
	for _, poly := range polygonsOf(t, f) {
		for i, r := range poly {
			if len(r) < 4 || r[0] != r[len(r)-1] {
				t.Fatalf("%v: ring of %d points, not closed", f.Properties, len(r))
			}
			a := ringArea(r) // the spec's surveyor's formula, in tile coordinates
			if (i == 0 && a <= 0) || (i > 0 && a >= 0) {
				t.Errorf("%v ring %d: area %v: wrong winding", f.Properties, i, a)
			}
			for _, q := range r {
				if q[0] <= lo || q[0] >= hi || q[1] <= lo || q[1] >= hi {
					continue // a clipping point
				}
				if d := nearest(want, q); d > 1 {
					t.Errorf("%v: vertex %v is %.2f units from every input vertex", f.Properties, q, d)
				}
			}
		}
	}
}

// polygonsOf returns the polygons of a decoded feature, as orb groups
// rings (by winding).
func polygonsOf(t *testing.T, f *geojson.Feature) []orb.Polygon {
	switch g := f.Geometry.(type) {
	case orb.Polygon:
		return []orb.Polygon{g}
	case orb.MultiPolygon:
		return g
	}
	t.Fatalf("%v: geometry %T, want a polygon", f.Properties, f.Geometry)
	return nil
}

func nearest(ps []orb.Point, q orb.Point) float64 {
	d := math.Inf(1)
	for _, p := range ps {
		d = min(d, math.Hypot(p[0]-q[0], p[1]-q[1]))
	}
	return d
}

func checkLabels(t *testing.T, tile maptile.Tile, labels []*geojson.Feature, plots map[int]*spatial.Plot) {
	t.Helper()
	for _, f := range labels {
		p := plots[plotNumber(f)]
		pt, ok := f.Geometry.(orb.Point)
		if !ok || p == nil {
			t.Fatalf("label %v: %T", f.Properties, f.Geometry)
		}
		if pt[0] < 0 || pt[1] < 0 || pt[0] >= Extent || pt[1] >= Extent {
			t.Errorf("label %v outside the tile: %v", f.Properties, pt)
		}
		lp, _ := LabelPoint(p.Geometry)
		if d := nearest([]orb.Point{exactUnits(tile, lp[0], lp[1])}, pt); d > 1 {
			t.Errorf("label of plot %d: %.2f units from its plane label point", p.Key.Plot, d)
		}
	}
}

// TestAttributeTypes: numbers are encoded as numbers (sint, double), codes
// as strings; the feature id encodes the key.
func TestAttributeTypes(t *testing.T) {
	v := newVillage(t, 2)
	ix := v.index(t)
	ce, cn := v.center()
	gz, _, err := NewRenderer(DefaultOptions()).Render(ix.Snapshot(), Cadastre, tileAt(16, ce, cn))
	if err != nil {
		t.Fatal(err)
	}
	var vt vectortile.Tile
	if err := vt.Unmarshal(gunzip(t, gz)); err != nil {
		t.Fatal(err)
	}
	want := map[string]map[string]string{
		"plots":       {"unit": "s", "sheet": "i", "plot": "i", "commune": "s", "land_use": "s", "legal_area": "d", "area": "d", "version": "i"},
		"plot_labels": {"unit": "s", "sheet": "i", "plot": "i", "land_use": "s", "area": "d"},
		"sheets":      {"unit": "s", "sheet": "i", "grid_number": "s", "scale": "i", "epsg": "i", "off_grid": "b"},
	}
	for _, l := range vt.Layers {
		if len(l.Features) == 0 {
			t.Errorf("layer %s empty", l.GetName())
		}
		for _, f := range l.Features {
			for i := 0; i+1 < len(f.Tags); i += 2 {
				k, val := l.Keys[f.Tags[i]], l.Values[f.Tags[i+1]]
				if got := kindOf(val); got != want[l.GetName()][k] {
					t.Fatalf("%s.%s: kind %q, want %q", l.GetName(), k, got, want[l.GetName()][k])
				}
			}
			if l.GetName() != "sheets" && f.GetId()%100_000 == 0 {
				t.Errorf("%s: id %d lacks the plot number", l.GetName(), f.GetId())
			}
		}
	}
	if len(vt.Layers) != 3 {
		t.Errorf("cadastre tile has %d layers, want 3", len(vt.Layers))
	}
}

func kindOf(v *vectortile.Tile_Value) string {
	switch {
	case v.StringValue != nil:
		return "s"
	case v.SintValue != nil:
		return "i"
	case v.DoubleValue != nil:
		return "d"
	case v.BoolValue != nil:
		return "b"
	}
	return "?"
}
