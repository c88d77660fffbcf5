package postgis_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"cadastre/internal/pgtest"
	"cadastre/spatial"
	"cadastre/spatial/store/postgis"
	"cadastre/spatial/store/storetest"
)

func latest(t *testing.T, s *postgis.Store) int64 {
	t.Helper()
	seq, err := s.LatestSeq(ctx(t))
	if err != nil {
		t.Fatalf("LatestSeq: %v", err)
	}
	return seq
}

// TestPostGISChangesSince returns the current state of what changed after a
// seq: changed and new plots, retired keys, new sheets.
func TestPostGISChangesSince(t *testing.T) {
	s := open(t)
	if seq := latest(t, s); seq != 0 {
		t.Errorf("LatestSeq of an empty store: got %d, want 0", seq)
	}
	s1, s2 := txSheet(t, 1), txSheet(t, 2)
	if _, err := s.Write(ctx(t), &spatial.Batch{Units: storetest.Units(), Sheets: []*spatial.Sheet{s1}, Plots: txPlots(s1, 1, 3),
		Change: spatial.Change{By: "t", Reason: "load"}}); err != nil {
		t.Fatal(err)
	}
	first := latest(t, s)
	changed := txPlots(s1, 1, 1)[0]
	changed.LegalArea = 99
	second := &spatial.Batch{Sheets: []*spatial.Sheet{s2}, Plots: append([]*spatial.Plot{changed}, txPlots(s2, 1, 1)...),
		Retire: []spatial.PlotKey{txPlots(s1, 2, 2)[0].Key}, Change: spatial.Change{By: "t", Reason: "update"}}
	if _, err := s.Write(ctx(t), second); err != nil {
		t.Fatal(err)
	}
	now := latest(t, s)
	if now <= first {
		t.Fatalf("LatestSeq after a second write: got %d, want more than %d", now, first)
	}
	ch, err := s.ChangesSince(ctx(t), first)
	if err != nil {
		t.Fatal(err)
	}
	var plots []string
	for _, p := range ch.Plots {
		plots = append(plots, p.Key.String())
	}
	wantPlots := []string{changed.Key.String(), second.Plots[1].Key.String()}
	if ch.Seq != now || !slices.Equal(plots, wantPlots) || len(ch.Retired) != 1 || ch.Retired[0] != second.Retire[0] ||
		len(ch.Sheets) != 1 || ch.Sheets[0].Key != s2.Key || ch.Plots[0].LegalArea != 99 {
		t.Errorf("ChangesSince(%d): got seq %d, plots %v, retired %v, %d sheets; want seq %d, plots %v, retired %v, sheet %s",
			first, ch.Seq, plots, ch.Retired, len(ch.Sheets), now, wantPlots, second.Retire, s2.Key)
	}
	if ch, err := s.ChangesSince(ctx(t), now); err != nil || ch.Seq != now || len(ch.Plots)+len(ch.Retired)+len(ch.Sheets) != 0 {
		t.Errorf("ChangesSince(latest): got %+v (err %v), want nothing, seq %d", ch, err, now)
	}
	if ch, err := s.ChangesSince(ctx(t), 0); err != nil || len(ch.Plots) != 3 || len(ch.Retired) != 1 || len(ch.Sheets) != 2 {
		t.Errorf("ChangesSince(0): got %+v (err %v), want 3 plots, 1 retired, 2 sheets", ch, err)
	}
}

// subscriber runs Subscribe on s in the background and returns the seqs it
// reports; Subscribe must return once the test ends.
func subscriber(t *testing.T, s *postgis.Store) <-chan int64 {
	seqs := make(chan int64, 100)
	c, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Subscribe(c, func(seq int64) { seqs <- seq }) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if !errors.Is(err, context.Canceled) {
				t.Errorf("Subscribe returned %v, want context.Canceled", err)
			}
		case <-time.After(5 * time.Second):
			t.Errorf("Subscribe did not return after its context ended")
		}
	})
	return seqs
}

// waitSeq waits until the subscriber reports a seq of at least want.
func waitSeq(t *testing.T, seqs <-chan int64, want int64, what string) {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		select {
		case seq := <-seqs:
			if seq >= want {
				return
			}
		case <-deadline:
			t.Fatalf("%s: no seq >= %d reported within 10 s", what, want)
		}
	}
}

// TestPostGISSubscribe runs two stores on one database: a write through A
// reaches a subscriber on B, also after B's listening connection is killed.
func TestPostGISSubscribe(t *testing.T) {
	dbURL := pgtest.New(t)
	a, b := openURL(t, dbURL), openURL(t, dbURL)
	seqs := subscriber(t, b)
	waitSeq(t, seqs, 0, "first catch-up call")

	s1 := txSheet(t, 1)
	write := func(first, last int) int64 {
		t.Helper()
		if _, err := a.Write(ctx(t), &spatial.Batch{Units: storetest.Units(), Sheets: []*spatial.Sheet{s1},
			Plots: txPlots(s1, first, last), Change: spatial.Change{By: "t", Reason: "feed"}}); err != nil {
			t.Fatal(err)
		}
		return latest(t, a)
	}
	waitSeq(t, seqs, write(1, 2), "write through A")

	if n := terminateListener(t, dbURL); n != 1 {
		t.Fatalf("terminated %d listening backends, want 1", n)
	}
	waitSeq(t, seqs, write(3, 4), "write after the listener was killed")
	waitSeq(t, seqs, write(5, 6), "write after reconnecting")
}

func openURL(t *testing.T, dbURL string) *postgis.Store {
	t.Helper()
	s, err := postgis.Open(ctx(t), dbURL)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// terminateListener kills, from an admin connection, the backend listening
// for the database of dbURL and returns how many it killed.
func terminateListener(t *testing.T, dbURL string) int {
	t.Helper()
	return terminateBackends(t, dbURL, "cadastre-listen")
}

// terminateBackends kills, from an admin connection, the backends of the
// database of dbURL with that application_name ("" for all) and returns
// how many it killed.
func terminateBackends(t *testing.T, dbURL, app string) int {
	t.Helper()
	cfg, err := pgx.ParseConfig(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	admin, err := pgx.Connect(ctx(t), pgtest.ServerURL())
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(ctx(t))
	var n int
	err = admin.QueryRow(ctx(t), `SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM pg_stat_activity
		WHERE datname = $1 AND ($2 = '' OR application_name = $2) AND pid <> pg_backend_pid()`, cfg.Database, app).Scan(&n)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// Two instances on one database.
func TestPostGISChangeFeedContract(t *testing.T) {
	url := pgtest.New(t)
	a, err := postgis.Open(ctx(t), url)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := postgis.Open(ctx(t), url)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	storetest.RunChangeFeed(t, a, b)
}
