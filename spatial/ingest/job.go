package ingest

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"sync"
	"unicode/utf8"

	"cadastre/spatial"
)

// Format names an input format.
type Format string

// Input formats.
const (
	FormatGeoJSON Format = "geojson" // FeatureCollection of sheets and/or plots
	FormatTable   Format = "table"   // coordinate table (CSV)
	FormatUnits   Format = "units"   // JSON array of administrative units
)

// ParseFormat checks a format name.
func ParseFormat(s string) (Format, error) {
	switch f := Format(strings.ToLower(s)); f {
	case FormatGeoJSON, FormatTable, FormatUnits:
		return f, nil
	case "json":
		return FormatGeoJSON, nil
	case "csv":
		return FormatTable, nil
	}
	return "", spatial.Errorf(spatial.KindInvalid, "unknown format %q: want geojson, table or units", s)
}

// FormatOf guesses the format of a file from its name.
func FormatOf(name string) Format {
	n := strings.ToLower(name)
	switch {
	case strings.HasSuffix(n, ".csv") || strings.HasSuffix(n, ".txt"):
		return FormatTable
	case strings.HasSuffix(n, "units.json"):
		return FormatUnits
	}
	return FormatGeoJSON
}

// Input is one file of a job.
type Input struct {
	Name   string // shown in reports; the file name
	Format Format
	R      io.Reader
}

// Settings steer a job.
type Settings struct {
	Decode        Options // CRS and field mapping; Unit is filled by the job
	Chunk         int     // plots per chunk written to the store (default 10,000)
	AllowOverlaps bool    // report overlaps as warnings instead of errors (legacy data)
	RetireMissing bool    // retire stored plots of the ingested sheets absent from the input
	DryRun        bool    // check everything, store nothing
	MinOverlap    float64 // m²; default 0.01
	MaxProblems   int     // problems (and warnings) listed per kind; default DefaultMaxProblems; all are counted
	Progress      func(features int)
	// Phase, if set, is told when the job enters each step after the
	// input is read ("overlaps", "retire", "commit"), and "done": at a
	// million plots they take tens of seconds with no feature to count.
	Phase func(name string)
}

// Report is the outcome of a job. Problems and Warnings list the first
// MaxProblems of each kind in input order; their summaries count them all
// and the features they concern (an overlap row names two plots). In a
// dry run Result is what the write would have done.
type Report struct {
	Features       int                 `json:"features"`
	Result         spatial.WriteResult `json:"result"`
	Problems       []spatial.Problem   `json:"problems,omitempty"`
	Warnings       []spatial.Problem   `json:"warnings,omitempty"`
	ProblemSummary Summary             `json:"problem_summary"`
	WarningSummary Summary             `json:"warning_summary"`
	DryRun         bool                `json:"dry_run,omitempty"`
}

// Run ingests the inputs in one transaction of w: all of them, or on any
// problem none of them (a KindInvalid error listing every problem, also in
// the report). units lists the units already stored (for WGS 84 input and
// the default current commune).
func Run(ctx context.Context, w spatial.Writer, change spatial.Change, units []spatial.AdminUnit, inputs []Input, set Settings) (*Report, error) {
	if set.Chunk <= 0 {
		set.Chunk = 10000
	}
	if set.MinOverlap <= 0 {
		set.MinOverlap = 0.01
	}
	tx, err := w.Begin(ctx, change)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	j := &job{ctx: ctx, tx: tx, set: set, rep: &Report{DryRun: set.DryRun}, units: map[string]spatial.AdminUnit{},
		queue: make(chan queued, 1), written: make(chan struct{}),
		problems: newCollector(set.MaxProblems, inputs), warnings: newCollector(set.MaxProblems, inputs), inputs: inputs}
	for _, u := range units {
		j.units[u.Code] = u
	}
	j.set.Decode.Unit = func(c string) (spatial.AdminUnit, bool) { u, ok := j.units[c]; return u, ok }
	go j.writer()
	defer j.drain() // before the deferred Rollback: the writer must be done with tx
	defer j.report()
	for i, in := range inputs {
		j.fileIdx = i
		if err := j.input(in); err != nil {
			return j.rep, err
		}
	}
	if err := j.drain(); err != nil {
		return j.rep, err
	}
	return j.finish()
}

// report fills the report's problem and warning lists and summaries.
// The writer reports a chunk's problems while the next chunk is being
// read, so they arrive out of order; the collectors sort them.
func (j *job) report() {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.rep.Problems, j.rep.ProblemSummary = j.problems.result()
	j.rep.Warnings, j.rep.WarningSummary = j.warnings.result()
}

// problem records a problem of the data; the job will not commit.
func (j *job) problem(p spatial.Problem) {
	j.mu.Lock()
	j.problems.add(p)
	j.failed = true
	j.mu.Unlock()
}

func (j *job) warning(p spatial.Problem) {
	j.mu.Lock()
	j.warnings.add(p)
	j.mu.Unlock()
}

// job is the state of one Run.
type job struct {
	ctx    context.Context
	tx     spatial.Tx
	set    Settings
	rep    *Report
	units  map[string]spatial.AdminUnit
	seen   spatial.PlotKeySet // plot keys of the input, for RetireMissing
	failed bool
	chunk  spatial.Batch
	pos    []position // input position of each plot in the chunk
	sheetP []position // input position of each sheet in the chunk
	file   string

	// Chunks are written by the writer goroutine while the next one is
	// read and decoded: the store's work (PostgreSQL's, mostly) and the
	// decoding then share the two cores instead of taking turns. At most
	// one chunk waits in the queue, so memory stays at a few chunks.
	queue    chan queued
	written  chan struct{} // closed when the writer has finished
	drained  bool
	mu       sync.Mutex // guards problems, warnings, failed and writeErr while the writer runs
	writeErr error      // the store failed (not a problem in the data): stop

	problems, warnings *collector
	inputs             []Input
	fileIdx            int       // ordinal of the input being read
	where              positions // input positions of the plots given to the transaction
}

// queued is a chunk handed to the writer, with the input positions of its
// plots and sheets.
type queued struct {
	b           spatial.Batch
	pos, sheetP []position
}

func (j *job) input(in Input) error {
	j.file = in.Name
	var err error
	switch in.Format {
	case FormatUnits:
		err = j.unitsFile(in.R)
	case FormatTable:
		err = DecodeCoordinateTable(in.R, j.set.Decode, j.item)
	default:
		err = DecodeGeoJSON(in.R, j.set.Decode, j.item)
	}
	if err != nil {
		if spatial.KindOf(err) == spatial.KindInvalid && len(spatial.ProblemsOf(err)) == 0 {
			return spatial.Invalid(fmt.Sprintf("%s: %s", in.Name, err.Error()), nil)
		}
		return err
	}
	return j.flush()
}

// maxUnitsFile is the size limit of a units file (a province has a few
// hundred units; the whole country about ten thousand).
const maxUnitsFile = 64 << 20

// unitsFile reads a units file whole. encoding/json would turn invalid
// UTF-8 into U+FFFD, so it is refused first; json.Unmarshal refuses
// anything after the array.
func (j *job) unitsFile(r io.Reader) error {
	b, err := io.ReadAll(io.LimitReader(r, maxUnitsFile+1))
	switch {
	case err != nil:
		return err
	case len(b) > maxUnitsFile:
		return spatial.Errorf(spatial.KindInvalid, "units file larger than %d bytes", maxUnitsFile)
	case !utf8.Valid(b):
		return spatial.Errorf(spatial.KindInvalid, "units file: not valid UTF-8 (save it as UTF-8)")
	}
	var us []spatial.AdminUnit
	if err := json.Unmarshal(b, &us); err != nil {
		return spatial.Errorf(spatial.KindInvalid, "units file: want a JSON array of units: %v", err)
	}
	for _, u := range us {
		j.units[u.Code] = u
	}
	j.chunk.Units = append(j.chunk.Units, us...)
	j.rep.Features += len(us)
	return nil
}

// item takes one decoded feature into the chunk.
func (j *job) item(it Item) error {
	j.rep.Features++
	if j.set.Progress != nil && j.rep.Features%1000 == 0 {
		j.set.Progress(j.rep.Features)
	}
	if len(it.Problems) > 0 {
		for _, p := range it.Problems {
			p.Input, p.Index = j.file, it.Index
			j.problem(p)
		}
		return nil
	}
	switch {
	case it.Sheet != nil:
		j.chunk.Sheets = append(j.chunk.Sheets, it.Sheet)
		j.sheetP = append(j.sheetP, position{j.file, it.Index})
	case it.Plot != nil:
		j.chunk.Plots = append(j.chunk.Plots, it.Plot)
		j.pos = append(j.pos, position{j.file, it.Index})
		j.where.add(it.Plot.Key, j.fileIdx, it.Index)
		j.remember(it.Plot.Key)
	}
	if len(j.chunk.Plots) >= j.set.Chunk {
		return j.flush()
	}
	return nil
}

// position is where a feature stands in the inputs.
type position struct {
	input string
	index int
}

func (j *job) remember(k spatial.PlotKey) {
	if !j.set.RetireMissing {
		return
	}
	j.seen.Add(k)
}

// flush hands the chunk to the writer, which checks it (and unless failed
// or dry, writes it). It waits while another chunk is queued, and returns
// the store's failure if the writer met one.
func (j *job) flush() error {
	q := queued{b: j.chunk, pos: j.pos, sheetP: j.sheetP}
	j.chunk, j.pos, j.sheetP = spatial.Batch{}, nil, nil
	if len(q.b.Units)+len(q.b.Sheets)+len(q.b.Plots)+len(q.b.Retire) == 0 {
		return j.failure()
	}
	if err := j.failure(); err != nil {
		return err
	}
	select {
	case j.queue <- q:
		return nil
	case <-j.ctx.Done():
		return j.ctx.Err()
	}
}

// writer writes the queued chunks in order until the queue is closed.
// Write runs even after a failed chunk: the store will not commit anyway,
// and only Write remembers keys and sheets, so duplicates and sheets of
// later chunks are still reported exactly. After a store failure it only
// drains the queue.
func (j *job) writer() {
	defer close(j.written)
	for q := range j.queue {
		if j.failure() != nil {
			continue
		}
		err := j.tx.Write(j.ctx, &q.b)
		for _, w := range q.b.Warnings {
			j.warning(locate(w, q.pos, q.sheetP))
		}
		switch {
		case err == nil:
		case spatial.KindOf(err) != spatial.KindInvalid:
			j.mu.Lock()
			j.writeErr = err
			j.mu.Unlock()
		default:
			for _, p := range spatial.ProblemsOf(err) {
				j.problem(locate(p, q.pos, q.sheetP))
			}
			if len(spatial.ProblemsOf(err)) == 0 {
				j.problem(spatial.Problem{Index: -1, Reason: err.Error()})
			}
		}
	}
}

// failure returns the store failure the writer met, if any.
func (j *job) failure() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.writeErr
}

// drain closes the queue, waits for the writer to finish and returns its
// store failure; calling it again only returns that failure.
func (j *job) drain() error {
	if !j.drained {
		j.drained = true
		close(j.queue)
		<-j.written
	}
	return j.failure()
}

// locate rewrites a chunk problem's position into the input position.
func locate(p spatial.Problem, pos, sheetP []position) spatial.Problem {
	if p.Index >= 0 && p.Index < len(pos) {
		p.Input, p.Index = pos[p.Index].input, pos[p.Index].index
		return p
	}
	var i int
	if _, err := fmt.Sscanf(p.Field, "sheets[%d]", &i); err == nil && i < len(sheetP) {
		p.Input, p.Index = sheetP[i].input, sheetP[i].index
		p.Field = strings.TrimPrefix(p.Field[strings.IndexByte(p.Field, ']')+1:], ".")
	}
	return p
}

// finish runs the whole-batch checks and commits, or rolls back. The
// overlaps are looked for even when features failed: the transaction
// holds every feature that passed its own checks (spatial.Tx.Write), so
// one run reports bad rings, frames and overlaps together (issue 13).
func (j *job) finish() (*Report, error) {
	defer j.phase("done")
	j.phase("overlaps")
	if err := j.overlaps(); err != nil {
		return j.rep, err
	}
	if !j.failed && j.set.RetireMissing {
		j.phase("retire")
		if err := j.retireMissing(); err != nil {
			return j.rep, err
		}
	}
	if j.failed {
		j.report()
		s := j.rep.ProblemSummary
		return j.rep, spatial.Invalid(fmt.Sprintf("ingest rejected: %d problem(s) in %d feature(s), nothing stored", s.Rows, s.Features), j.rep.Problems)
	}
	if j.set.DryRun {
		j.rep.Result = j.tx.Totals()
		return j.rep, nil
	}
	j.phase("commit")
	res, err := j.tx.Commit(j.ctx)
	j.rep.Result = res
	return j.rep, err
}

func (j *job) phase(name string) {
	if j.set.Phase != nil {
		j.set.Phase(name)
	}
}

func (j *job) overlaps() error {
	ovs, err := j.tx.Overlaps(j.ctx, j.set.MinOverlap)
	if err != nil {
		return err
	}
	for _, o := range ovs {
		p := j.overlapProblem(o)
		if j.set.AllowOverlaps {
			j.warning(p)
		} else {
			j.problem(p)
		}
	}
	return nil
}

// overlapProblem is the report row of an overlap: about the plot of this
// ingest (the first by key when both are), with its file position, naming
// the other plot and its position when it is of this ingest too.
func (j *job) overlapProblem(o spatial.Overlap) spatial.Problem {
	a, b := o.A, o.B
	ai, ax, aok := j.where.find(a)
	bi, bx, bok := j.where.find(b)
	if !aok && bok {
		a, b, ai, ax, aok, bi, bx, bok = b, a, bi, bx, bok, ai, ax, aok
	}
	p := spatial.Problem{Index: -1, Feature: a.String(), Field: "geometry", Check: spatial.CheckOverlap, Other: b.String()}
	if aok {
		p.Input, p.Index = j.inputs[ai].Name, ax
	}
	other := "stored plot " + b.String()
	if bok {
		p.OtherInput, p.OtherIndex = j.inputs[bi].Name, &bx
		other = fmt.Sprintf("plot %s (%s #%d)", b, j.inputs[bi].Name, bx)
	}
	p.Reason = fmt.Sprintf("overlaps %s by %.2f m²", other, o.Area)
	return p
}

func (j *job) retireMissing() error {
	var retire []spatial.PlotKey
	var err error
	j.seen.Sheets(func(sk spatial.SheetKey, has func(int) bool) {
		if err != nil {
			return
		}
		var keys []spatial.PlotKey
		if keys, err = j.tx.CurrentKeys(j.ctx, sk); err != nil {
			return
		}
		for _, k := range keys {
			if !has(k.Plot) {
				retire = append(retire, k)
			}
		}
	})
	if err != nil {
		return err
	}
	if len(retire) == 0 {
		return nil
	}
	err = j.tx.Write(j.ctx, &spatial.Batch{Retire: retire})
	if spatial.KindOf(err) == spatial.KindInvalid {
		for _, p := range spatial.ProblemsOf(err) {
			j.problem(p)
		}
		return nil
	}
	return err
}
