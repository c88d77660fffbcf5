package main

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"runtime"
	"runtime/pprof"
	"slices"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"cadastre/sampledata"
	"cadastre/spatial"
	"cadastre/spatial/extract"
	"cadastre/spatial/extract/remeasure"
	"cadastre/spatial/index"
)

// submission is one extract to validate: a stored plot and the request
// body a surveyor's client would send for it.
type submission struct {
	class  int
	plot   *index.Plot
	stored int // stored vertices
	body   []byte
}

// outcome is what one validation took and found.
type outcome struct {
	class      int
	stored     int
	total      time.Duration // decode .. JSON report
	cpu        time.Duration // CPU time of the thread over the same span
	check      time.Duration // extract.Check alone
	neighbours int
	verdict    extract.Verdict
	overlaps   int
	gaps       int
}

var _ index.Source = sampledata.Source{} // the read model is built from the generator

func run(ctx context.Context, c config, log *slog.Logger) error {
	r := &report{cfg: c, machine: machine(), loadBefore: loadavg()}
	cfg := sampledata.DefaultConfig()
	cfg.Plots, cfg.Seed = c.Plots, c.Seed
	log.Info("building the read model from the generator", "plots", c.Plots, "seed", c.Seed)
	ix := index.New()
	var err error
	if r.build, err = ix.Build(ctx, sampledata.Source{Config: cfg}, log); err != nil {
		return err
	}
	snap := ix.Snapshot()
	var plots []*index.Plot
	snap.EachPlot(func(p *index.Plot) bool { plots = append(plots, p); return true })
	// Key order: the same seeds pick the same plots in every run.
	slices.SortFunc(plots, func(a, b *index.Plot) int {
		return cmp.Or(cmp.Compare(a.Key.Unit, b.Key.Unit), cmp.Compare(a.Key.Sheet, b.Key.Sheet), cmp.Compare(a.Key.Plot, b.Key.Plot))
	})
	rng := rand.New(rand.NewPCG(c.PickSeed, 6))
	subs, skipped, err := submissions(plots, c, rng)
	if err != nil {
		return err
	}
	r.skipped = skipped
	// Classes interleaved in a random order: load from other work on the
	// machine falls on every class alike.
	rng.Shuffle(len(subs), func(i, j int) { subs[i], subs[j] = subs[j], subs[i] })
	log.Info("validating", "extracts", len(subs))
	if c.CPUProfile != "" {
		f, err := os.Create(c.CPUProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	// One OS thread for the whole loop, so that its CPU time is the
	// validations' (with the GC assists they pay, as a request would).
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	r.loadStart = loadavg()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	start := time.Now()
	for i, s := range subs {
		if i%256 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		o, err := validate(snap, s)
		if err != nil {
			return fmt.Errorf("plot %s, %d vertices: %w", s.plot.Key, s.class, err)
		}
		r.outcomes = append(r.outcomes, o)
	}
	r.took = time.Since(start)
	r.loadAfter = loadavg()
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	r.gcs = after.NumGC - before.NumGC
	r.print(os.Stdout)
	return nil
}

// submissions makes PerClass extracts of each vertex class from random
// stored plots with at most that many vertices; boundaries the noise made
// invalid (a short edge folded over) are drawn again and counted.
func submissions(plots []*index.Plot, c config, rng *rand.Rand) ([]submission, int, error) {
	var out []submission
	skipped := 0
	for _, n := range c.Classes {
		for made, tries := 0, 0; made < c.PerClass; tries++ {
			if tries > 1000*c.PerClass {
				return nil, 0, fmt.Errorf("too few plots of at most %d vertices", n)
			}
			p := plots[rng.IntN(len(plots))]
			k := remeasure.Vertices(p.Geometry)
			if k > n {
				continue
			}
			m := remeasure.Jitter(rng, remeasure.Densify(p.Geometry, n), c.Sigma)
			if extract.CheckBoundary(extract.Boundary{EPSG: int(p.EPSG), Geometry: m}) != nil {
				skipped++
				continue
			}
			body, err := requestBody(p, m, c.Profile)
			if err != nil {
				return nil, 0, err
			}
			out = append(out, submission{class: n, plot: p, stored: k, body: body})
			made++
		}
	}
	return out, skipped, nil
}

// requestBody is the JSON of POST /api/v1/extracts for a measured boundary
// of p at its sheet's scale.
func requestBody(p *index.Plot, m orb.MultiPolygon, profile string) ([]byte, error) {
	scale := "1:1000"
	if p.Sheet != nil {
		scale = p.Sheet.Scale.String()
	}
	var g orb.Geometry = m
	if len(m) == 1 {
		g = m[0]
	}
	return json.Marshal(map[string]any{
		"plot": p.Key, "scale": scale, "agricultural": spatial.IsAgricultural(p.LandUse),
		"crs": fmt.Sprintf("EPSG:%d", p.EPSG), "profile": profile, "boundary": geojson.NewGeometry(g),
	})
}

// validate does what POST /api/v1/extracts does between reading the
// stored plot and storing the report (api/extract.go).
func validate(snap *index.Snapshot, s submission) (outcome, error) {
	stored := storedPlot(s.plot)
	c0, _ := threadCPU()
	t0 := time.Now()
	var raw json.RawMessage
	if err := json.NewDecoder(bytes.NewReader(s.body)).Decode(&raw); err != nil {
		return outcome{}, err
	}
	var q extract.Request
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&q); err != nil {
		return outcome{}, err
	}
	st, err := q.Check()
	if err != nil {
		return outcome{}, err
	}
	in, err := q.Input(st, stored, nil)
	if err != nil {
		return outcome{}, err
	}
	in.Neighbours = extract.NeighboursIn(snap, stored, in.Measured.Geometry)
	t1 := time.Now()
	rep, err := extract.Check(in, st.Profile)
	if err != nil {
		return outcome{}, err
	}
	t2 := time.Now()
	if _, err := json.Marshal(rep); err != nil {
		return outcome{}, err
	}
	t3 := time.Now()
	c1, _ := threadCPU()
	return outcome{class: s.class, stored: s.stored, total: t3.Sub(t0), cpu: c1 - c0, check: t2.Sub(t1), neighbours: len(in.Neighbours),
		verdict: rep.Verdict, overlaps: len(rep.Overlaps), gaps: len(rep.Gaps)}, nil
}

// storedPlot is the current version of the plot as the store returns it;
// the read model holds the same geometry and attributes.
func storedPlot(p *index.Plot) *spatial.Plot {
	sp := &spatial.Plot{Key: p.Key, Commune: p.Commune, EPSG: int(p.EPSG), Geometry: p.Geometry,
		LandUse: p.LandUse, LegalArea: p.LegalArea, Area: p.Area}
	sp.Version.Version = int(p.Version)
	return sp
}

// loadavg returns the 1-minute load average, or "?".
func loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil || len(bytes.Fields(b)) == 0 {
		return "?"
	}
	return string(bytes.Fields(b)[0])
}

func machine() string {
	model := "unknown CPU"
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range bytes.Split(b, []byte("\n")) {
			if k, v, ok := bytes.Cut(l, []byte(":")); ok && string(bytes.TrimSpace(k)) == "model name" {
				model = string(bytes.TrimSpace(v))
				break
			}
		}
	}
	return fmt.Sprintf("%s, %d cores, %s %s/%s", model, runtime.NumCPU(), runtime.Version(), runtime.GOOS, runtime.GOARCH)
}
