package sampledata

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"hash"
	"math"
	"regexp"
	"slices"
	"testing"

	"github.com/paulmach/orb"

	"cadastre/spatial"
	"cadastre/spatial/grid"
)

// hasher is an Emitter that hashes everything it is given.
type hasher struct {
	h      hash.Hash
	plots  int
	sheets int
}

func (h *hasher) add(v any) error {
	b, err := json.Marshal(v)
	h.h.Write(b)
	return err
}
func (h *hasher) Units(us []spatial.AdminUnit) error { return h.add(us) }
func (h *hasher) Sheet(s *spatial.Sheet) error       { h.sheets++; return h.add([]any{s, s.Frame}) }
func (h *hasher) Plot(p *spatial.Plot) error         { h.plots++; return h.add([]any{p, p.Geometry}) }

func digest(t *testing.T, cfg Config) string {
	t.Helper()
	h := &hasher{h: sha256.New()}
	if err := Generate(cfg, h); err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("%x", h.h.Sum(nil))
}

func TestDeterministic(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Plots = 5000
	a, b := digest(t, cfg), digest(t, cfg)
	if a != b {
		t.Errorf("seed %d: two runs differ: %s and %s", cfg.Seed, a, b)
	}
	cfg.Seed = 2
	if c := digest(t, cfg); c == a {
		t.Errorf("seeds 1 and 2 give the same data (%s)", c)
	}
}

func TestCheckPasses(t *testing.T) {
	for name, b := range map[string]*spatial.Batch{"default": mustBatch(t, DefaultConfig()), "20k": big(t)} {
		if err := b.Check(nil); err != nil {
			t.Errorf("%s: Check: %v", name, err)
		}
	}
}

func TestGenerateStopsAfterTarget(t *testing.T) {
	for _, n := range []int{1, 2000, bigPlots} {
		cfg := DefaultConfig()
		cfg.Plots = n
		h := &hasher{h: sha256.New()}
		if err := Generate(cfg, h); err != nil {
			t.Fatal(err)
		}
		if h.plots < n || h.plots > n+700 {
			t.Errorf("Plots = %d: got %d plots, want the target plus at most one sheet", n, h.plots)
		}
	}
}

func TestBadConfig(t *testing.T) {
	for _, mod := range []func(*Config){
		func(c *Config) { c.Plots = 0 },
		func(c *Config) { c.EPSG = 4326 },
		func(c *Config) { c.OriginN = 100 },
	} {
		cfg := DefaultConfig()
		mod(&cfg)
		if err := Generate(cfg, &hasher{h: sha256.New()}); err == nil {
			t.Errorf("Generate(%+v) = nil, want an error", cfg)
		}
	}
}

// TestUnits checks the 2025 merger: one current commune, former communes
// merged into it on 2025-07-01, whose sheet numbers collide.
func TestUnits(t *testing.T) {
	b := big(t)
	current, formers := 0, map[string]string{}
	for _, u := range b.Units {
		if u.Current() {
			current++
			continue
		}
		if !u.MergedOn.Equal(MergedOn) {
			t.Errorf("unit %s merged on %v, want %v", u.Code, u.MergedOn, MergedOn)
		}
		formers[u.Code] = u.Successor
	}
	if current != 1 || len(formers) != 2 {
		t.Errorf("got %d current and %d former units, want 1 and 2", current, len(formers))
	}
	units := map[int][]string{}
	for _, s := range b.Sheets {
		if _, ok := formers[s.Key.Unit]; !ok {
			t.Errorf("sheet %v is not numbered by a former commune", s.Key)
		}
		units[s.Key.Number] = append(units[s.Key.Number], s.Key.Unit)
	}
	collide := 0
	for _, us := range units {
		if len(us) > 1 && formers[us[0]] == formers[us[1]] {
			collide++
		}
	}
	if collide < 5 {
		t.Errorf("got %d sheet numbers used by both former communes, want several", collide)
	}
}

// TestSheets checks scales, frames on the true grid and survey years.
func TestSheets(t *testing.T) {
	scales := map[grid.Scale]int{}
	for _, s := range big(t).Sheets {
		scales[s.Scale]++
		fb := s.Frame.Bound()
		num, f, err := grid.SheetAt(s.Scale, fb.Min[0], fb.Max[1])
		if err != nil || num != s.GridNumber || f.MinE != fb.Min[0] || f.MinN != fb.Min[1] || f.MaxE != fb.Max[0] || f.MaxN != fb.Max[1] {
			t.Errorf("sheet %v: grid number %q frame %v; SheetAt gives %q %v (%v)", s.Key, s.GridNumber, fb, num, f, err)
		}
		if s.SurveyYear < 1995 || s.SurveyYear > 2024 {
			t.Errorf("sheet %v: survey year %d, want 1995..2024", s.Key, s.SurveyYear)
		}
	}
	for _, sc := range []grid.Scale{grid.Scale2000, grid.Scale1000, grid.Scale500} {
		if scales[sc] < 3 {
			t.Errorf("got %d sheets at %v, want several", scales[sc], sc)
		}
	}
}

// TestSizes checks plot sizes, plots per sheet and vertex counts.
func TestSizes(t *testing.T) {
	b := big(t)
	scale := map[spatial.SheetKey]grid.Scale{}
	for _, s := range b.Sheets {
		scale[s.Key] = s.Scale
	}
	want := map[grid.Scale][2]float64{grid.Scale500: {80, 300}, grid.Scale1000: {150, 800}, grid.Scale2000: {400, 3000}}
	areas := map[grid.Scale][]float64{}
	for _, p := range b.Plots {
		if n := vertices(p.Geometry); n < 4 || (n > 60 && !linear(p)) {
			t.Errorf("plot %v has %d vertices, want 4..60", p.Key, n)
		}
		if !linear(p) && !slices.Contains(p.LandUse, "NTS") {
			areas[scale[p.Key.SheetKey()]] = append(areas[scale[p.Key.SheetKey()]], p.Area)
		}
	}
	for sc, r := range want {
		a := areas[sc]
		slices.Sort(a)
		med, in := a[len(a)/2], 0
		for _, v := range a {
			if v >= r[0]/2 && v <= r[1]*2 {
				in++
			}
		}
		t.Logf("%v: %d parcels, median %.0f m², 10%% %.0f, 90%% %.0f", sc, len(a), med, a[len(a)/10], a[len(a)*9/10])
		if med < r[0] || med > r[1] {
			t.Errorf("%v: median parcel %.0f m², want %.0f..%.0f", sc, med, r[0], r[1])
		}
		if in < len(a)*85/100 {
			t.Errorf("%v: %d of %d parcels within %.0f..%.0f m², want 85 %%", sc, in, len(a), r[0]/2, r[1]*2)
		}
	}
	perSheet := float64(len(b.Plots)) / float64(len(b.Sheets))
	if perSheet < 250 || perSheet > 450 {
		t.Errorf("%.0f plots per sheet, want about 250-450", perSheet)
	}
}

// TestLandUseMix checks that house lots line the roads and fields lie away
// from them.
func TestLandUseMix(t *testing.T) {
	b := big(t)
	road := map[edge]bool{}
	for _, p := range b.Plots {
		if p.LandUse[0] == "DGT" {
			for _, e := range spatial.Edges(p.Geometry) {
				road[edge{e.To, e.From}] = true
			}
		}
	}
	scale := map[spatial.SheetKey]grid.Scale{}
	for _, s := range b.Sheets {
		scale[s.Key] = s.Scale
	}
	// counts per scale: along a road, residential there, away, residential there
	counts := map[grid.Scale]*[4]int{grid.Scale2000: {}, grid.Scale1000: {}, grid.Scale500: {}}
	seen := map[string]bool{}
	for _, p := range b.Plots {
		for _, c := range p.LandUse {
			if _, ok := spatial.LookupLandUse(c); !ok {
				t.Errorf("plot %v: unknown code %q", p.Key, c)
			}
			seen[c] = true
		}
		if linear(p) {
			continue
		}
		c, res := counts[scale[p.Key.SheetKey()]], 0
		if p.LandUse[0] == "ONT" || p.LandUse[0] == "ODT" {
			res = 1
		}
		if touches(p.Geometry, road) {
			c[0], c[1] = c[0]+1, c[1]+res
		} else {
			c[2], c[3] = c[2]+1, c[3]+res
		}
	}
	for sc, c := range counts {
		t.Logf("%v: residential %d of %d plots along roads, %d of %d away", sc, c[1], c[0], c[3], c[2])
	}
	// Rural sheets: house lots line the roads, fields lie behind them.
	if c := counts[grid.Scale2000]; c[1]*100 < c[0]*60 || c[3]*100 > c[2]*15 {
		t.Errorf("1:2000: residential %d of %d plots along roads, %d of %d away; want most along roads, few away", c[1], c[0], c[3], c[2])
	}
	// Town centres are house lots everywhere.
	if c := counts[grid.Scale500]; c[1]+c[3] < (c[0]+c[2])*6/10 {
		t.Errorf("1:500: %d of %d plots residential, want most", c[1]+c[3], c[0]+c[2])
	}
	for _, c := range []string{"ONT", "ODT", "CLN", "LUC", "LUK", "BHK", "HNK", "TON", "DGD", "NTD", "DCH", "TSC", "SKC", "NTS", "DGT", "DTL"} {
		if !seen[c] {
			t.Errorf("no plot uses %s", c)
		}
	}
}

func touches(mp orb.MultiPolygon, road map[edge]bool) bool {
	for _, e := range spatial.Edges(mp) {
		if road[edge{e.From, e.To}] {
			return true
		}
	}
	return false
}

// TestHolesAndMultipart checks that ponds fill the holes of their hosts
// and that some plots own land on both banks of a canal.
func TestHolesAndMultipart(t *testing.T) {
	for name, b := range map[string]*spatial.Batch{"default": mustBatch(t, DefaultConfig()), "20k": big(t)} {
		ponds := map[string]*spatial.Plot{}
		for _, p := range b.Plots {
			if len(p.Geometry) == 1 && len(p.Geometry[0]) == 1 && p.LandUse[0] == "NTS" {
				ponds[ringKey(p.Geometry[0][0], false)] = p
			}
		}
		holes, multi := 0, 0
		for _, p := range b.Plots {
			if len(p.Geometry) > 1 {
				multi++
			}
			for _, poly := range p.Geometry {
				for _, h := range poly[1:] {
					holes++
					if pond := ponds[ringKey(h, true)]; pond == nil || pond.Key.SheetKey() != p.Key.SheetKey() {
						t.Errorf("%s: plot %v: no pond plot fills its hole", name, p.Key)
					}
				}
			}
		}
		t.Logf("%s: %d holes, %d multipart plots", name, holes, multi)
		if holes < 3 || multi < 1 {
			t.Errorf("%s: got %d holes and %d multipart plots, want some of each", name, holes, multi)
		}
	}
}

func ringKey(r orb.Ring, reverse bool) string {
	r = slices.Clone(r)
	if reverse {
		slices.Reverse(r)
	}
	return fmt.Sprint(r)
}

var addressRE = regexp.MustCompile(`^(Thôn \d+|Tổ \d+, Khu phố \d+)$`)

// TestRegisterFields checks numbering, legal areas and addresses.
func TestRegisterFields(t *testing.T) {
	b := big(t)
	equal, off := 0, 0
	for _, ps := range bySheet(b) {
		for i, p := range ps {
			if p.Key.Plot != i+1 {
				t.Fatalf("plot %v is number %d of its sheet, want plots numbered 1..n in order", p.Key, i+1)
			}
		}
	}
	for _, p := range b.Plots {
		if linear(p) {
			if p.LegalArea != 0 || p.Address != "" {
				t.Errorf("plot %v (%s): legal area %v, address %q; want 0 and none", p.Key, p.LandUse[0], p.LegalArea, p.Address)
			}
			continue
		}
		if !addressRE.MatchString(p.Address) {
			t.Errorf("plot %v: address %q", p.Key, p.Address)
		}
		switch d := math.Abs(p.LegalArea-p.Area) / p.Area; {
		case p.LegalArea == p.Area:
			equal++
		case d <= 0.02+0.1/p.Area:
			off++
		default:
			t.Errorf("plot %v: legal area %v vs measured %v: off by %.1f %%, want at most 2 %%", p.Key, p.LegalArea, p.Area, 100*d)
		}
	}
	if equal == 0 || off == 0 {
		t.Errorf("got %d plots with legal area = measured, %d off; want both", equal, off)
	}
}

// TestReadingOrder checks that plot 1 of each sheet lies in its top band
// and plots go roughly north to south.
func TestReadingOrder(t *testing.T) {
	b := big(t)
	frames := map[spatial.SheetKey]orb.Bound{}
	for _, s := range b.Sheets {
		frames[s.Key] = s.Frame.Bound()
	}
	for k, ps := range bySheet(b) {
		f := frames[k]
		h := f.Max[1] - f.Min[1]
		first := ps[0].Geometry.Bound()
		last := ps[len(ps)-1].Geometry.Bound()
		if f.Max[1]-first.Max[1] > h/10 || last.Min[1]-f.Min[1] > h/5 {
			t.Errorf("sheet %v: plot 1 spans N %.0f-%.0f and plot %d N %.0f-%.0f in frame N %.0f-%.0f: not north first",
				k, first.Min[1], first.Max[1], len(ps), last.Min[1], last.Max[1], f.Min[1], f.Max[1])
		}
	}
}
