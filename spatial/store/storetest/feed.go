package storetest

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"cadastre/spatial"
)

// Feed is a store that is also a change feed.
type Feed interface {
	spatial.Store
	spatial.ChangeFeed
}

// RunChangeFeed checks the change feed of a store seen through two
// handles on the same data (two service instances, or a server and a
// `cadastre ingest` process): a subscriber on a hears each write committed
// through b within a few seconds, and a's ChangesSince returns exactly
// what b's second write changed (a changed plot, a new sheet with its
// plot, a retired plot).
func RunChangeFeed(t *testing.T, a, b Feed) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if seq, err := a.LatestSeq(ctx); err != nil || seq != 0 {
		t.Fatalf("LatestSeq of an empty store: got %d, %v; want 0", seq, err)
	}
	heard := make(chan int64, 64)
	sctx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- a.Subscribe(sctx, func(seq int64) { heard <- seq }) }()
	defer func() {
		stop()
		if err := <-done; err != nil && !errors.Is(err, context.Canceled) {
			t.Errorf("Subscribe after its context ended: %v", err)
		}
	}()
	waitFor := func(want int64) {
		t.Helper()
		deadline := time.After(10 * time.Second)
		for {
			select {
			case seq := <-heard:
				if seq >= want {
					return
				}
			case <-deadline:
				t.Fatalf("the subscriber did not hear seq %d within 10 s", want)
			}
		}
	}
	s1 := SheetAt(t, UnitB, 31, ZoneA, originAE, originAN)
	s2 := SheetAt(t, UnitB, 32, ZoneA, originAE, originAN+600)
	f1, f2 := s1.FrameBound(), s2.FrameBound()
	p := func(sheet, plot int, e, n float64) *spatial.Plot {
		return Square(UnitB, sheet, plot, ZoneA, e+float64(plot)*30, n+10, 20)
	}
	if _, err := b.Write(ctx, &spatial.Batch{Units: Units(), Sheets: []*spatial.Sheet{s1},
		Plots:  []*spatial.Plot{p(31, 1, f1.Min[0], f1.Min[1]), p(31, 2, f1.Min[0], f1.Min[1]), p(31, 3, f1.Min[0], f1.Min[1])},
		Change: spatial.Change{By: "t", Reason: "load"}}); err != nil {
		t.Fatal(err)
	}
	first, err := a.LatestSeq(ctx)
	if err != nil || first == 0 {
		t.Fatalf("LatestSeq after a write through the other handle: got %d, %v", first, err)
	}
	waitFor(first)
	changed := p(31, 1, f1.Min[0], f1.Min[1])
	changed.LegalArea = 99
	added := p(32, 1, f2.Min[0], f2.Min[1])
	retired := spatial.PlotKey{Unit: UnitB, Sheet: 31, Plot: 2}
	if _, err := b.Write(ctx, &spatial.Batch{Sheets: []*spatial.Sheet{s2}, Plots: []*spatial.Plot{changed, added},
		Retire: []spatial.PlotKey{retired}, Change: spatial.Change{By: "t", Reason: "update"}}); err != nil {
		t.Fatal(err)
	}
	now, err := a.LatestSeq(ctx)
	if err != nil || now <= first {
		t.Fatalf("LatestSeq after a second write: got %d, %v; want more than %d", now, err, first)
	}
	waitFor(now)
	ch, err := a.ChangesSince(ctx, first)
	if err != nil {
		t.Fatal(err)
	}
	var plots []string
	for _, p := range ch.Plots {
		plots = append(plots, p.Key.String())
	}
	slices.Sort(plots)
	want := []string{changed.Key.String(), added.Key.String()}
	slices.Sort(want)
	if ch.Seq != now || !slices.Equal(plots, want) || len(ch.Retired) != 1 || ch.Retired[0] != retired ||
		len(ch.Sheets) != 1 || ch.Sheets[0].Key != s2.Key {
		t.Errorf("ChangesSince(%d): got seq %d plots %v retired %v sheets %d; want seq %d plots %v retired %s sheet %s",
			first, ch.Seq, plots, ch.Retired, len(ch.Sheets), now, want, retired, s2.Key)
	}
	for _, p := range ch.Plots {
		if p.Key == changed.Key && (p.LegalArea != 99 || p.Version.Version != 2) {
			t.Errorf("ChangesSince: changed plot %s has legal area %g version %d, want 99 and 2", p.Key, p.LegalArea, p.Version.Version)
		}
	}
	if ch, err := a.ChangesSince(ctx, now); err != nil || ch.Seq != now || len(ch.Plots)+len(ch.Retired)+len(ch.Sheets) != 0 {
		t.Errorf("ChangesSince(latest): got %+v, %v; want nothing", ch, err)
	}
}
