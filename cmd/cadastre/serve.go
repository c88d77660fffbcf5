package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
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
	readStore, closeRead, err := openReadStore(ctx, cfg, store, log)
	if err != nil {
		return err
	}
	defer closeRead()
	ix := index.New()
	units, err := resolveUnits(ctx, cfg.Units, store)
	if err != nil {
		return usageError{err}
	}
	ix.Hold(units)
	if len(units) > 0 {
		log.Info("read model: holding only some units", "units", units)
	}
	tc, err := newTiles(ctx, ix, store)
	if err != nil {
		return err
	}
	page, err := web.FS(cfg.WebDir)
	if err != nil {
		log.Warn("the map page will not work", "err", err) // the API does not need it
	}
	spoolDir := cfg.SpoolDir
	if spoolDir == "" {
		spoolDir = api.DefaultSpoolDir()
	}
	if _, err := api.CleanSpool(spoolDir, log); err != nil {
		log.Warn("cannot clean the spool directory", "dir", spoolDir, "err", err) // uploads will say if it is unusable
	}
	proxies, err := cfg.trustedProxies()
	if err != nil {
		return usageError{err}
	}
	publicURL := ""
	if cfg.PublicURL != "" {
		if publicURL, err = api.ParsePublicURL(cfg.PublicURL); err != nil {
			return usageError{err}
		}
	}
	access, err := api.ParseAccess(cfg.ReadAccess)
	if err != nil {
		return usageError{err}
	}
	handler := api.New(api.Options{Access: access, ExtractQuota: cfg.ExtractQuota, MetricsApart: cfg.MetricsAddr != "", Store: store, Index: ix, Log: log, MaxIngestBytes: cfg.MaxIngestBytes, SpoolDir: spoolDir, IngestLimits: cfg.ingestLimits(),
		Tiles: tc, Web: page, OnTouched: []func([]index.Touched){tc.Invalidate},
		PublicURL: publicURL, TrustedProxies: proxies,
		MaxExtractBytes: cfg.MaxExtractBytes, MaxDecisionBytes: cfg.MaxDecisionBytes, IngestTimeout: cfg.IngestTimeout,
		AuthFailures: cfg.AuthFailures, AuthFailureWindow: cfg.AuthFailureWindow})
	srv := &http.Server{
		Handler:           heldUnits(handler, ix),
		ReadHeaderTimeout: cfg.ReadHeaderTimeout,
		ReadTimeout:       cfg.ReadTimeout,
		WriteTimeout:      cfg.WriteTimeout,
		IdleTimeout:       cfg.IdleTimeout,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen %s: %w", cfg.Addr, err)
	}
	log.Info("listening", "addr", "http://"+ln.Addr().String(), "read_access", access.String())
	if cfg.MetricsAddr != "" {
		stopMetrics, err := serveMetrics(cfg, handler.MetricsHandler(), log)
		if err != nil {
			return err
		}
		defer stopMetrics()
	}
	// The read model builds while the server already answers /healthz;
	// /readyz says 503 until it is done.
	fatal := make(chan error, 1)
	go func() {
		if _, err := ix.Build(ctx, readStore, log); err != nil {
			if ctx.Err() == nil {
				fatal <- fmt.Errorf("build the read model: %w", err)
			}
			return
		}
		go reconcileOutsideEdits(ctx, ix, store, tc.Invalidate, log)
		follow(ctx, ix, readStore, tc.Invalidate, log)
	}()
	return serveUntilDone(ctx, srv, ln, fatal, cfg.ShutdownTimeout, log)
}

// serveMetrics serves /metrics alone on cfg.MetricsAddr (a port a
// scraper reaches and the public does not); the returned func stops it.
func serveMetrics(cfg Config, h http.Handler, log *slog.Logger) (func(), error) {
	ln, err := net.Listen("tcp", cfg.MetricsAddr)
	if err != nil {
		return nil, fmt.Errorf("listen %s for /metrics: %w", cfg.MetricsAddr, err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", h)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: cfg.ReadHeaderTimeout, ReadTimeout: cfg.ReadTimeout,
		WriteTimeout: cfg.WriteTimeout, IdleTimeout: cfg.IdleTimeout, ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("metrics listener stopped", "err", err)
		}
	}()
	log.Info("metrics listening", "addr", "http://"+ln.Addr().String()+"/metrics")
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			log.Warn("metrics listener shutdown", "err", err)
		}
	}, nil
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
// openExistingStore is openStore for the commands that work on data
// already there (audit, merge, export, validate): gpkg.Open would create a
// missing GeoPackage file, so a missing one is an error naming gpkgFlag,
// the command's flag for the file.
func openExistingStore(ctx context.Context, cfg Config, log *slog.Logger, gpkgFlag string) (spatial.Store, error) {
	if cfg.DatabaseURL == "" {
		if _, err := os.Stat(cfg.GPKGPath); err != nil {
			return nil, fmt.Errorf("no GeoPackage store at %s (%s, or --database-url for PostGIS): %w", cfg.GPKGPath, gpkgFlag, err)
		}
	}
	return openStore(ctx, cfg, log)
}

// else the GeoPackage file.
func openStore(ctx context.Context, cfg Config, log *slog.Logger) (spatial.Store, error) {
	if url := cfg.writeURL(); url != "" {
		s, err := postgis.Open(ctx, url)
		if err != nil {
			return nil, scrubError(fmt.Errorf("open PostGIS %s: %w", redactDSN(url), err), url)
		}
		log.Info("store: PostGIS", "url", redactDSN(url))
		return s, nil
	}
	s, err := gpkg.Open(ctx, cfg.GPKGPath)
	if err != nil {
		return nil, fmt.Errorf("open GeoPackage %s: %w", cfg.GPKGPath, err)
	}
	log.Info("store: GeoPackage", "path", cfg.GPKGPath)
	return s, nil
}

// openReadStore returns what the read model is built from and follows:
// the store itself, or, with --write-database-url, the streaming replica
// of --database-url (no migrations; its change feed polls, since NOTIFY
// does not reach a replica). Closing it is the caller's.
func openReadStore(ctx context.Context, cfg Config, store spatial.Store, log *slog.Logger) (spatial.Store, func(), error) {
	if cfg.WriteDatabaseURL == "" {
		return store, func() {}, nil
	}
	wctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	r, err := postgis.OpenReplica(wctx, cfg.DatabaseURL)
	if err != nil {
		return nil, nil, scrubError(fmt.Errorf("open the read replica %s: %w", redactDSN(cfg.DatabaseURL), err), cfg.DatabaseURL)
	}
	log.Info("read model: from the replica, writes to the primary", "read_url", redactDSN(cfg.DatabaseURL), "write_url", redactDSN(cfg.WriteDatabaseURL))
	return r, func() { r.Close() }, nil
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

// follow keeps the read model current with writes of other processes
// sharing the store (PostGIS LISTEN/NOTIFY; a GeoPackage's PRAGMA
// data_version, polled), until ctx ends. onApply receives what each
// catch-up changed (tile invalidation).
func follow(ctx context.Context, ix *index.Index, store spatial.Store, onApply func([]index.Touched), log *slog.Logger) {
	feed, ok := store.(spatial.ChangeFeed)
	if !ok {
		return // no feed: only this instance's own writes are applied
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

// reconcileOutsideEdits compares the read model with the store each time
// the store notices an edit made in place by another program (a
// GeoPackage edited in QGIS: no version, no change sequence), until ctx
// ends; onApply receives what changed (tile invalidation).
func reconcileOutsideEdits(ctx context.Context, ix *index.Index, store spatial.Store, onApply func([]index.Touched), log *slog.Logger) {
	ed, ok := store.(spatial.OutsideEdits)
	if !ok {
		return
	}
	err := ed.WatchEdits(ctx, func() {
		start := time.Now()
		t, err := ix.Reconcile(ctx, store)
		if err != nil {
			log.Error("read model: reconciling with an edit made outside cadastre failed", "err", err)
			return
		}
		onApply(t)
		log.Warn("the store was edited outside cadastre (no version, no history); the read model follows it",
			"plots", len(t), "took", time.Since(start).Round(time.Millisecond))
	})
	if err != nil && ctx.Err() == nil {
		log.Error("watching for outside edits stopped", "err", err)
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
