package ogc

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/paulmach/orb"

	"cadastre/spatial"
	"cadastre/spatial/index"
)

// sortKey orders the features of a collection; a feature id is its text.
type sortKey struct {
	unit    string
	a, b, c int
}

func compareKey(x, y sortKey) int {
	if c := cmp.Compare(x.unit, y.unit); c != 0 {
		return c
	}
	if c := cmp.Compare(x.a, y.a); c != 0 {
		return c
	}
	if c := cmp.Compare(x.b, y.b); c != 0 {
		return c
	}
	return cmp.Compare(x.c, y.c)
}

// feature is one item of a collection, pointing into the read model (or
// the history cache); properties are built only for the features written.
type feature struct {
	key     sortKey
	epsg    int
	geom    orb.Geometry // plane metres of epsg; nil: no geometry
	from    time.Time    // validity; zero: not temporal
	to      time.Time    // zero: open (current)
	retired bool
	plot    *index.Plot
	sheet   *index.Sheet
	unit    *spatial.AdminUnit
	version *spatial.Plot
}

// Feature ids. A plot is (unit, sheet, plot); the id joins them with dots,
// "27002.1.1", which needs no escaping in a URL path (a unit code is five
// digits, so the dots are unambiguous). A history item adds ".v" and the
// version: "27002.1.1.v2"; a sheet is "27002.1", a unit "27002".
func (k sortKey) plotID() string { return fmt.Sprintf("%s.%d.%d", k.unit, k.a, k.b) }

func (f *feature) id(coll string) string {
	switch coll {
	case "plots":
		return f.key.plotID()
	case "plot-versions":
		return f.key.plotID() + ".v" + strconv.Itoa(f.key.c)
	case "sheets":
		return fmt.Sprintf("%s.%d", f.key.unit, f.key.a)
	}
	return f.key.unit
}

// parseID reads a feature id of a collection. "27002/1/1" (percent-encoded
// slashes in the path) is accepted for plots as well.
func parseID(coll, s string) (sortKey, bool) {
	s = strings.ReplaceAll(s, "/", ".")
	parts := strings.Split(s, ".")
	want := map[string]int{"plots": 3, "plot-versions": 4, "sheets": 2, "units": 1}[coll]
	if len(parts) != want || !spatial.ValidUnitCode(parts[0]) {
		return sortKey{}, false
	}
	k := sortKey{unit: parts[0]}
	nums := []*int{&k.a, &k.b, &k.c}
	for i, p := range parts[1:] {
		if i == 2 {
			var ok bool
			if p, ok = strings.CutPrefix(p, "v"); !ok {
				return sortKey{}, false
			}
		}
		n, err := strconv.Atoi(p)
		if err != nil || n <= 0 || strconv.Itoa(n) != p {
			return sortKey{}, false
		}
		*nums[i] = n
	}
	return k, true
}

func plotFeature(p *index.Plot) feature {
	return feature{key: sortKey{unit: p.Key.Unit, a: p.Key.Sheet, b: p.Key.Plot}, epsg: int(p.EPSG), geom: p.Geometry, plot: p}
}

func sheetFeature(s *index.Sheet) feature {
	return feature{key: sortKey{unit: s.Key.Unit, a: s.Key.Number}, epsg: int(s.EPSG), geom: s.Frame, sheet: s}
}

func versionFeature(v *spatial.Plot) feature {
	return feature{key: sortKey{unit: v.Key.Unit, a: v.Key.Sheet, b: v.Key.Plot, c: v.Version.Version}, epsg: v.EPSG,
		geom: v.Geometry, from: v.ValidFrom, to: v.ValidTo, retired: v.Retired, version: v}
}

// properties returns the feature's properties as GeoJSON writes them.
func (f *feature) properties() map[string]any {
	switch {
	case f.plot != nil:
		p := f.plot
		m := map[string]any{"unit": p.Key.Unit, "sheet": p.Key.Sheet, "plot": p.Key.Plot, "commune": p.Commune,
			"land_use": nonNil(p.LandUse), "legal_area": p.LegalArea, "area": p.Area, "version": int(p.Version), "epsg": int(p.EPSG)}
		if p.Sheet != nil {
			m["grid_number"] = p.Sheet.GridNumber
		}
		return m
	case f.sheet != nil:
		s := f.sheet
		return map[string]any{"unit": s.Key.Unit, "sheet": s.Key.Number, "grid_number": s.GridNumber, "scale": int(s.Scale), "epsg": int(s.EPSG), "off_grid": s.OffGrid}
	case f.unit != nil:
		u := f.unit
		m := map[string]any{"code": u.Code, "name": u.Name, "province": u.Province, "epsg": u.EPSG, "current": u.Current()}
		if u.Successor != "" {
			m["successor"] = u.Successor
		}
		if !u.MergedOn.IsZero() {
			m["merged_on"] = u.MergedOn.Format(time.DateOnly)
		}
		return m
	case f.version != nil:
		v := f.version
		m := map[string]any{"unit": v.Key.Unit, "sheet": v.Key.Sheet, "plot": v.Key.Plot, "commune": v.Commune,
			"land_use": nonNil(v.LandUse), "legal_area": v.LegalArea, "area": v.Area, "address": v.Address,
			"version": v.Version.Version, "epsg": v.EPSG, "valid_from": v.ValidFrom.UTC().Format(time.RFC3339Nano),
			"changed_by": v.ChangedBy, "reason": v.Reason, "retired": v.Retired}
		if !v.ValidTo.IsZero() {
			m["valid_to"] = v.ValidTo.UTC().Format(time.RFC3339Nano)
		}
		return m
	}
	return nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// propDef describes one property for the JSON Schema and queryables.
type propDef struct {
	name, typ, title string
	items            string // element type of an array
	format           string
}

// collection is one feature collection of the service.
type collection struct {
	id, title, description string
	geomType               string // GeoJSON type of the features; "" for none
	temporal               bool
	props                  []propDef
}

var plotProps = []propDef{
	{name: "unit", typ: "string", title: "survey unit (commune code that numbered the sheet)"},
	{name: "sheet", typ: "integer", title: "map sheet number in the unit"},
	{name: "plot", typ: "integer", title: "plot number on the sheet"},
	{name: "commune", typ: "string", title: "current commune code"},
	{name: "land_use", typ: "array", items: "string", title: "land-use codes, main purpose first"},
	{name: "legal_area", typ: "number", title: "legal area, m²"},
	{name: "area", typ: "number", title: "area computed on the plane, m²"},
	{name: "version", typ: "integer", title: "version number"},
	{name: "epsg", typ: "integer", title: "VN-2000 TM-3 zone of the stored geometry"},
}

var collections = []collection{
	{id: "plots", title: "Land plots (current)", geomType: "MultiPolygon",
		description: "The current land plots; with datetime, the plots as they were at that time (from their versions).",
		props:       append(slices.Clone(plotProps), propDef{name: "grid_number", typ: "string", title: "map sheet grid number"})},
	{id: "plot-versions", title: "Land plot versions (history)", geomType: "MultiPolygon", temporal: true,
		description: "Every stored version of every plot, with who changed it, when and why; datetime selects the versions valid then.",
		props: append(slices.Clone(plotProps),
			propDef{name: "address", typ: "string", title: "address"},
			propDef{name: "valid_from", typ: "string", format: "date-time", title: "start of validity"},
			propDef{name: "valid_to", typ: "string", format: "date-time", title: "end of validity; absent while current"},
			propDef{name: "changed_by", typ: "string", title: "who made the change"},
			propDef{name: "reason", typ: "string", title: "why"},
			propDef{name: "retired", typ: "boolean", title: "the plot no longer exists from valid_from on"})},
	{id: "sheets", title: "Cadastral map sheets", geomType: "MultiPolygon", description: "The current map sheets with their frames (a grid cell, or an off-grid sheet's own frame of one or more parts).",
		props: []propDef{{name: "unit", typ: "string", title: "survey unit"}, {name: "sheet", typ: "integer", title: "sheet number"},
			{name: "grid_number", typ: "string", title: "grid number (Circular 25/2014)"}, {name: "scale", typ: "integer", title: "scale denominator"},
			{name: "epsg", typ: "integer", title: "VN-2000 TM-3 zone"}, {name: "off_grid", typ: "boolean", title: "not a cell of the Circular 25 grid (older or local surveys)"}}},
	{id: "units", title: "Administrative units", description: "Communes, former and current (2025 mergers); no geometry.",
		props: []propDef{{name: "code", typ: "string", title: "5-digit commune code"}, {name: "name", typ: "string", title: "name"},
			{name: "province", typ: "string", title: "province"}, {name: "epsg", typ: "integer", title: "VN-2000 TM-3 zone of the province"},
			{name: "current", typ: "boolean", title: "not merged into another unit"}, {name: "successor", typ: "string", title: "unit merged into"},
			{name: "merged_on", typ: "string", format: "date", title: "date of the merger"}}},
}

func collectionByID(id string) (*collection, bool) {
	for i := range collections {
		if collections[i].id == id {
			return &collections[i], true
		}
	}
	return nil, false
}

// VersionLister is spatial.VersionLister (both stores); without it
// plot-versions and plots?datetime= answer 501.
type VersionLister = spatial.VersionLister

// history caches every plot version, sorted by key and version, for the
// snapshot of the read model it was loaded with: any write through this
// instance or the change feed publishes a new snapshot and the next
// history request reloads.
type history struct {
	mu       sync.Mutex
	snap     *index.Snapshot
	versions []*spatial.Plot
}

func (h *history) load(ctx context.Context, vl VersionLister, snap *index.Snapshot) ([]*spatial.Plot, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.snap == snap && h.versions != nil {
		return h.versions, nil
	}
	var vs []*spatial.Plot
	if err := vl.EachPlotVersion(ctx, func(p *spatial.Plot) error { vs = append(vs, p); return nil }); err != nil {
		return nil, err
	}
	slices.SortFunc(vs, func(a, b *spatial.Plot) int {
		return compareKey(versionFeature(a).key, versionFeature(b).key)
	})
	h.snap, h.versions = snap, vs
	return vs, nil
}
