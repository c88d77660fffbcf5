package api

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/paulmach/orb"

	"cadastre/sampledata"
	"cadastre/spatial"
	"cadastre/spatial/crs"
	"cadastre/spatial/grid"
	"cadastre/spatial/index"
)

// reference is what the handler answered before the hand-written encoder:
// encoding/json's Encoder on the AtResponse value.
func reference(o outCRS, hits []index.Hit, near *index.Near) ([]byte, error) {
	var buf bytes.Buffer
	err := json.NewEncoder(&buf).Encode(atResponse(o, hits, near))
	return buf.Bytes(), err
}

// outputs are the CRS answers can be drawn in: the plots' own zone (the
// usual plane query), WGS 84 (the default), another zone, with and without
// geometry.
func outputs(t *testing.T) []outCRS {
	t.Helper()
	var outs []outCRS
	for _, name := range []string{"EPSG:9210", "EPSG:4326", "EPSG:9209"} {
		var q queryProblems
		o := q.parseCRS(queryArgs{{"crs", name}}, "crs")
		if q.err() != nil || o.name() != name {
			t.Fatalf("parseCRS(%s) = %+v, %v", name, o, q.err())
		}
		outs = append(outs, o)
		o.noGeom = true
		outs = append(outs, o)
	}
	return outs
}

// checkSame compares the hand-written answer with encoding/json's, and
// the whole HTTP answer (status, headers, body) of writeAt with writeJSON's.
func checkSame(t *testing.T, o outCRS, hits []index.Hit, near *index.Near) {
	t.Helper()
	want, err := reference(o, hits, near)
	got, ok := appendAt(nil, o, hits, near)
	if err != nil {
		// encoding/json refuses the value (a NaN or an infinity): the
		// handler must fall back to it.
		if ok {
			t.Fatalf("encoding/json: %v; appendAt wrote %s", err, got)
		}
	} else if !ok || !bytes.Equal(got, want) {
		t.Fatalf("crs %s geometry %v:\n got %s\nwant %s", o.name(), !o.noGeom, got, want)
	}
	w1, w2 := httptest.NewRecorder(), httptest.NewRecorder()
	writeAt(w1, o, hits, near)
	writeJSON(w2, atResponse(o, hits, near))
	if w1.Code != w2.Code || !bytes.Equal(w1.Body.Bytes(), w2.Body.Bytes()) || !equalHeaders(w1.Header(), w2.Header()) {
		t.Fatalf("writeAt: %d %v %s, writeJSON: %d %v %s", w1.Code, w1.Header(), w1.Body, w2.Code, w2.Header(), w2.Body)
	}
}

func equalHeaders(a, b http.Header) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if strings.Join(v, "\x00") != strings.Join(b[k], "\x00") {
			return false
		}
	}
	return true
}

// TestAtJSONMatchesEncodingJSON compares the two encoders on every plot
// of a generated province (several thousand plots with holes and
// multi-part plots), alone, on a boundary, in pairs and as a nearest
// answer, in three output CRS with and without geometry.
func TestAtJSONMatchesEncodingJSON(t *testing.T) {
	cfg := sampledata.DefaultConfig()
	cfg.Plots = 3000
	if testing.Short() {
		cfg.Plots = 300
	}
	batch, err := sampledata.Batch(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ix := index.New()
	ix.Apply(t.Context(), index.Change{Plots: batch.Plots, Sheets: batch.Sheets})
	snap := ix.Snapshot()
	var plots []*index.Plot
	for _, p := range batch.Plots {
		ip, ok := snap.Plot(p.Key)
		if !ok {
			t.Fatalf("%v not in the index", p.Key)
		}
		plots = append(plots, ip)
	}
	outs := outputs(t)
	for _, o := range outs {
		checkSame(t, o, nil, nil)
	}
	for i, p := range plots {
		o := outs[i%len(outs)]
		checkSame(t, o, []index.Hit{{Plot: p, Location: index.Inside}}, nil)
		checkSame(t, o, []index.Hit{{Plot: p, Location: index.Boundary}, {Plot: plots[(i+1)%len(plots)], Location: index.Boundary}}, nil)
		checkSame(t, o, nil, &index.Near{Plot: p, Distance: float64(i) * 0.0123456789})
	}
	// Every plot in every CRS, with and without geometry, in one answer.
	hits := make([]index.Hit, len(plots))
	for i, p := range plots {
		hits[i] = index.Hit{Plot: p, Location: index.Location(1 + i%2)}
	}
	for _, o := range outs {
		checkSame(t, o, hits, nil)
	}
}

// oddStrings need escaping, or look as if they did.
var oddStrings = []string{
	"", "27001", `quote " and backslash \ and slash /`, "<script>alert('x')</script> & co",
	"tab\tnew line\ncarriage\rbell\abackspace\bform\fnul\x00 esc\x1b unit sep\x1f del\x7f",
	"Phường Bến Nghé, Quận 1", "Thị trấn Đắk Mil", "line\u2028para\u2029sep", "emoji 🗺️ ok",
	"invalid \xff\xfe utf-8 \xc3", "truncated \xe2\x80", "surrogate \xed\xa0\x80 half", "\u00a0nbsp\ufeffbom",
	strings.Repeat("long ", 200),
}

// TestAtJSONOddValues builds plots by hand with strings that need escaping,
// nil and empty lists, and numbers at encoding/json's format boundaries.
func TestAtJSONOddValues(t *testing.T) {
	z, _ := crs.ZoneByEPSG(9210)
	square := orb.Ring{{600000, 1192000}, {600010.1234567, 1192000}, {600010.1234567, 1192010.0000004}, {600000, 1192010.0000004}, {600000, 1192000}}
	hole := orb.Ring{{600002, 1192002}, {600002, 1192003}, {600003, 1192003}, {600002, 1192002}}
	geoms := []orb.MultiPolygon{
		{{square}}, {{square, hole}}, {{square}, {hole}}, nil, {}, {nil}, {{}}, {{nil}}, {{square, nil}}, {{orb.Ring{}}},
	}
	floats := []float64{0, math.Copysign(0, -1), 1, -1, 0.1, 123.4, 1e-6, 9.99999e-7, 1e-7, 5e-324, 1e20, 1e21, 123456789012345678901234.0, -1e-9, math.MaxFloat64, 2533.6}
	var plots []*index.Plot
	for i := 0; i < 200; i++ {
		s := func(k int) string { return oddStrings[(i*7+k)%len(oddStrings)] }
		p := &index.Plot{
			Key:       spatial.PlotKey{Unit: s(0), Sheet: i - 3, Plot: i * 1000003},
			Commune:   s(1),
			LegalArea: floats[i%len(floats)], Area: floats[(i+5)%len(floats)],
			Version: int32(i - 100), EPSG: 9210,
			Geometry: geoms[i%len(geoms)],
		}
		switch i % 4 {
		case 0:
			p.LandUse = nil
		case 1:
			p.LandUse = []string{}
		case 2:
			p.LandUse = []string{"ONT", "CLN"}
		default:
			p.LandUse = []string{s(2), s(3)}
		}
		if i%3 != 0 {
			p.Sheet = &index.Sheet{Key: spatial.SheetKey{Unit: s(4), Number: i}, GridNumber: s(5), Scale: grid.Scale(500 * (i % 5)), EPSG: int32(z.EPSG)}
		}
		plots = append(plots, p)
	}
	for _, o := range outputs(t) {
		for i, p := range plots {
			checkSame(t, o, []index.Hit{{Plot: p, Location: index.Location(1 + i%2)}}, nil)
			checkSame(t, o, nil, &index.Near{Plot: p, Distance: floats[i%len(floats)]})
		}
	}
	// Every string alone, through the string encoder.
	for _, s := range append(oddStrings, "\u2028", "\xff", "a\u2029", "<", ">", "&", `"`, `\`) {
		want, _ := json.Marshal(s)
		if got := appendJSONString(nil, s); !bytes.Equal(got, want) {
			t.Errorf("%q: got %s, want %s", s, got, want)
		}
	}
	for c := 0; c < 256; c++ {
		s := string([]byte{'a', byte(c), 'b'})
		want, _ := json.Marshal(s)
		if got := appendJSONString(nil, s); !bytes.Equal(got, want) {
			t.Errorf("byte %#x: got %s, want %s", c, got, want)
		}
	}
}

// TestAtJSONNotANumber: a number encoding/json refuses makes the handler
// answer exactly as before (encoding/json's own failure: 200, no body).
func TestAtJSONNotANumber(t *testing.T) {
	for _, bad := range []float64{math.NaN(), math.Inf(1), math.Inf(-1)} {
		p := &index.Plot{Key: spatial.PlotKey{Unit: "27001", Sheet: 1, Plot: 1}, LegalArea: bad, EPSG: 9210,
			Geometry: orb.MultiPolygon{{{{600000, 1192000}, {600001, 1192000}, {600000, 1192001}, {600000, 1192000}}}}}
		o := outCRS{epsg: 9210}
		if _, ok := appendAt(nil, o, []index.Hit{{Plot: p, Location: index.Inside}}, nil); ok {
			t.Errorf("%v: appendAt succeeded", bad)
		}
		w1, w2 := httptest.NewRecorder(), httptest.NewRecorder()
		writeAt(w1, o, []index.Hit{{Plot: p, Location: index.Inside}}, nil)
		writeJSON(w2, atResponse(o, []index.Hit{{Plot: p, Location: index.Inside}}, nil))
		if w1.Code != w2.Code || w1.Body.String() != w2.Body.String() || !equalHeaders(w1.Header(), w2.Header()) {
			t.Errorf("%v: writeAt %d %q, writeJSON %d %q", bad, w1.Code, w1.Body, w2.Code, w2.Body)
		}
	}
}

// TestParseArgsMatchesURLQuery compares the list parser with
// url.ParseQuery on queries with repeats, escapes, errors and many pairs.
func TestParseArgsMatchesURLQuery(t *testing.T) {
	queries := []string{
		"", "x=1&y=2&crs=EPSG:9210", "x=1&x=2", "x", "x=", "=1", "&&x=1&&", "x=1;y=2", "x=1&y=2;", "x;=1&y=3",
		"%zz=1&y=2", "x=%zz&y=2", "x=%41%42&y=a+b", "a+b=c%20d", "x=1=2", "geometry=false&geometry=true",
		"lon=106.6663&lat=10.7770&nearest=30", "crs=epsg%3A9210", "x=%", "x=%4", "%=1", "x=1&x&x=", "&",
		"x=1&" + strings.Repeat("a=1&", 70) + "y=2", "x=1&" + strings.Repeat("a=1;&", 70) + "y=2",
		strings.Repeat("&", 63) + "x=1", strings.Repeat("&", 64) + "x=1", "x=" + strings.Repeat("%41", 100),
	}
	for _, raw := range queries {
		want, _ := url.ParseQuery(raw)
		var buf [8]queryPair
		got := parseArgs(raw, buf[:0])
		names := []string{"x", "y", "crs", "a", "a b", "AB", "geometry", "lon", "nearest", "", "missing", "%zz", "x;"}
		for k := range want {
			names = append(names, k)
		}
		for _, k := range names {
			if got.Get(k) != want.Get(k) || got.Has(k) != want.Has(k) {
				t.Errorf("%q: %q: got %q %v, want %q %v", raw, k, got.Get(k), got.Has(k), want.Get(k), want.Has(k))
			}
		}
		n := 0
		for _, vs := range want {
			n += len(vs)
		}
		if len(got) != n {
			t.Errorf("%q: %d pairs, url.ParseQuery has %d", raw, len(got), n)
		}
	}
}

// TestKnownCRSMatchesParse: the table of usual CRS names answers what
// parsing them answers.
func TestKnownCRSMatchesParse(t *testing.T) {
	if len(crsNames) < 2 {
		t.Fatalf("only %d known CRS names", len(crsNames))
	}
	for name, o := range crsNames {
		epsg, err := crs.ParseCRS(name)
		if err != nil || epsg != o.epsg {
			t.Errorf("%s: ParseCRS %d %v, table %d", name, epsg, err, o.epsg)
		}
		if epsg != crs.WGS84 {
			z, _ := crs.ZoneByEPSG(epsg)
			if z.EPSG != o.zone.EPSG || z.CentralMeridian != o.zone.CentralMeridian {
				t.Errorf("%s: zone %+v, table %+v", name, z, o.zone)
			}
		}
	}
}

// TestPlotsAtRouteSkipsNothing: the lookup's fast path answers what the
// router answers, for the route itself and for what must still go through
// the router (other methods, unclean paths).
func TestPlotsAtRouteSkipsNothing(t *testing.T) {
	s := New(Options{Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	for _, c := range []struct {
		method, target string
		want           int
	}{
		{http.MethodGet, "/api/v1/plots/at?x=1", http.StatusBadRequest},
		{http.MethodHead, "/api/v1/plots/at?lon=106&lat=10", http.StatusServiceUnavailable},
		{http.MethodPost, "/api/v1/plots/at?lon=106&lat=10", http.StatusMethodNotAllowed}, // the router's answer (issue 15: was 404)
		{http.MethodGet, "/api/v1//plots/at?lon=106&lat=10", http.StatusMovedPermanently},
		{http.MethodGet, "/api/v1/plots/at/?lon=106&lat=10", http.StatusNotFound},
	} {
		w1, w2 := httptest.NewRecorder(), httptest.NewRecorder()
		s.ServeHTTP(w1, httptest.NewRequest(c.method, c.target, nil))
		s.router.ServeHTTP(w2, httptest.NewRequest(c.method, c.target, nil))
		if w1.Code != c.want || w2.Code != c.want || w1.Body.String() != w2.Body.String() || !equalHeaders(w1.Header(), w2.Header()) {
			t.Errorf("%s %s: fast path %d %s, router %d %s, want %d", c.method, c.target, w1.Code, w1.Body, w2.Code, w2.Body, c.want)
		}
	}
}
