package index

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"cadastre/spatial"
)

// CatchUp applies every change the feed has after the snapshot's sequence.
func (ix *Index) CatchUp(ctx context.Context, feed spatial.ChangeFeed) ([]Touched, error) {
	ix.catchMu.Lock() // one catch-up at a time: the feed and local writes race otherwise
	defer ix.catchMu.Unlock()
	seq := ix.Snapshot().Seq()
	ch, err := feed.ChangesSince(ctx, seq)
	if err != nil {
		return nil, fmt.Errorf("index: changes since %d: %w", seq, err)
	}
	if ch.Seq <= seq {
		return nil, nil
	}
	return ix.Apply(ctx, Change{Seq: ch.Seq, Plots: ch.Plots, Retire: ch.Retired, Sheets: ch.Sheets}), nil
}

// Sync brings the index up to date after a write made by this instance:
// through the change feed when the store has one (both stores do),
// otherwise by reading back the plots the write touched: one
// query each for a small write, one pass over the store's plots for a
// large one (an HTTP ingest of a province touches every plot).
func (ix *Index) Sync(ctx context.Context, store spatial.Store, res spatial.WriteResult) ([]Touched, error) {
	if feed, ok := store.(spatial.ChangeFeed); ok {
		return ix.CatchUp(ctx, feed)
	}
	var c Change
	var err error
	if n := len(res.Touched); n > readBackSmall && n > ix.Snapshot().Len()/readBackShare {
		c, err = readBackAll(ctx, store, res.Touched)
	} else {
		c, err = readBackEach(ctx, store, res.Touched)
	}
	if err != nil {
		return nil, err
	}
	if res.Sheets > 0 {
		sheets, err := store.Sheets(ctx, "")
		if err != nil {
			return nil, err
		}
		c.Sheets = sheets
	}
	return ix.Apply(ctx, c), nil
}

// A write touching more than readBackSmall plots, and more than one in
// readBackShare of those indexed, is read back in one pass over the store.
const (
	readBackSmall = 5000
	readBackShare = 20
)

// readBackEach reads the touched plots one by one.
func readBackEach(ctx context.Context, store spatial.Store, touched []spatial.PlotKey) (Change, error) {
	var c Change
	for _, k := range touched {
		h, err := store.Plot(ctx, k)
		if err != nil {
			return c, fmt.Errorf("index: read back %s: %w", k, err)
		}
		if h.Current.Retired {
			c.Retire = append(c.Retire, k)
		} else {
			c.Plots = append(c.Plots, h.Current)
		}
	}
	return c, nil
}

// readBackAll streams the store's current plots and keeps the touched
// ones; a touched key the stream lacks was retired.
func readBackAll(ctx context.Context, store spatial.Store, touched []spatial.PlotKey) (Change, error) {
	var want, found spatial.PlotKeySet
	for _, k := range touched {
		want.Add(k)
	}
	var c Change
	err := store.EachPlot(ctx, func(p *spatial.Plot) error {
		if want.Has(p.Key) {
			c.Plots = append(c.Plots, p)
			found.Add(p.Key)
		}
		return nil
	})
	if err != nil {
		return c, fmt.Errorf("index: read back %d plots: %w", len(touched), err)
	}
	for _, k := range touched {
		if !found.Has(k) {
			c.Retire = append(c.Retire, k)
		}
	}
	return c, nil
}

// Follow keeps the index current with writes made by other instances until
// ctx ends: each announced sequence triggers a catch-up; onApply receives
// what changed (for tile invalidation). Subscribe itself reconnects and
// re-announces after a lost connection; a catch-up that fails (the pool's
// connections died with the database) is retried with backoff, so no change
// is missed.
func (ix *Index) Follow(ctx context.Context, feed spatial.ChangeFeed, onApply func([]Touched), log *slog.Logger) error {
	wake := make(chan struct{}, 1)
	go ix.catchUpLoop(ctx, feed, wake, onApply, log)
	return feed.Subscribe(ctx, func(seq int64) {
		if seq <= ix.Snapshot().Seq() {
			return
		}
		select {
		case wake <- struct{}{}:
		default: // a catch-up is already pending; it will include seq
		}
	})
}

func (ix *Index) catchUpLoop(ctx context.Context, feed spatial.ChangeFeed, wake <-chan struct{}, onApply func([]Touched), log *slog.Logger) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-wake:
		}
		for backoff := 50 * time.Millisecond; ; backoff = min(2*backoff, time.Second) {
			start := time.Now()
			t, err := ix.CatchUp(ctx, feed)
			if err == nil {
				if len(t) > 0 && onApply != nil {
					onApply(t)
				}
				log.Debug("index: caught up", "seq", ix.Snapshot().Seq(), "plots", len(t), "took", time.Since(start))
				break
			}
			log.Warn("index: catch-up failed; retrying", "err", err, "in", backoff)
			select {
			case <-ctx.Done():
				return
			case <-time.After(backoff):
			}
		}
	}
}
