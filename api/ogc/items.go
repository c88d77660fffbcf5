package ogc

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/paulmach/orb/geojson"

	"cadastre/spatial"
	"cadastre/spatial/index"
)

// query is a parsed items request.
type query struct {
	limit         int
	region        *region   // bbox; nil: none
	dt            *interval // datetime; nil: none
	out           outCRS
	after, before *sortKey
	filter        *compiled // CQL2; nil: none
}

// interval is a datetime value: an instant is an interval with from == to
// (a date is the whole day); a zero end is open ("..").
type interval struct {
	from, to time.Time
	instant  bool
}

// parseTime reads an RFC 3339 date-time or a date; end says whether a date
// stands for its last instant.
func parseTime(s string, end bool) (time.Time, bool, error) {
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, false, nil
	}
	if d, err := time.Parse(time.DateOnly, s); err == nil {
		if end {
			return d.Add(24*time.Hour - time.Nanosecond), true, nil
		}
		return d, true, nil
	}
	return time.Time{}, false, badRequest("datetime: %q is neither an RFC 3339 date-time nor a date", s)
}

// parseDatetime reads the datetime parameter (/req/core/fc-time-definition):
// an instant, or an interval start/end with ".." or "" for an open end.
func parseDatetime(v string) (*interval, error) {
	a, b, isInterval := strings.Cut(v, "/")
	if !isInterval {
		from, date, err := parseTime(v, false)
		if err != nil {
			return nil, err
		}
		if date {
			to, _, _ := parseTime(v, true)
			return &interval{from: from, to: to}, nil
		}
		return &interval{from: from, to: from, instant: true}, nil
	}
	iv := &interval{}
	var err error
	if a != ".." && a != "" {
		if iv.from, _, err = parseTime(a, false); err != nil {
			return nil, err
		}
	}
	if b != ".." && b != "" {
		if iv.to, _, err = parseTime(b, true); err != nil {
			return nil, err
		}
	}
	if (a == ".." || a == "") && (b == ".." || b == "") && a == b && a == "" {
		return nil, badRequest("datetime: %q has no start and no end", v)
	}
	if !iv.from.IsZero() && !iv.to.IsZero() && iv.to.Before(iv.from) {
		return nil, badRequest("datetime: %q ends before it starts", v)
	}
	return iv, nil
}

// matches reports whether a validity period [from, to) (to zero: open)
// meets the interval.
func (iv *interval) matches(from, to time.Time) bool {
	if iv.instant {
		return !iv.from.Before(from) && (to.IsZero() || iv.from.Before(to))
	}
	if !iv.to.IsZero() && iv.to.Before(from) {
		return false
	}
	return iv.from.IsZero() || to.IsZero() || to.After(iv.from)
}

func parseBbox(v string, c outCRS) (*region, error) {
	parts := strings.Split(v, ",")
	if len(parts) != 4 && len(parts) != 6 {
		return nil, badRequest("bbox: want 4 or 6 comma-separated numbers, got %d", len(parts))
	}
	nums := make([]float64, len(parts))
	for i, p := range parts {
		n, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil {
			return nil, badRequest("bbox: %q is not a number", p)
		}
		nums[i] = n
	}
	if len(nums) == 6 { // minx, miny, minz, maxx, maxy, maxz: heights are ignored (plots are 2D)
		nums = []float64{nums[0], nums[1], nums[3], nums[4]}
	}
	b := [4]float64{nums[0], nums[1], nums[2], nums[3]}
	if b[0] > b[2] || b[1] > b[3] { // no box here crosses the antimeridian
		return nil, badRequest("bbox: the lower corner %v,%v is above the upper corner %v,%v", b[0], b[1], b[2], b[3])
	}
	if c.code == 4326 {
		lon0, lat0 := c.toWGS84([2]float64{b[0], b[1]})
		lon1, lat1 := c.toWGS84([2]float64{b[2], b[3]})
		if lat0 < -90 || lat1 > 90 || lon0 < -180 || lon1 > 180 {
			return nil, badRequest("bbox: %s is outside the range of longitude and latitude", v)
		}
	}
	return bboxRegion(c, b), nil
}

func (h *Handler) parseQuery(r *http.Request, c *collection) (*query, error) {
	if err := checkParams(r, "f", "limit", "bbox", "bbox-crs", "datetime", "crs", "after", "before", "filter", "filter-lang", "filter-crs"); err != nil {
		return nil, err
	}
	v := r.URL.Query()
	q := &query{limit: DefaultLimit, out: crs84}
	if s := v.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			return nil, badRequest("limit: %q is not a whole number from 1 to %d", s, MaxLimit)
		}
		q.limit = min(n, MaxLimit) // /per/core/fc-limit-response-1: larger values answer the maximum
	}
	var err error
	if s := v.Get("crs"); s != "" {
		if q.out, err = parseCRS("crs", s); err != nil {
			return nil, err
		}
	}
	bcrs := crs84
	if s := v.Get("bbox-crs"); s != "" {
		if bcrs, err = parseCRS("bbox-crs", s); err != nil {
			return nil, err
		}
		if !v.Has("bbox") {
			return nil, badRequest("bbox-crs given without bbox")
		}
	}
	if s := v.Get("bbox"); s != "" || v.Has("bbox") {
		if q.region, err = parseBbox(s, bcrs); err != nil {
			return nil, err
		}
	}
	if s := v.Get("datetime"); s != "" || v.Has("datetime") {
		if c.id == "sheets" || c.id == "units" {
			return nil, badRequest("datetime: the %s collection has no time; plots and plot-versions have", c.id)
		}
		if q.dt, err = parseDatetime(s); err != nil {
			return nil, err
		}
	}
	for _, p := range []struct {
		name string
		dst  **sortKey
	}{{"after", &q.after}, {"before", &q.before}} {
		if s := v.Get(p.name); s != "" {
			k, ok := parseID(c.id, s)
			if !ok {
				return nil, badRequest("%s: %q is not a feature id of %s", p.name, s, c.id)
			}
			*p.dst = &k
		}
	}
	if q.after != nil && q.before != nil {
		return nil, badRequest("after and before together")
	}
	if v.Has("filter") {
		if q.filter, err = h.compileFilter(c, v.Get("filter"), v.Get("filter-lang"), v.Get("filter-crs")); err != nil {
			return nil, err
		}
	} else if v.Has("filter-lang") || v.Has("filter-crs") {
		return nil, badRequest("filter-lang or filter-crs given without filter")
	}
	return q, nil
}

// scan calls fn for every feature of c matching q's bbox and datetime, in
// key order, until fn returns false. fast is the number of features when
// nothing filters (the read model counts them), else -1.
func (h *Handler) scan(ctx context.Context, c *collection, q *query, fn func(feature) bool) (fast int, err error) {
	snap := h.o.Index.Snapshot()
	keep := func(f feature) bool {
		return (q.region == nil || q.region.intersects(f.epsg, f.geom)) && (q.filter == nil || q.filter.pred(&f))
	}
	area := q.region
	if area == nil && q.filter != nil {
		area = q.filter.region
	}
	switch {
	case c.id == "plots" && q.dt == nil && q.region == nil && q.filter == nil:
		after := spatial.PlotKey{}
		if q.after != nil {
			after = spatial.PlotKey{Unit: q.after.unit, Sheet: q.after.a, Plot: q.after.b}
		}
		snap.AscendPlots(after, func(p *index.Plot) bool { return fn(plotFeature(p)) })
		return snap.Len(), nil
	case c.id == "plots" && q.dt == nil && area == nil:
		snap.AscendPlots(spatial.PlotKey{}, func(p *index.Plot) bool {
			if f := plotFeature(p); keep(f) {
				return fn(f)
			}
			return true
		})
		return -1, nil
	case c.id == "plots" && q.dt == nil:
		var fs []feature
		snap.SearchPlots(area.merc, func(p *index.Plot) bool {
			if f := plotFeature(p); keep(f) {
				fs = append(fs, f)
			}
			return true
		})
		slices.SortFunc(fs, func(a, b feature) int { return compareKey(a.key, b.key) })
		for _, f := range fs {
			if !fn(f) {
				break
			}
		}
		return -1, nil
	case c.id == "plots" || c.id == "plot-versions":
		vl, ok := h.o.Store.(VersionLister)
		if !ok {
			return 0, &httpError{status: http.StatusNotImplemented, msg: "this store cannot list plot versions"}
		}
		vs, err := h.hist.load(ctx, vl, snap)
		if err != nil {
			return 0, err
		}
		for i, v := range vs {
			f := versionFeature(v)
			if c.id == "plots" { // the plot as it was: its last version meeting the time
				f.key.c = 0
				if !q.dt.matches(f.from, f.to) || f.retired {
					continue
				}
				if next := i + 1; next < len(vs) && vs[next].Key == v.Key {
					nf := versionFeature(vs[next])
					if q.dt.matches(nf.from, nf.to) && !nf.retired {
						continue
					}
				}
			} else if q.dt != nil && (f.retired || !q.dt.matches(f.from, f.to)) {
				continue
			}
			if keep(f) && !fn(f) {
				break
			}
		}
		return -1, nil
	case c.id == "sheets":
		snap.AscendSheets(func(s *index.Sheet) bool {
			if f := sheetFeature(s); keep(f) {
				return fn(f)
			}
			return true
		})
		if q.region == nil && q.filter == nil {
			return snap.Sheets(), nil
		}
		return -1, nil
	default: // units
		us, err := h.o.Store.Units(ctx)
		if err != nil {
			return 0, err
		}
		slices.SortFunc(us, func(a, b spatial.AdminUnit) int { return strings.Compare(a.Code, b.Code) })
		for i := range us {
			f := feature{key: sortKey{unit: us[i].Code}, unit: &us[i]}
			if keep(f) && !fn(f) {
				break
			}
		}
		return -1, nil
	}
}

// page is one page of matching features.
type page struct {
	features   []feature
	matched    int
	prev, next *sortKey
}

// selectPage pages through the matches: after a cursor, before one, or
// from the start. numberMatched is exact: every match is counted, or the
// read model's count is used when nothing filters.
func (h *Handler) selectPage(ctx context.Context, c *collection, q *query) (*page, error) {
	pg := &page{}
	if q.before == nil {
		// Only the unfiltered plots are counted by the read model; then the
		// scan (from the cursor on) stops after the page.
		fastPath := c.id == "plots" && q.dt == nil && q.region == nil && q.filter == nil
		n, more := 0, false
		fast, err := h.scan(ctx, c, q, func(f feature) bool {
			n++
			if q.after != nil && compareKey(f.key, *q.after) <= 0 {
				return true
			}
			if len(pg.features) < q.limit {
				pg.features = append(pg.features, f)
			} else {
				more = true
			}
			return !(fastPath && more)
		})
		if err != nil {
			return nil, err
		}
		pg.matched = n
		if fast >= 0 {
			pg.matched = fast
		}
		if more {
			k := pg.features[len(pg.features)-1].key
			pg.next = &k
		}
		if q.after != nil && len(pg.features) > 0 {
			k := pg.features[0].key
			pg.prev = &k
		} else if q.after != nil {
			pg.prev = q.after
		}
		return pg, nil
	}
	// before a cursor: the last limit matches before it
	ring := make([]feature, 0, q.limit)
	earlier := false
	n := 0
	_, err := h.scan(ctx, c, q, func(f feature) bool {
		n++
		if compareKey(f.key, *q.before) < 0 {
			if len(ring) == q.limit {
				ring = ring[1:]
				earlier = true
			}
			ring = append(ring, f)
		}
		return true
	})
	if err != nil {
		return nil, err
	}
	pg.features, pg.matched = ring, n
	if len(ring) > 0 {
		k := ring[len(ring)-1].key
		pg.next = &k
		if earlier {
			k0 := ring[0].key
			pg.prev = &k0
		}
	}
	return pg, nil
}

func (h *Handler) items(w http.ResponseWriter, r *http.Request, c *collection) error {
	f, err := negotiate(r)
	if err != nil {
		return err
	}
	q, err := h.parseQuery(r, c)
	if err != nil {
		return err
	}
	pg, err := h.selectPage(r.Context(), c, q)
	if err != nil {
		return err
	}
	base := h.base(r) + "/collections/" + c.id + "/items"
	link1 := func(rel, typ, fm string, cursor string, key *sortKey) link {
		v := r.URL.Query()
		v.Del("after")
		v.Del("before")
		v.Set("f", fm)
		if key != nil {
			fk := feature{key: *key}
			v.Set(cursor, fk.id(c.id))
		}
		return link{Href: base + "?" + v.Encode(), Rel: rel, Type: typ}
	}
	var links []link
	curCursor, curKey := "", (*sortKey)(nil)
	if q.after != nil {
		curCursor, curKey = "after", q.after
	} else if q.before != nil {
		curCursor, curKey = "before", q.before
	}
	if f == fHTML {
		links = append(links, link1("self", "text/html", "html", curCursor, curKey), link1("alternate", "application/geo+json", "json", curCursor, curKey))
	} else {
		links = append(links, link1("self", "application/geo+json", "json", curCursor, curKey), link1("alternate", "text/html", "html", curCursor, curKey))
	}
	fm, typ := "json", "application/geo+json"
	if f == fHTML {
		fm, typ = "html", "text/html"
	}
	if pg.next != nil {
		links = append(links, link1("next", typ, fm, "after", pg.next))
	}
	if pg.prev != nil {
		links = append(links, link1("prev", typ, fm, "before", pg.prev))
	}
	links = append(links, link{Href: h.base(r) + "/collections/" + c.id, Rel: "collection", Type: "application/json"})
	if c.geomType != "" {
		w.Header().Set("Content-Crs", q.out.header())
	}
	if f == fHTML {
		fc := map[string]any{"numberMatched": pg.matched, "numberReturned": len(pg.features), "links": links}
		feats := make([]*geojson.Feature, len(pg.features))
		for i := range pg.features {
			feats[i] = h.geoFeature(c, &pg.features[i], q.out)
		}
		return writeFeaturesHTML(w, r, c, fc, feats)
	}
	w.Header().Set("Content-Type", "application/geo+json")
	if r.Method == http.MethodHead {
		return nil
	}
	b := make([]byte, 0, 512+len(pg.features)*600)
	b = append(b, `{"type":"FeatureCollection","numberMatched":`...)
	b = strconv.AppendInt(b, int64(pg.matched), 10)
	b = append(b, `,"numberReturned":`...)
	b = strconv.AppendInt(b, int64(len(pg.features)), 10)
	b = append(b, `,"timeStamp":`...)
	b = appendJSONString(b, time.Now().UTC().Format(time.RFC3339))
	lj, err := json.Marshal(links)
	if err != nil {
		return err
	}
	b = append(b, `,"links":`...)
	b = append(b, lj...)
	b = append(b, `,"features":[`...)
	for i := range pg.features {
		if i > 0 {
			b = append(b, ',')
		}
		if b, err = appendFeature(b, c, &pg.features[i], q.out); err != nil {
			return err
		}
	}
	b = append(b, "]}\n"...)
	_, err = w.Write(b)
	return err
}

func (h *Handler) geoFeature(c *collection, f *feature, out outCRS) *geojson.Feature {
	var gf *geojson.Feature
	if f.geom != nil {
		gf = geojson.NewFeature(toCRS(out, f.epsg, f.geom))
	} else {
		gf = &geojson.Feature{Type: "Feature"}
	}
	gf.ID = f.id(c.id)
	gf.Properties = f.properties()
	return gf
}

func (h *Handler) item(w http.ResponseWriter, r *http.Request, c *collection, id string) error {
	f, err := negotiate(r)
	if err != nil {
		return err
	}
	if err := checkParams(r, "f", "crs"); err != nil {
		return err
	}
	out := crs84
	if s := r.URL.Query().Get("crs"); s != "" {
		if out, err = parseCRS("crs", s); err != nil {
			return err
		}
	}
	key, ok := parseID(c.id, id)
	if !ok {
		return notFound("no feature %q in %s (ids look like %s)", id, c.id, map[string]string{"plots": "27002.1.1",
			"plot-versions": "27002.1.1.v1", "sheets": "27002.1", "units": "27002"}[c.id])
	}
	var found *feature
	snap := h.o.Index.Snapshot()
	switch c.id {
	case "plots":
		if p, ok := snap.Plot(spatial.PlotKey{Unit: key.unit, Sheet: key.a, Plot: key.b}); ok {
			ft := plotFeature(p)
			found = &ft
		}
	case "sheets":
		if s, ok := snap.Sheet(spatial.SheetKey{Unit: key.unit, Number: key.a}); ok {
			ft := sheetFeature(s)
			found = &ft
		}
	default:
		if _, err := h.scan(r.Context(), c, &query{}, func(ft feature) bool {
			if ft.key == key {
				found = &ft
				return false
			}
			return true
		}); err != nil {
			return err
		}
	}
	if found == nil {
		return notFound("no feature %q in %s", id, c.id)
	}
	gf := h.geoFeature(c, found, out)
	self := h.base(r) + "/collections/" + c.id + "/items/" + url.PathEscape(id)
	links := []link{{Href: self + "?f=json", Rel: "self", Type: "application/geo+json"}, {Href: self + "?f=html", Rel: "alternate", Type: "text/html"},
		{Href: h.base(r) + "/collections/" + c.id, Rel: "collection", Type: "application/json"}}
	if f == fHTML {
		links[0].Rel, links[1].Rel = "alternate", "self"
	}
	gf.ExtraMembers = map[string]any{"links": links}
	if c.geomType != "" {
		w.Header().Set("Content-Crs", out.header())
	}
	if found.plot != nil {
		w.Header().Set("ETag", etag(gf.ID.(string), int(found.plot.Version)))
	}
	if found.sheet != nil && h.o.Store != nil {
		if sh, err := h.o.Store.Sheet(r.Context(), found.sheet.Key); err == nil {
			w.Header().Set("ETag", etag(gf.ID.(string), sh.Version.Version))
		}
	}
	if f == fHTML {
		return writeFeaturesHTML(w, r, c, map[string]any{"links": links}, []*geojson.Feature{gf})
	}
	return writeJSON(w, r, "application/geo+json", gf)
}
