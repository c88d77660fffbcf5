package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"cadastre/api"
	"cadastre/sampledata"
	"cadastre/spatial"
	"cadastre/spatial/index"
	"cadastre/spatial/store/gpkg"
	"cadastre/spatial/store/postgis"
	"cadastre/tiles"
	"cadastre/web"
)

// runServe runs the HTTP service until ctx is cancelled (SIGINT/SIGTERM),
// then drains in-flight requests.
func runServe(ctx context.Context, args []string, stderr io.Writer) error {
	cfg, err := parseConfig("serve", args, stderr)
	if err != nil {
		return err
	}
	log, err := newLogger(stderr, cfg.LogLevel, cfg.LogFormat)
	if err != nil {
		return err
	}
	log.Info("starting cadastre", "config", fmt.Sprintf("%+v", cfg.redacted()))
	store, err := openStore(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer store.Close()
	if cfg.LoadSample {
		if err := loadSampleIfEmpty(ctx, store, log); err != nil {
			return err
		}
	}
	ix := index.New()
	tc, err := newTiles(ctx, ix, store)
	if err != nil {
		return err
	}
	page, err := web.FS(cfg.WebDir)
	if err != nil {
		log.Warn("the map page will not work", "err", err) // the API does not need it
	}
	handler := api.New(api.Options{Store: store, Index: ix, Log: log, MaxIngestBytes: cfg.MaxIngestBytes,
		Tiles: tc, Web: page, OnTouched: []func([]index.Touched){tc.Invalidate}})
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen %s: %w", cfg.Addr, err)
	}
	log.Info("listening", "addr", "http://"+ln.Addr().String())
	// The read model builds while the server already answers /healthz;
	// /readyz says 503 until it is done.
	fatal := make(chan error, 1)
	go func() {
		if _, err := ix.Build(ctx, store, log); err != nil {
			if ctx.Err() == nil {
				fatal <- fmt.Errorf("build the read model: %w", err)
			}
			return
		}
		follow(ctx, ix, store, tc.Invalidate, log)
	}()
	return serveUntilDone(ctx, srv, ln, fatal, cfg.ShutdownTimeout, log)
}

// serveUntilDone serves until ctx ends (then drains in-flight requests for
// up to grace) or a fatal error arrives.
func serveUntilDone(ctx context.Context, srv *http.Server, ln net.Listener, fatal <-chan error, grace time.Duration, log *slog.Logger) error {
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	var ferr error
	select {
	case err := <-errc:
		return err
	case ferr = <-fatal:
		log.Error("fatal", "err", ferr)
	case <-ctx.Done():
	}
	log.Info("shutting down", "grace", grace)
	sctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	log.Info("stopped")
	return ferr
}

// openStore opens PostGIS when a database URL is configured (migrating it),
// else the GeoPackage file.
func openStore(ctx context.Context, cfg Config, log *slog.Logger) (spatial.Store, error) {
	if cfg.DatabaseURL != "" {
		s, err := postgis.Open(ctx, cfg.DatabaseURL)
		if err != nil {
			return nil, fmt.Errorf("open PostGIS %s: %w", redactURL(cfg.DatabaseURL), err)
		}
		log.Info("store: PostGIS", "url", redactURL(cfg.DatabaseURL))
		return s, nil
	}
	s, err := gpkg.Open(ctx, cfg.GPKGPath)
	if err != nil {
		return nil, fmt.Errorf("open GeoPackage %s: %w", cfg.GPKGPath, err)
	}
	log.Info("store: GeoPackage", "path", cfg.GPKGPath)
	return s, nil
}

// loadSampleIfEmpty writes the committed sample commune into a store that
// holds no units yet, so a newcomer's first `make run` shows data.
func loadSampleIfEmpty(ctx context.Context, store spatial.Store, log *slog.Logger) error {
	units, err := store.Units(ctx)
	if err != nil {
		return fmt.Errorf("read units: %w", err)
	}
	if len(units) > 0 {
		return nil
	}
	start := time.Now()
	b, err := sampledata.Sample()
	if err != nil {
		return fmt.Errorf("read the committed sample: %w", err)
	}
	b.Change = spatial.Change{By: "cadastre serve", Reason: "first start: load the sample commune", Source: "sampledata/sample"}
	res, err := store.Write(ctx, b)
	if err != nil {
		return fmt.Errorf("load the sample: %w", err)
	}
	log.Info("loaded the sample commune into the empty store", "plots", res.Inserted, "sheets", res.Sheets, "units", res.Units, "took", time.Since(start).Round(time.Millisecond))
	return nil
}

// redactURL hides the password of a connection URL.
func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "(unparsable URL)"
	}
	return u.Redacted()
}

// follow keeps the read model current with writes of other instances
// sharing the store (PostGIS LISTEN/NOTIFY), until ctx ends.
// onApply receives what each catch-up changed (tile invalidation).
func follow(ctx context.Context, ix *index.Index, store spatial.Store, onApply func([]index.Touched), log *slog.Logger) {
	feed, ok := store.(spatial.ChangeFeed)
	if !ok {
		return // one instance per GeoPackage file: its own writes are applied as they happen
	}
	if t, err := ix.CatchUp(ctx, feed); err != nil {
		log.Error("index: catch-up after build failed", "err", err)
	} else {
		onApply(t)
	}
	log.Info("following the change feed")
	if err := ix.Follow(ctx, feed, onApply, log); err != nil && ctx.Err() == nil {
		log.Error("change feed stopped", "err", err)
	}
}

// newTiles returns the vector tile cache of the read model. Its registry,
// with the Go runtime and process collectors added, is what /metrics
// serves.
// The low-zoom overview names the communes of the store's units.
func newTiles(ctx context.Context, ix *index.Index, store spatial.Store) (*tiles.Cache, error) {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	units, err := store.Units(ctx)
	if err != nil {
		return nil, fmt.Errorf("read the communes' names: %w", err)
	}
	ro := tiles.DefaultOptions()
	ro.CommuneNames = map[string]string{}
	for _, u := range units {
		ro.CommuneNames[u.Code] = u.Name
	}
	return tiles.NewCache(ix, tiles.CacheOptions{Registry: reg, Render: ro})
}
