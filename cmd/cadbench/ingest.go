package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// ingest: cadastre ingest into PostGIS and GeoPackage vs ogr2ogr into
// PostGIS, on the same file, in one run; plus a quarter-size run to show
// whether peak memory depends on the file size.
func (b *bench) ingest(ctx context.Context) error {
	if err := b.build(); err != nil {
		return err
	}
	fmt.Printf("### Ingest, %d plots (`cadbench ingest --plots %d`)\n\nMachine: %s\n\n", b.plots, b.plots, machine())
	fmt.Println("| what | plots | time | plots/s | peak RSS |")
	fmt.Println("|---|---|---|---|---|")
	var ogrRate, pgRate float64
	for _, n := range []int{b.plots / 4, b.plots} {
		d, err := b.dataset(n)
		if err != nil {
			return err
		}
		pg, err := b.ingestPostGIS(ctx, d, n)
		if err != nil {
			return err
		}
		gp, err := b.ingestGPKG(d, n)
		if err != nil {
			return err
		}
		og, err := b.ogr2ogr(ctx, d, n)
		if err != nil {
			return err
		}
		row("cadastre ingest -> PostGIS", n, pg)
		row("cadastre ingest -> GeoPackage", n, gp)
		row("ogr2ogr -f PostgreSQL (plots file only)", n, og)
		pgRate, ogrRate = float64(n)/pg.took.Seconds(), float64(n)/og.took.Seconds()
	}
	fmt.Printf("\nRatio at %d plots: cadastre ingest into PostGIS runs at %.2fx ogr2ogr's rate (target 3x); ogr2ogr does no checks, no versions and no overlap search.\n\n", b.plots, pgRate/ogrRate)
	return nil
}

func row(what string, n int, r result) {
	fmt.Printf("| %s | %d | %.1f s | %.0f | %d MiB |\n", what, n, r.took.Seconds(), float64(n)/r.took.Seconds(), r.maxRSS>>20)
}

func (b *bench) ingestPostGIS(ctx context.Context, d string, n int) (result, error) {
	url, _, drop, err := database(ctx)
	if err != nil {
		return result{}, err
	}
	defer drop()
	if _, err := timed(b.bin, "migrate", "--database-url", url); err != nil {
		return result{}, err
	}
	args := append([]string{"ingest", "--database-url", url, "--log-level", "warn"}, files(d)...)
	return timed(b.bin, args...)
}

func (b *bench) ingestGPKG(d string, n int) (result, error) {
	path := filepath.Join(b.dir, fmt.Sprintf("bench-%d.gpkg", n))
	for _, suffix := range []string{"", "-wal", "-shm"} {
		os.Remove(path + suffix)
	}
	defer os.Remove(path)
	args := append([]string{"ingest", "--gpkg", path, "--log-level", "warn"}, files(d)...)
	return timed(b.bin, args...)
}

// ogr2ogr loads the plots file with GDAL's defaults (COPY, one
// transaction per 20,000 features) into a table of a fresh database.
func (b *bench) ogr2ogr(ctx context.Context, d string, n int) (result, error) {
	url, name, drop, err := database(ctx)
	if err != nil {
		return result{}, err
	}
	defer drop()
	_ = url
	pg := fmt.Sprintf("PG:dbname=%s host=127.0.0.1 port=5432 user=postgres", name)
	return timed("ogr2ogr", "-f", "PostgreSQL", pg, filepath.Join(d, "plots.geojson"), "-nln", "ogr_plots", "-lco", strings.ToUpper("spatial_index=GIST"))
}
