package postgis_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"cadastre/internal/pgtest"
	"cadastre/spatial"
	"cadastre/spatial/store/postgis"
	"cadastre/spatial/store/storetest"
)

func ctx(tb testing.TB) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	tb.Cleanup(cancel)
	return c
}

// open returns a store on a fresh database, closed when the test ends.
func open(tb testing.TB) *postgis.Store {
	tb.Helper()
	s, err := postgis.Open(ctx(tb), pgtest.New(tb))
	if err != nil {
		tb.Fatalf("Open: %v", err)
	}
	tb.Cleanup(func() { s.Close() })
	return s
}

func TestPostGISContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T) spatial.Store {
		s, err := postgis.Open(ctx(t), pgtest.New(t))
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		return s
	})
}

func contextWithCancel(tb testing.TB) (context.Context, context.CancelFunc) {
	c, cancel := context.WithCancel(ctx(tb))
	tb.Cleanup(cancel)
	return c, cancel
}

// TestPostGISOpenConcurrently starts several stores on one fresh database
// at once, as instances of a rolling deploy do; Open migrates, once.
func TestPostGISOpenConcurrently(t *testing.T) {
	dbURL := pgtest.New(t)
	errs := make([]error, 3)
	var wg sync.WaitGroup
	for i := range errs {
		wg.Go(func() {
			s, err := postgis.Open(ctx(t), dbURL)
			if err == nil {
				err = s.Ping(ctx(t))
				s.Close()
			}
			errs[i] = err
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("Open #%d: %v", i+1, err)
		}
	}
}

// TestPostGISUnavailable reports a server that does not answer as
// KindUnavailable, without driver text in the message.
func TestPostGISUnavailable(t *testing.T) {
	c, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err := postgis.Open(c, "postgres://postgres:secret@127.0.0.1:1/nowhere?sslmode=disable&connect_timeout=2")
	var se *spatial.Error
	if !errors.As(err, &se) || se.Kind != spatial.KindUnavailable {
		t.Fatalf("Open on a closed port: got %v, want KindUnavailable", err)
	}
	if strings.Contains(se.Message, "secret") || strings.Contains(se.Message, "127.0.0.1") {
		t.Errorf("message leaks connection details: %q", se.Message)
	}
}
