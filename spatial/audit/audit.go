package audit

import (
	"cmp"
	"context"
	"runtime"
	"slices"
	"sync"

	"github.com/paulmach/orb"

	"cadastre/spatial"
	"cadastre/spatial/extract"
	"cadastre/spatial/index"
)

// Problem is one finding: what, where (the plot or sheet key, the other
// plots involved), how much, and the geometry on the plane of EPSG.
type Problem struct {
	Kind        Kind              `json:"kind"`
	Commune     string            `json:"commune"` // current commune
	Unit        string            `json:"unit"`    // survey unit of the sheet
	Sheet       int               `json:"sheet"`
	Plot        int               `json:"plot,omitempty"` // 0: a sheet-level problem
	Others      []spatial.PlotKey `json:"others,omitempty"`
	Measure     float64           `json:"measure"`
	MeasureUnit string            `json:"measure_unit"` // m², m or count
	Detail      string            `json:"detail"`
	EPSG        int               `json:"epsg"`
	Geometry    orb.Geometry      `json:"-"` // plane metres of EPSG; nil when there is none
}

// Summary counts one commune's problems.
type Summary struct {
	Commune    string       `json:"commune"`
	Sheets     int          `json:"sheets"`
	Plots      int          `json:"plots"`
	CleanPlots int          `json:"clean_plots"` // plots no problem names
	CleanShare float64      `json:"clean_share"` // CleanPlots / Plots (1 when there are no plots)
	ByKind     map[Kind]int `json:"by_kind"`
}

// Report is the result of an audit.
type Report struct {
	Problems []Problem `json:"problems"` // by commune, unit, sheet, plot, kind
	Communes []Summary `json:"communes"` // by commune code
}

// Options tunes the rules; DefaultOptions holds the values the campaign uses.
type Options struct {
	// MinArea (m²) is the smallest overlap or gap reported: the ingest's
	// overlap threshold, below the 0.1 m² an area is rounded to.
	MinArea float64
	// SliverWidth (m): a gap whose mean width (2 area / perimeter) is less
	// is a sliver, a digitising artefact rather than missing land.
	SliverWidth float64
	// Profile gives the area tolerance (spatial/extract profiles).
	Profile *extract.Profile
	// NoPapersGroups are the landuse.csv groups whose plots have no legal
	// papers (roads, water: they are public land), exempt from NoLegalArea.
	NoPapersGroups []string
}

// DefaultOptions returns the options of the campaign audit.
func DefaultOptions() (Options, error) {
	p, err := extract.LoadProfile(extract.DefaultProfile)
	if err != nil {
		return Options{}, err
	}
	return Options{MinArea: 0.01, SliverWidth: 0.5, Profile: p, NoPapersGroups: []string{"roads", "water"}}, nil
}

// Input is what an audit reads: the current sheets and plots (duplicates
// allowed: a decoded file may have them, the read model has not), the
// units (for the commune of a sheet), and optional lookups.
type Input struct {
	Sheets []*index.Sheet
	Plots  []*index.Plot
	Units  []spatial.AdminUnit
	// Near calls fn with every plot whose bound may meet p's; nil: the
	// audit builds a plane R-tree of Plots.
	Near func(p *index.Plot, fn func(*index.Plot) bool)
	// Retired reports whether a plot number was used and retired (numbers
	// are never reused, so it is not missing); nil: none are.
	Retired func(ctx context.Context, k spatial.PlotKey) (bool, error)
	// Renumbered reports whether a sheet was renumbered by a merger (its
	// plots live under the new key: empty is history, not a problem);
	// nil: none was.
	Renumbered func(ctx context.Context, k spatial.SheetKey) (bool, error)
}

// sheetWork is one sheet and its plots.
type sheetWork struct {
	key     spatial.SheetKey
	sheet   *index.Sheet // nil: plots name a sheet that is not there
	plots   []*index.Plot
	found   []Problem
	flagged []*index.Plot // plots with an unmatched or doubled edge: overlap candidates
	rest    []dedge       // edges unmatched inside the sheet, matched across sheets next
}

// Run audits the input. It stops early when ctx ends.
func Run(ctx context.Context, in Input, o Options) (*Report, error) {
	communeOf := map[string]string{}
	for _, u := range in.Units {
		communeOf[u.Code] = cmp.Or(u.Successor, u.Code)
	}
	works := groupBySheet(in)
	if err := parallel(ctx, len(works), func(i int) { auditSheet(works[i], o, communeOf) }); err != nil {
		return nil, err
	}
	flagged := crossSheetEdges(works)
	var found []Problem
	for _, w := range works {
		found = append(found, w.found...)
	}
	ov, err := overlaps(ctx, in, flagged, o)
	if err != nil {
		return nil, err
	}
	found = append(found, ov...)
	miss, err := missingNumbers(ctx, in, works)
	if err != nil {
		return nil, err
	}
	found = append(found, miss...)
	renumbered := map[spatial.SheetKey]bool{}
	if found, err = dropRenumbered(ctx, in, found, renumbered); err != nil {
		return nil, err
	}
	works = slices.DeleteFunc(works, func(w *sheetWork) bool { return renumbered[w.key] })
	sortProblems(found)
	return &Report{Problems: found, Communes: summarise(works, found, communeOf)}, nil
}

func groupBySheet(in Input) []*sheetWork {
	bySheet := map[spatial.SheetKey]*sheetWork{}
	for _, s := range in.Sheets {
		bySheet[s.Key] = &sheetWork{key: s.Key, sheet: s}
	}
	for _, p := range in.Plots {
		k := p.Key.SheetKey()
		w := bySheet[k]
		if w == nil {
			w = &sheetWork{key: k, sheet: p.Sheet}
			bySheet[k] = w
		}
		w.plots = append(w.plots, p)
	}
	works := make([]*sheetWork, 0, len(bySheet))
	for _, w := range bySheet {
		slices.SortFunc(w.plots, func(a, b *index.Plot) int { return cmp.Compare(a.Key.Plot, b.Key.Plot) })
		works = append(works, w)
	}
	slices.SortFunc(works, func(a, b *sheetWork) int { return compareSheetKey(a.key, b.key) })
	return works
}

func compareSheetKey(a, b spatial.SheetKey) int {
	return cmp.Or(cmp.Compare(a.Unit, b.Unit), cmp.Compare(a.Number, b.Number))
}

// parallel runs fn(0..n-1) on GOMAXPROCS goroutines.
func parallel(ctx context.Context, n int, fn func(i int)) error {
	var wg sync.WaitGroup
	next := make(chan int)
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				fn(i)
			}
		}()
	}
	var err error
	for i := 0; i < n; i++ {
		if err = ctx.Err(); err != nil {
			break
		}
		next <- i
	}
	close(next)
	wg.Wait()
	return err
}

func sortProblems(ps []Problem) {
	order := map[Kind]int{}
	for i, k := range Kinds() {
		order[k] = i
	}
	slices.SortStableFunc(ps, func(a, b Problem) int {
		return cmp.Or(cmp.Compare(a.Commune, b.Commune), cmp.Compare(a.Unit, b.Unit),
			cmp.Compare(a.Sheet, b.Sheet), cmp.Compare(a.Plot, b.Plot), cmp.Compare(order[a.Kind], order[b.Kind]))
	})
}

func summarise(works []*sheetWork, ps []Problem, communeOf map[string]string) []Summary {
	sums := map[string]*Summary{}
	get := func(c string) *Summary {
		s := sums[c]
		if s == nil {
			s = &Summary{Commune: c, ByKind: map[Kind]int{}}
			sums[c] = s
		}
		return s
	}
	for _, w := range works {
		if w.sheet != nil {
			get(cmp.Or(communeOf[w.key.Unit], w.key.Unit)).Sheets++
		}
		for _, p := range w.plots {
			get(p.Commune).Plots++
		}
	}
	communeOfPlot := map[spatial.PlotKey]string{}
	for _, w := range works {
		for _, p := range w.plots {
			communeOfPlot[p.Key] = p.Commune
		}
	}
	dirty := map[spatial.PlotKey]bool{}
	mark := func(k spatial.PlotKey) {
		if c, ok := communeOfPlot[k]; ok && !dirty[k] {
			dirty[k] = true
			get(c).CleanPlots-- // counted back below
		}
	}
	for _, p := range ps {
		get(p.Commune).ByKind[p.Kind]++
		if p.Plot > 0 && p.Kind != MissingNumber {
			mark(spatial.PlotKey{Unit: p.Unit, Sheet: p.Sheet, Plot: p.Plot})
		}
		if p.Kind == Overlap || p.Kind == Sliver { // a sliver is the neighbours' digitising error
			for _, k := range p.Others {
				mark(k)
			}
		}
	}
	out := make([]Summary, 0, len(sums))
	for _, s := range sums {
		s.CleanPlots += s.Plots
		s.CleanShare = 1
		if s.Plots > 0 {
			s.CleanShare = float64(s.CleanPlots) / float64(s.Plots)
		}
		out = append(out, *s)
	}
	slices.SortFunc(out, func(a, b Summary) int { return cmp.Compare(a.Commune, b.Commune) })
	return out
}

// dropRenumbered leaves out the empty sheets that a merger renumbered, and
// notes them in gone (they are not the commune's sheets any more).
func dropRenumbered(ctx context.Context, in Input, ps []Problem, gone map[spatial.SheetKey]bool) ([]Problem, error) {
	if in.Renumbered == nil {
		return ps, nil
	}
	out := ps[:0]
	for _, p := range ps {
		if p.Kind == EmptySheet {
			k := spatial.SheetKey{Unit: p.Unit, Number: p.Sheet}
			renumbered, err := in.Renumbered(ctx, k)
			if err != nil {
				return nil, err
			}
			if renumbered {
				gone[k] = true
				continue
			}
		}
		out = append(out, p)
	}
	return out, nil
}
