package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"cadastre/spatial/store/postgis"
)

// runMigrate applies the PostGIS migrations (idempotent) and exits.
func runMigrate(ctx context.Context, args []string, stderr io.Writer) error {
	cfg, err := parseConfig("migrate", args, stderr)
	if err != nil {
		return err
	}
	log, err := newLogger(stderr, cfg.LogLevel, cfg.LogFormat)
	if err != nil {
		return err
	}
	if cfg.DatabaseURL == "" {
		return usageError{errors.New("migrate needs --database-url or CADASTRE_DATABASE_URL (the GeoPackage store creates its schema when it opens)")}
	}
	s, err := postgis.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return scrubError(fmt.Errorf("migrate %s: %w", redactDSN(cfg.DatabaseURL), err), cfg.DatabaseURL)
	}
	defer s.Close()
	log.Info("migrations applied", "url", redactDSN(cfg.DatabaseURL))
	return nil
}
