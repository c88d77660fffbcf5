package index

import (
	"context"
	"fmt"
	"log/slog"
	"runtime"
	"sync"
	"time"

	"cadastre/spatial"
)

// Source is what the index is built from: the store's streaming reads.
type Source interface {
	EachPlot(ctx context.Context, fn func(*spatial.Plot) error) error
	Sheets(ctx context.Context, unit string) ([]*spatial.Sheet, error)
}

// BuildStats describes one build.
type BuildStats struct {
	Plots, Sheets int
	Took          time.Duration
	HeapBytes     uint64 // live heap after the build (after a GC)
}

// Build loads every current sheet and plot from src into a fresh snapshot
// and publishes it; progress goes to log every few seconds. Converting a
// plot (four projected corners) runs on every core; the trees are filled by
// one goroutine.
func (ix *Index) Build(ctx context.Context, src Source, log *slog.Logger) (BuildStats, error) {
	start := time.Now()
	snap := emptySnapshot()
	// With a change feed, remember where the store stood before reading:
	// writes made during the build are caught up afterwards (applying a
	// change twice is harmless).
	if feed, ok := src.(spatial.ChangeFeed); ok {
		seq, err := feed.LatestSeq(ctx)
		if err != nil {
			return BuildStats{}, fmt.Errorf("index: latest change: %w", err)
		}
		snap.seq = seq
	}
	sheets, err := src.Sheets(ctx, "")
	if err != nil {
		return BuildStats{}, fmt.Errorf("index: read sheets: %w", err)
	}
	sheets = ix.only(Change{Sheets: sheets}).Sheets
	for _, s := range sheets {
		snap.replaceSheet(ix.in.sheet(s))
	}
	n, err := ix.loadPlots(ctx, src, snap, log, start)
	if err != nil {
		return BuildStats{}, err
	}
	ix.mu.Lock()
	ix.cur.Store(snap)
	ix.mu.Unlock()
	ix.ready.Store(true)
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	st := BuildStats{Plots: n, Sheets: len(sheets), Took: time.Since(start), HeapBytes: ms.HeapAlloc}
	log.Info("index built", "plots", st.Plots, "sheets", st.Sheets, "took", st.Took.Round(time.Millisecond),
		"heap_mib", st.HeapBytes>>20, "heap_bytes_per_plot", st.HeapBytes/uint64(max(st.Plots, 1)))
	return st, nil
}

const chunk = 2048

func (ix *Index) loadPlots(ctx context.Context, src Source, snap *Snapshot, log *slog.Logger, start time.Time) (int, error) {
	in := make(chan []*spatial.Plot, 4)
	out := make(chan []*Plot, 4)
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ps := range in {
				es := make([]*Plot, len(ps))
				for i, p := range ps {
					es[i] = ix.in.plot(p)
				}
				out <- es
			}
		}()
	}
	go func() { wg.Wait(); close(out) }()
	done := make(chan int)
	go func() {
		n, last := 0, time.Now()
		for es := range out {
			for _, e := range es {
				snap.byKey.Set(e)
				snap.insertPlot(e)
			}
			n += len(es)
			if time.Since(last) > 5*time.Second {
				last = time.Now()
				log.Info("index building", "plots", n, "rate_per_s", int(float64(n)/time.Since(start).Seconds()))
			}
		}
		done <- n
	}()
	buf := make([]*spatial.Plot, 0, chunk)
	err := src.EachPlot(ctx, func(p *spatial.Plot) error {
		if !ix.Holds(p.Key.Unit) {
			return nil
		}
		buf = append(buf, p)
		if len(buf) == chunk {
			in <- buf
			buf = make([]*spatial.Plot, 0, chunk)
		}
		return nil
	})
	if len(buf) > 0 {
		in <- buf
	}
	close(in)
	n := <-done
	if err != nil {
		return 0, fmt.Errorf("index: read plots: %w", err)
	}
	return n, nil
}
