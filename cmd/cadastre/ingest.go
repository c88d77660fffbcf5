package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/user"
	"path/filepath"
	"runtime/debug"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"cadastre/spatial"
	"cadastre/spatial/crs"
	"cadastre/spatial/ingest"
)

// ingestFlags are the flags of `cadastre ingest` beyond the store's.
type ingestFlags struct {
	crs, fields, format, reason, by string
	allowOverlaps, retireMissing    bool
	dryRun                          bool
	chunk, maxProblems              int
}

// ingestGC lets the heap grow to five times the live data between
// collections instead of twice (GOGC=400), unless GOGC is set. An ingest's
// live heap is a few chunks plus what the transaction keeps for the whole
// batch (the sheets given, key bitmaps), so the peak grows slowly with the
// file (156, 176, 205 MiB at 250,000, 1M, 3.3M plots; 77, 83, 100 with
// GOGC=100). In single runs a minute apart at 200,000 plots (a noisy
// machine), the ingest's Go CPU went from 7.8 to 6.4 s and its wall time
// from 10.7 to 9.8 s (BENCHMARKS.md, issue 3).
func ingestGC() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
}

// runIngest ingests files in one transaction: all of them or nothing.
func runIngest(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg := defaultConfig()
	fs := flag.NewFlagSet("cadastre ingest", flag.ContinueOnError)
	fs.SetOutput(stderr)
	// The settings' variables (CADASTRE_MAX_VERTICES, ...) as serve reads
	// them: a value that is not a number is a usage error, not ignored.
	if err := cfg.register(fs); err != nil {
		return err
	}
	var f ingestFlags
	fs.StringVar(&f.crs, "crs", "", "CRS of the coordinates when the file does not say (EPSG:9210, EPSG:4326); required for coordinate tables")
	fs.StringVar(&f.fields, "fields", "", "JSON file of extra property names (same shape as spatial/ingest/fields.json)")
	fs.StringVar(&f.format, "format", "", "geojson, table or units (default: from each file name)")
	fs.StringVar(&f.reason, "reason", "", "why the data changes (recorded on every new version)")
	fs.StringVar(&f.by, "by", "", "who makes the change (default: the OS user)")
	fs.BoolVar(&f.allowOverlaps, "allow-overlaps", false, "report overlaps between plots as warnings, not errors (legacy data)")
	fs.BoolVar(&f.retireMissing, "retire-missing", false, "retire stored plots of the ingested sheets that the input no longer has")
	fs.BoolVar(&f.dryRun, "dry-run", false, "check everything, store nothing")
	fs.IntVar(&f.chunk, "chunk", 10000, "plots per chunk inside the one transaction")
	fs.IntVar(&f.maxProblems, "max-problems", ingest.DefaultMaxProblems, "problems (and warnings) listed per kind; all are counted")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: cadastre ingest [flags] FILE...  (units.json, *.geojson, coordinate tables *.csv; one transaction)")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := cfg.checkLimits(); err != nil {
		return usageError{err}
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return usageError{errors.New("no input files")}
	}
	set, err := f.settings()
	if err != nil {
		return err
	}
	set.Decode.Limits = cfg.ingestLimits()
	log, err := newLogger(stderr, cfg.LogLevel, cfg.LogFormat)
	if err != nil {
		return err
	}
	cfg.LoadSample = false
	ingestGC()
	store, err := openStore(ctx, cfg, log)
	if err != nil {
		return err
	}
	rep, err := ingestFiles(ctx, store, fs.Args(), f, set, stderr, log)
	printReport(stdout, rep, err)
	// Closing checkpoints a GeoPackage's write-ahead log into the file:
	// its failure is reported too (a commit that succeeded stands: the
	// log was synced at commit).
	if cerr := store.Close(); cerr != nil {
		err = errors.Join(err, fmt.Errorf("closing the store: %w", cerr))
	}
	return err
}

func (f ingestFlags) settings() (ingest.Settings, error) {
	set := ingest.Settings{Chunk: f.chunk, MaxProblems: f.maxProblems, AllowOverlaps: f.allowOverlaps, RetireMissing: f.retireMissing, DryRun: f.dryRun}
	if f.crs != "" {
		epsg, err := crs.ParseCRS(f.crs)
		if err != nil {
			return set, usageError{fmt.Errorf("--crs: %v", err)}
		}
		set.Decode.CRS = epsg
	}
	if f.fields != "" {
		fm, err := ingest.LoadFields(f.fields)
		if err != nil {
			return set, usageError{fmt.Errorf("--fields: %v", err)}
		}
		set.Decode.Fields = fm
	}
	return set, nil
}

// ingestFiles opens the files, checksums them for the version source, and
// runs one ingest job over all of them with a progress display.
func ingestFiles(ctx context.Context, store spatial.Store, names []string, f ingestFlags, set ingest.Settings, stderr io.Writer, log *slog.Logger) (*ingest.Report, error) {
	w, ok := store.(spatial.Writer)
	if !ok {
		return nil, errors.New("this store cannot take chunked writes")
	}
	var inputs []ingest.Input
	var sources []string
	var total int64
	for _, name := range names {
		sum, size, err := checksum(name)
		if err != nil {
			return nil, err
		}
		total += size
		sources = append(sources, fmt.Sprintf("%s sha256:%s", filepath.Base(name), sum[:16]))
		fh, err := os.Open(name)
		if err != nil {
			return nil, err
		}
		defer fh.Close()
		format := ingest.FormatOf(name)
		if f.format != "" {
			if format, err = ingest.ParseFormat(f.format); err != nil {
				return nil, usageError{err}
			}
		}
		inputs = append(inputs, ingest.Input{Name: filepath.Base(name), Format: format, R: fh})
	}
	bar, reader := progress(total, stderr, log)
	for i := range inputs {
		inputs[i].R = reader(inputs[i].R)
	}
	start := time.Now()
	set.Progress = func(n int) { bar.features(n, start) }
	set.Phase = bar.phase
	units, err := store.Units(ctx)
	if err != nil {
		return nil, err
	}
	// Untracked: this process keeps no read model; a serve process on the
	// same PostGIS or GeoPackage follows the store's change feed.
	change := spatial.Change{By: f.by, Reason: f.reason, Source: strings.Join(sources, "; "), Untracked: true}
	if change.By == "" {
		change.By = osUser()
	}
	if change.Reason == "" {
		change.Reason = "cadastre ingest " + strings.Join(names, " ")
	}
	rep, err := ingest.Run(ctx, w, change, units, inputs, set)
	bar.finish(rep, start, err)
	return rep, err
}

func checksum(name string) (string, int64, error) {
	fh, err := os.Open(name)
	if err != nil {
		return "", 0, err
	}
	defer fh.Close()
	h := sha256.New()
	n, err := io.Copy(h, fh)
	return hex.EncodeToString(h.Sum(nil)), n, err
}

func osUser() string {
	if u, err := user.Current(); err == nil {
		return "os:" + u.Username
	}
	return "os:unknown"
}

// progressView shows progress: a bar on a terminal, log lines otherwise.
type progressView struct {
	bar       *progressbar.ProgressBar
	log       *slog.Logger
	last      time.Time
	phaseName string // the step after reading (Settings.Phase), since phaseAt
	phaseAt   time.Time
}

func progress(total int64, stderr io.Writer, log *slog.Logger) (*progressView, func(io.Reader) io.Reader) {
	v := &progressView{log: log, last: time.Now()}
	if fh, ok := stderr.(*os.File); ok && term.IsTerminal(int(fh.Fd())) {
		v.bar = progressbar.NewOptions64(total, progressbar.OptionSetWriter(stderr), progressbar.OptionShowBytes(true),
			progressbar.OptionSetPredictTime(true), progressbar.OptionThrottle(200*time.Millisecond),
			progressbar.OptionSetDescription("ingest"), progressbar.OptionClearOnFinish())
		return v, func(r io.Reader) io.Reader { rd := progressbar.NewReader(r, v.bar); return &rd }
	}
	return v, func(r io.Reader) io.Reader { return r }
}

// phase shows the step the ingest is in once the input is read; each
// step's time goes to the log (debug level) when it ends.
func (v *progressView) phase(name string) {
	now := time.Now()
	if v.phaseName != "" {
		v.log.Debug("ingest step done", "step", v.phaseName, "took", now.Sub(v.phaseAt).Round(time.Millisecond))
	}
	v.phaseName, v.phaseAt = name, now
	what := map[string]string{"overlaps": "looking for overlaps", "retire": "retiring missing plots", "commit": "committing"}[name]
	if what == "" {
		return
	}
	if v.bar != nil {
		v.bar.Describe("ingest: " + what)
		return
	}
	v.log.Info("ingest: " + what)
}

func (v *progressView) features(n int, start time.Time) {
	rate := float64(n) / time.Since(start).Seconds()
	if v.bar != nil {
		v.bar.Describe(fmt.Sprintf("ingest: %d features, %.0f/s", n, rate))
		return
	}
	if time.Since(v.last) >= 5*time.Second {
		v.last = time.Now()
		v.log.Info("ingesting", "features", n, "rate_per_s", int(rate))
	}
}

func (v *progressView) finish(rep *ingest.Report, start time.Time, err error) {
	if v.bar != nil {
		_ = v.bar.Finish()
	}
	msg := "ingest done"
	if err != nil {
		msg = "ingest ended without storing anything"
	}
	if rep != nil {
		v.log.Info(msg, "features", rep.Features, "took", time.Since(start).Round(time.Millisecond),
			"rate_per_s", int(float64(rep.Features)/time.Since(start).Seconds()))
	}
}

// printReport prints the summary, then the problems and warnings listed
// (the first of each kind; the summary counts them all) as a table.
// err is the job's error: "stored" only when there is none, for a commit
// that failed (a full disk, the database gone) leaves a report without
// problems.
func printReport(w io.Writer, rep *ingest.Report, err error) {
	if rep == nil {
		return
	}
	r := rep.Result
	var verb string
	switch {
	case rep.ProblemSummary.Rows > 0:
		verb = "rejected, nothing stored"
	case err != nil && rep.DryRun:
		verb = "dry run failed, nothing stored: see the error"
	case err != nil:
		verb = "FAILED, not stored: see the error"
	case rep.DryRun:
		verb = "dry run, nothing stored: what the ingest would do"
	default:
		verb = "stored"
	}
	fmt.Fprintf(w, "features %d: inserted %d, changed %d, unchanged %d, retired %d, sheets %d, units %d, rejected %d (%s)\n",
		rep.Features, r.Inserted, r.Changed, r.Unchanged, r.Retired, r.Sheets, r.Units, rep.ProblemSummary.Features, verb)
	if rep.ProblemSummary.Rows > 0 {
		fmt.Fprintf(w, "problems: %s\n", rep.ProblemSummary)
	}
	if rep.WarningSummary.Rows > 0 {
		fmt.Fprintf(w, "warnings: %s\n", rep.WarningSummary)
	}
	for _, list := range []struct {
		title string
		ps    []spatial.Problem
	}{{"PROBLEMS", rep.Problems}, {"WARNINGS", rep.Warnings}} {
		if len(list.ps) == 0 {
			continue
		}
		fmt.Fprintf(w, "\n%s\n", list.title)
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "INPUT\tPOSITION\tFEATURE\tFIELD\tREASON")
		for _, p := range list.ps {
			pos := "-"
			if p.Index >= 0 {
				pos = fmt.Sprintf("#%d", p.Index)
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", dash(p.Input), pos, dash(p.Feature), dash(p.Field), p.Reason)
		}
		tw.Flush()
	}
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
