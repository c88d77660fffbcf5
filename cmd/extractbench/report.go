package main

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"cadastre/spatial/extract"
	"cadastre/spatial/index"
)

// report is one run's figures.
type report struct {
	cfg                              config
	machine                          string
	loadBefore, loadStart, loadAfter string
	build                            index.BuildStats
	skipped                          int
	gcs                              uint32
	took                             time.Duration
	outcomes                         []outcome
}

// print writes the run as a Markdown section.
func (r *report) print(w io.Writer) {
	c := r.cfg
	fmt.Fprintf(w, "### Extract validation, %d plots (%s)\n\n", r.build.Plots, time.Now().UTC().Format("2006-01-02"))
	fmt.Fprintf(w, "- Command: `go run ./cmd/extractbench -plots %d -seed %d -pick-seed %d -classes %s -per-class %d -sigma %g`\n",
		c.Plots, c.Seed, c.PickSeed, joinInts(c.Classes), c.PerClass, c.Sigma)
	fmt.Fprintf(w, "- Data: sampledata seed %d, %d plots and %d sheets generated into the read model (Index.Build, as `serve`) in %v; live heap %d MiB = %d bytes per plot\n",
		c.Seed, r.build.Plots, r.build.Sheets, r.build.Took.Round(time.Millisecond), r.build.HeapBytes>>20, r.build.HeapBytes/uint64(max(r.build.Plots, 1)))
	fmt.Fprintf(w, "- Extracts: %d per vertex class from random stored plots with at most that many vertices, densified along their edges and moved by %g m of normal noise per coordinate (cut at 3 sigma, rounded to mm); %d noisy boundaries were invalid and drawn again; classes interleaved at random, one validation at a time on one goroutine, %d in %v\n",
		c.PerClass, c.Sigma, r.skipped, len(r.outcomes), r.took.Round(time.Millisecond))
	fmt.Fprintf(w, "- Timed: decode the request, parse and check the boundary, search the neighbours in the read model (5 m), extract.Check, encode the report as JSON (the service's work between reading the stored plot and storing the report)\n")
	fmt.Fprintf(w, "- Machine: %s; 1-minute load average %s before the build, %s before the validations, %s after (other work shares the machine)\n\n", r.machine, r.loadBefore, r.loadStart, r.loadAfter)
	fmt.Fprintf(w, "- Columns: wall time per validation (p50, p90, p99, max); CPU time of the validating thread over the same span (p50 / p99: what the validation costs without the waits for a core that other work on the machine causes); extract.Check alone (wall); %d garbage collections ran during the validations\n\n", r.gcs)
	fmt.Fprintln(w, "| vertices | extracts | stored vertices (mean) | neighbours (mean) | p50 | p90 | p99 | max | CPU p50 / p99 | Check alone p50 / p99 | verdicts (within / out / changed) | overlaps, gaps per extract |")
	fmt.Fprintln(w, "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|")
	worst := time.Duration(0)
	for _, n := range c.Classes {
		var tot, cpu, chk []time.Duration
		var stored, nbs, ov, gp int
		verdicts := map[extract.Verdict]int{}
		for _, o := range r.outcomes {
			if o.class != n {
				continue
			}
			tot, cpu, chk = append(tot, o.total), append(cpu, o.cpu), append(chk, o.check)
			stored, nbs, ov, gp = stored+o.stored, nbs+o.neighbours, ov+o.overlaps, gp+o.gaps
			verdicts[o.verdict]++
		}
		if len(tot) == 0 {
			continue
		}
		k := float64(len(tot))
		p99 := pct(tot, 0.99)
		worst = max(worst, p99)
		fmt.Fprintf(w, "| %d | %d | %.1f | %.1f | %s | %s | %s | %s | %s / %s | %s / %s | %d / %d / %d | %.2f, %.2f |\n",
			n, len(tot), float64(stored)/k, float64(nbs)/k, ms(pct(tot, 0.5)), ms(pct(tot, 0.9)), ms(p99), ms(pct(tot, 1)),
			ms(pct(cpu, 0.5)), ms(pct(cpu, 0.99)), ms(pct(chk, 0.5)), ms(pct(chk, 0.99)), verdicts[extract.WithinTolerance], verdicts[extract.OutOfTolerance], verdicts[extract.BoundaryChanged],
			float64(ov)/k, float64(gp)/k)
	}
	verdict := "met"
	if worst >= 10*time.Millisecond {
		verdict = "**not met**"
	}
	fmt.Fprintf(w, "\nWorst class p99 %s: the issue's target (p99 under 10 ms) is %s in this run.\n", ms(worst), verdict)
}

// pct returns the q-quantile (nearest rank) of ds; it sorts ds.
func pct(ds []time.Duration, q float64) time.Duration {
	slices.Sort(ds)
	i := int(q * float64(len(ds)))
	return ds[min(i, len(ds)-1)]
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d.Microseconds())/1000) }

func joinInts(v []int) string {
	s := make([]string, len(v))
	for i, n := range v {
		s[i] = fmt.Sprint(n)
	}
	return strings.Join(s, ",")
}
