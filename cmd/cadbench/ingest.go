package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// ingest: cadastre ingest into PostGIS and GeoPackage vs ogr2ogr into
// PostGIS, on the same file, in one run; plus a quarter-size run to show
// whether peak memory depends on the file size.
func (b *bench) ingest(ctx context.Context) error {
	if err := b.build(); err != nil {
		return err
	}
	fmt.Printf("### Ingest, %d plots (`cadbench ingest --plots %d`)\n\nMachine: %s\n\n", b.plots, b.plots, machine())
	fmt.Println("| what | plots | time | plots/s | CPU: process | CPU: PostgreSQL | peak RSS |")
	fmt.Println("|---|---|---|---|---|---|---|")
	var og, pg result
	var fl floor
	for _, n := range []int{b.plots / 4, b.plots} {
		d, err := b.dataset(n)
		if err != nil {
			return err
		}
		pg, fl, err = b.ingestPostGIS(ctx, d, n)
		if err != nil {
			return err
		}
		gp, err := b.ingestGPKG(d, n)
		if err != nil {
			return err
		}
		og, err = b.ogr2ogr(ctx, d, n)
		if err != nil {
			return err
		}
		row("cadastre ingest -> PostGIS", n, pg)
		row("cadastre ingest -> GeoPackage", n, gp)
		row("ogr2ogr -f PostgreSQL (plots file only)", n, og)
		row("PostgreSQL alone: COPY of the same plot rows into a table with no index or check", n, fl.copy)
		row(fmt.Sprintf("PostgreSQL alone: then the plots table's indexes and checks (%d statements), built after", fl.statements), n, fl.build)
	}
	n := float64(b.plots)
	budget := og.took / 3
	fmt.Printf("\nRatio at %d plots: cadastre ingest into PostGIS runs at %.2fx ogr2ogr's rate (target 3x); ogr2ogr does no checks, no versions and no overlap search.\n\n",
		b.plots, (n/pg.took.Seconds())/(n/og.took.Seconds()))
	fmt.Printf("3x ogr2ogr's rate leaves %.1f s for %d plots: %.1f CPU-seconds on this machine's %d cores. "+
		"PostgreSQL alone used %.1f CPU-s and %.1f s to copy the rows cadastre stored into a bare table and build the plots table's indexes and checks after the copy (as pg_restore does), "+
		"before any decoding or check; cadastre's own process used %.1f CPU-s, PostgreSQL's processes %.1f during the ingest; ogr2ogr %.1f and PostgreSQL %.1f for ogr2ogr's load.\n\n",
		budget.Seconds(), b.plots, budget.Seconds()*float64(runtime.NumCPU()), runtime.NumCPU(),
		(fl.copy.pgCPU + fl.build.pgCPU).Seconds(), (fl.copy.took + fl.build.took).Seconds(), pg.cpu.Seconds(), pg.pgCPU.Seconds(), og.cpu.Seconds(), og.pgCPU.Seconds())
	return nil
}

func row(what string, n int, r result) {
	rss := "-"
	if r.maxRSS > 0 {
		rss = fmt.Sprintf("%d MiB", r.maxRSS>>20)
	}
	cpu := "-"
	if r.cpu > 0 {
		cpu = fmt.Sprintf("%.1f s", r.cpu.Seconds())
	}
	fmt.Printf("| %s | %d | %.1f s | %.0f | %s | %.1f s | %s |\n", what, n, r.took.Seconds(), float64(n)/r.took.Seconds(),
		cpu, r.pgCPU.Seconds(), rss)
}

// ingestPostGIS ingests a data set into a fresh database, then measures
// PostgreSQL's floor on the rows stored.
func (b *bench) ingestPostGIS(ctx context.Context, d string, n int) (result, floor, error) {
	url, _, drop, err := database(ctx)
	if err != nil {
		return result{}, floor{}, err
	}
	defer drop()
	if _, err := timed(b.bin, "migrate", "--database-url", url); err != nil {
		return result{}, floor{}, err
	}
	args := append([]string{"ingest", "--database-url", url, "--log-level", "warn"}, files(d)...)
	r, err := timed(b.bin, args...)
	if err != nil {
		return r, floor{}, err
	}
	fl, err := b.floor(ctx, url)
	return r, fl, err
}

// floor is what PostgreSQL alone needs to store the plot rows of an
// ingest, with no client work at all: one backend copies them from a
// binary COPY file (the same format pgx sends) into a table with no
// index or check, then builds the plots table's indexes and adds its
// checks (validating them on the whole table), as a bulk load would. Any loader that keeps a
// batch in one transaction (all or nothing) pays at least this in one
// backend; it bounds the rate an ingest into this schema can reach here.
type floor struct {
	copy, build result // took, and PostgreSQL's CPU (its backend and any parallel workers) in pgCPU
	statements  int    // indexes and checks built
}

// floorColumns are the columns cadastre ingest writes into plots.
const floorColumns = "id, unit, sheet, plot, version, commune, epsg, geom, geom_4326, land_use, legal_area, area, address, valid_from, valid_to, changed_by, reason, source, retired, change_seq"

// floorBuild returns the statements that give the bare copy the plots
// table's indexes and CHECK constraints, read from the catalog (so that
// they follow the migrations): each index re-created on floor_plots under
// its own name, each check added and so validated on the whole table.
func floorBuild(ctx context.Context, conn *pgx.Conn) ([]string, error) {
	rows, err := conn.Query(ctx, `SELECT replace(replace(indexdef, ' ON public.plots ', ' ON public.floor_plots '),
			'INDEX '||indexname||' ', 'INDEX floor_'||indexname||' ')
		FROM pg_indexes WHERE schemaname = 'public' AND tablename = 'plots'
		UNION ALL
		SELECT 'ALTER TABLE floor_plots ADD CONSTRAINT floor_'||conname||' '||pg_get_constraintdef(oid)
		FROM pg_constraint WHERE conrelid = 'public.plots'::regclass AND contype = 'c'`)
	if err != nil {
		return nil, err
	}
	stmts, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err == nil && len(stmts) == 0 {
		err = fmt.Errorf("no index or check found on plots")
	}
	return stmts, err
}

func (b *bench) floor(ctx context.Context, url string) (floor, error) {
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return floor{}, err
	}
	defer conn.Close(ctx)
	f, err := os.CreateTemp(b.dir, "floor-*.bin")
	if err != nil {
		return floor{}, err
	}
	defer os.Remove(f.Name())
	defer f.Close()
	if _, err := conn.PgConn().CopyTo(ctx, f, "COPY (SELECT "+floorColumns+" FROM plots ORDER BY id) TO STDOUT (FORMAT binary)"); err != nil {
		return floor{}, err
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return floor{}, err
	}
	if _, err := conn.Exec(ctx, "CREATE TABLE floor_plots (LIKE plots INCLUDING DEFAULTS)"); err != nil {
		return floor{}, err
	}
	var fl floor
	step := func(r *result, do func() error) error {
		c0, t0 := postgresCPU(), time.Now() // with parallel index build workers
		err := do()
		r.took, r.pgCPU = time.Since(t0), postgresCPU()-c0
		return err
	}
	err = step(&fl.copy, func() error {
		if _, err := conn.Exec(ctx, "BEGIN"); err != nil {
			return err
		}
		_, err := conn.PgConn().CopyFrom(ctx, f, "COPY floor_plots ("+floorColumns+") FROM STDIN (FORMAT binary)")
		return err
	})
	if err != nil {
		return fl, fmt.Errorf("floor copy: %w", err)
	}
	build, err := floorBuild(ctx, conn)
	if err != nil {
		return fl, fmt.Errorf("floor build: %w", err)
	}
	fl.statements = len(build)
	err = step(&fl.build, func() error {
		for _, q := range build {
			if _, err := conn.Exec(ctx, q); err != nil {
				return fmt.Errorf("%s: %w", q, err)
			}
		}
		_, err := conn.Exec(ctx, "COMMIT")
		return err
	})
	if err != nil {
		return fl, fmt.Errorf("floor build: %w", err)
	}
	return fl, nil
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
