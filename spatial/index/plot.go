package index

import (
	"strings"
	"sync"

	"github.com/paulmach/orb"

	"cadastre/spatial"
	"cadastre/spatial/crs"
	"cadastre/spatial/grid"
)

// Plot is one current plot in the read model: what a lookup answers, with
// its plane geometry for exact tests and its Web Mercator bound for search.
// Strings and code lists are interned: a province repeats a few hundred
// communes and land-use combinations millions of times.
type Plot struct {
	Key       spatial.PlotKey
	Commune   string
	LandUse   []string
	LegalArea float64
	Area      float64
	Version   int32
	EPSG      int32
	Sheet     *Sheet
	Geometry  orb.MultiPolygon // plane metres of EPSG
	Merc      orb.Bound        // Web Mercator bound, padded to cover the curved image
}

// Sheet is one current map sheet in the read model.
type Sheet struct {
	Key        spatial.SheetKey
	GridNumber string
	Scale      grid.Scale
	EPSG       int32
	OffGrid    bool             // not a cell of the Circular 25 grid (spatial.Sheet.OffGrid)
	Frame      orb.MultiPolygon // plane metres
	Merc       orb.Bound
}

// interner shares equal strings and code lists between entries.
type interner struct {
	mu     sync.Mutex
	strs   map[string]string
	lists  map[string][]string
	sheets map[spatial.SheetKey]*Sheet
}

func newInterner() *interner {
	return &interner{strs: map[string]string{}, lists: map[string][]string{}, sheets: map[spatial.SheetKey]*Sheet{}}
}

func (in *interner) str(s string) string {
	if v, ok := in.strs[s]; ok {
		return v
	}
	in.strs[s] = s
	return s
}

func (in *interner) list(l []string) []string {
	k := strings.Join(l, "+")
	if v, ok := in.lists[k]; ok {
		return v
	}
	c := append([]string(nil), l...)
	for i := range c {
		c[i] = in.str(c[i])
	}
	in.lists[k] = c
	return c
}

// mercBound returns the Web Mercator bound of a plane bound. Only the four
// corners are projected (projecting every vertex of 3.3 million plots would
// cost most of the start-up); the image of a plane rectangle a few hundred
// metres wide bulges by far less than the padding added here.
func mercBound(z crs.Zone, b orb.Bound) orb.Bound {
	var out orb.Bound
	for i, c := range [4]orb.Point{b.Min, b.Max, {b.Min[0], b.Max[1]}, {b.Max[0], b.Min[1]}} {
		lon, lat := z.ToWGS84(c[0], c[1])
		x, y := crs.LonLatToMercator(lon, lat)
		if i == 0 {
			out = orb.Bound{Min: orb.Point{x, y}, Max: orb.Point{x, y}}
		} else {
			out = out.Extend(orb.Point{x, y})
		}
	}
	pad := 0.5 + 1e-3*max(out.Max[0]-out.Min[0], out.Max[1]-out.Min[1])
	return out.Pad(pad)
}

// plot converts a stored plot into a read-model entry.
func (in *interner) plot(p *spatial.Plot) *Plot {
	z, _ := crs.ZoneByEPSG(p.EPSG)
	merc := mercBound(z, p.Geometry.Bound()) // outside the lock: the costly part
	in.mu.Lock()
	defer in.mu.Unlock()
	return &Plot{
		Key:     spatial.PlotKey{Unit: in.str(p.Key.Unit), Sheet: p.Key.Sheet, Plot: p.Key.Plot},
		Commune: in.str(p.Commune), LandUse: in.list(p.LandUse), LegalArea: p.LegalArea, Area: p.Area,
		Version: int32(p.Version.Version), EPSG: int32(p.EPSG), Geometry: p.Geometry,
		Sheet: in.sheets[p.Key.SheetKey()], Merc: merc,
	}
}

// sheet converts a stored sheet and remembers it for its plots.
func (in *interner) sheet(s *spatial.Sheet) *Sheet {
	z, _ := crs.ZoneByEPSG(s.EPSG)
	in.mu.Lock()
	defer in.mu.Unlock()
	e := &Sheet{Key: spatial.SheetKey{Unit: in.str(s.Key.Unit), Number: s.Key.Number}, GridNumber: s.GridNumber,
		Scale: s.Scale, EPSG: int32(s.EPSG), OffGrid: s.OffGrid, Frame: s.Frame, Merc: mercBound(z, s.Frame.Bound())}
	in.sheets[s.Key] = e
	return e
}
