package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/url"
	"time"

	"github.com/jackc/pgx/v5"

	"cadastre/sampledata"
	"cadastre/spatial"
	"cadastre/spatial/store/postgis"
)

// createDB creates a throwaway database with PostGIS on the admin server;
// drop removes it.
func createDB(ctx context.Context, adminURL string) (dbURL string, drop func(), err error) {
	admin, err := pgx.Connect(ctx, adminURL)
	if err != nil {
		return "", nil, fmt.Errorf("connect to the PostgreSQL server: %w", err)
	}
	defer admin.Close(context.Background())
	buf := make([]byte, 4)
	if _, err := rand.Read(buf); err != nil {
		return "", nil, err
	}
	name := "tilebench_" + hex.EncodeToString(buf)
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		return "", nil, fmt.Errorf("create database: %w", err)
	}
	u, err := url.Parse(adminURL)
	if err != nil {
		return "", nil, err
	}
	u.Path = "/" + name
	drop = func() {
		c, err := pgx.Connect(context.Background(), adminURL)
		if err != nil {
			return
		}
		defer c.Close(context.Background())
		_, _ = c.Exec(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)") // best effort at exit
	}
	c, err := pgx.Connect(ctx, u.String())
	if err != nil {
		drop()
		return "", nil, err
	}
	defer c.Close(context.Background())
	if _, err := c.Exec(ctx, "CREATE EXTENSION IF NOT EXISTS postgis"); err != nil {
		drop()
		return "", nil, fmt.Errorf("create extension postgis: %w", err)
	}
	return u.String(), drop, nil
}

// loader is a sampledata.Emitter writing to the store in chunks of about
// chunkPlots plots; each chunk carries the sheets of its plots (sheets
// before plots, as the store's checks want) and the first the units.
type loader struct {
	ctx    context.Context
	store  *postgis.Store
	batch  *spatial.Batch
	plots  int
	log    *slog.Logger
	start  time.Time
	chunks int
}

const chunkPlots = 50_000

func (l *loader) Units(us []spatial.AdminUnit) error {
	l.batch.Units = us
	return nil
}

func (l *loader) Sheet(s *spatial.Sheet) error {
	if len(l.batch.Plots) >= chunkPlots {
		if err := l.flush(); err != nil {
			return err
		}
	}
	l.batch.Sheets = append(l.batch.Sheets, s)
	return nil
}

func (l *loader) Plot(p *spatial.Plot) error {
	l.batch.Plots = append(l.batch.Plots, p)
	return nil
}

func (l *loader) flush() error {
	if len(l.batch.Plots) == 0 && len(l.batch.Sheets) == 0 {
		return nil
	}
	res, err := l.store.Write(l.ctx, l.batch)
	if err != nil {
		return fmt.Errorf("write chunk %d: %w", l.chunks, err)
	}
	l.plots += res.Inserted
	l.chunks++
	l.log.Info("loaded", "plots", l.plots, "rate_per_s", int(float64(l.plots)/time.Since(l.start).Seconds()))
	l.batch = &spatial.Batch{Change: l.batch.Change}
	return nil
}

// load generates the province and writes it; it returns the plots stored.
func load(ctx context.Context, store *postgis.Store, c config, log *slog.Logger) (int, time.Duration, error) {
	cfg := sampledata.DefaultConfig()
	cfg.Seed, cfg.Plots = c.Seed, c.Plots
	l := &loader{ctx: ctx, store: store, log: log, start: time.Now(),
		batch: &spatial.Batch{Change: spatial.Change{By: "tilebench", Reason: "benchmark data"}}}
	if err := sampledata.Generate(cfg, l); err != nil {
		return 0, 0, err
	}
	if err := l.flush(); err != nil {
		return 0, 0, err
	}
	return l.plots, time.Since(l.start), nil
}
