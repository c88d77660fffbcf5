package postgis

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"cadastre/spatial"
)

var (
	_ spatial.Writer = (*Store)(nil)
	_ spatial.Tx     = (*Tx)(nil)
)

// Tx is a write transaction fed in chunks (spatial.Tx): one PostgreSQL
// transaction that holds the write lock from Begin to Commit or Rollback,
// so a file of any size is stored whole or not at all, and a process killed
// midway leaves nothing. Go memory is one chunk plus the keys given to
// Write (a bitmap per sheet, spatial.PlotKeySet: about one bit a plot, to
// refuse a key written twice) and, unless the change is Untracked, the
// list of plots touched (WriteResult.Touched). A Tx is not safe for
// concurrent use.
type Tx struct {
	tx      pgx.Tx
	writing chan struct{} // Store.writing, held until the end
	change  spatial.Change
	v       spatial.Version // the stamp of every version written
	seq     int64           // the change seq of every version written
	res     spatial.WriteResult
	keys    spatial.PlotKeySet                  // plot keys given to Write
	sheets  map[spatial.SheetKey]*spatial.Sheet // sheets given to Write
	failed  error                               // the first failure: Commit refuses
	nFailed int                                 // chunks that failed
	aborted bool                                // a statement failed: PostgreSQL refuses the rest
	done    bool
}

// chunk is what one chunk will do, planned before anything is written.
type chunk struct {
	units  []spatial.AdminUnit
	sheets *sheetPlan
	plots  *plotPlan
}

// Begin starts a write transaction stamped with c. It takes the write lock
// (other writers, of this instance or another, wait until this one ends;
// those of this instance wait without holding a connection), fixes the
// time of every version it will write (c.At, or the database clock now)
// and reserves its change seq. End it with Commit or Rollback; deferring
// Rollback is safe, it does nothing after Commit.
func (s *Store) Begin(ctx context.Context, c spatial.Change) (spatial.Tx, error) {
	if err := c.Check(); err != nil {
		return nil, err
	}
	select {
	case s.writing <- struct{}{}:
	case <-ctx.Done():
		return nil, translate(ctx.Err(), "begin write")
	}
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		<-s.writing
		return nil, translate(err, "begin write")
	}
	at, seq, err := lockAndStamp(ctx, tx, c)
	if err != nil {
		_ = tx.Rollback(ctx) // the lock error is the one to report
		<-s.writing
		return nil, translate(err, "begin write")
	}
	return &Tx{
		tx: tx, writing: s.writing, change: c, seq: seq,
		v:      spatial.Version{ValidFrom: at, ChangedBy: c.By, Reason: c.Reason, Source: c.Source},
		sheets: map[spatial.SheetKey]*spatial.Sheet{},
	}, nil
}

// Check checks chunk b as Write would, against the state this transaction
// sees (stored, and written by earlier chunks), without writing it.
func (t *Tx) Check(ctx context.Context, b *spatial.Batch) error {
	if err := t.usable(); err != nil {
		return err
	}
	_, err := t.prepare(ctx, b, false)
	return err
}

// Write checks chunk b and writes it, stamped with the transaction's change
// (b.Change is ignored). Its keys are remembered whatever the outcome, so a
// key repeated in a later chunk is reported. A chunk with problems
// (KindInvalid) makes Commit refuse; the part of it that passed its checks
// (Batch.Passed) is still written, so that Overlaps sees every plot that
// could be stored and one pass reports every problem of a file, overlaps
// included; later chunks are still checked and written. Any other error
// (the database failed) leaves the transaction unusable.
func (t *Tx) Write(ctx context.Context, b *spatial.Batch) error {
	if err := t.usable(); err != nil {
		return err
	}
	c, err := t.prepare(ctx, b, true)
	if err != nil {
		t.fail(err)
		if spatial.KindOf(err) == spatial.KindInvalid {
			if werr := t.writePassed(ctx, b, err); werr != nil {
				return werr
			}
		}
		return err
	}
	units, err := t.store(ctx, c)
	if err != nil {
		t.aborted = true
		err = translate(err, "write chunk")
		t.fail(err)
		return err
	}
	t.add(c, units)
	return nil
}

// writePassed writes the part of a refused chunk that passed its checks
// (the transaction will not commit): only for the whole-batch checks.
func (t *Tx) writePassed(ctx context.Context, b *spatial.Batch, refused error) error {
	rest, ok := b.Passed(spatial.ProblemsOf(refused))
	if !ok {
		return nil
	}
	c, err := t.plan(ctx, rest)
	if spatial.KindOf(err) == spatial.KindInvalid {
		return nil // nothing more to learn from it
	}
	if err == nil {
		_, err = t.store(ctx, c)
	}
	if err != nil {
		t.aborted = true
		return translate(err, "write chunk")
	}
	return nil
}

// prepare checks chunk b against the state this transaction sees and plans
// its writes; it writes nothing. Every problem is reported: Batch.Check's,
// keys of earlier chunks, and those found against the stored state. With
// record, b's keys and sheets join those given to this transaction.
func (t *Tx) prepare(ctx context.Context, b *spatial.Batch, record bool) (*chunk, error) {
	repeated := t.repeats(b, record)
	lookup, err := t.sheetLookup(ctx, b)
	if err != nil {
		return nil, t.readErr(err, "check chunk")
	}
	probs := append(spatial.ProblemsOf(b.Check(lookup)), repeated...)
	c, err := t.plan(ctx, b)
	switch {
	case spatial.KindOf(err) == spatial.KindInvalid:
		probs = append(probs, spatial.ProblemsOf(err)...)
	case err != nil:
		return nil, err
	}
	if len(probs) > 0 {
		return nil, rejected(probs)
	}
	return c, nil
}

// plan plans the writes of a checked chunk against the stored state; its
// KindInvalid error lists what the stored state refuses (a retired
// number, a backdated change).
func (t *Tx) plan(ctx context.Context, b *spatial.Batch) (*chunk, error) {
	c := &chunk{units: b.Units}
	var sheetErr, plotErr error
	c.sheets, sheetErr = planSheets(ctx, t.tx, b.Sheets, t.v)
	c.plots, plotErr = planPlots(ctx, t.tx, b, t.v)
	var probs []spatial.Problem
	for _, err := range []error{sheetErr, plotErr} {
		switch {
		case spatial.KindOf(err) == spatial.KindInvalid:
			probs = append(probs, spatial.ProblemsOf(err)...)
		case err != nil:
			return nil, t.readErr(err, "check chunk")
		}
	}
	if len(probs) > 0 {
		return nil, rejected(probs)
	}
	return c, nil
}

// repeatedKey is the reason given for a key written twice in one transaction.
const repeatedKey = "plot key already written or retired by an earlier chunk of this transaction"

// repeats lists the plots and retirements of b whose key an earlier chunk
// of this transaction had, and its sheets that an earlier chunk had with
// other content; with record, it then remembers b's keys and sheets.
func (t *Tx) repeats(b *spatial.Batch, record bool) []spatial.Problem {
	var probs []spatial.Problem
	for i, p := range b.Plots {
		if t.keys.Has(p.Key) {
			probs = append(probs, spatial.Problem{Index: i, Feature: p.Key.String(), Field: "key", Reason: repeatedKey})
		}
	}
	for i, k := range b.Retire {
		if t.keys.Has(k) {
			probs = append(probs, spatial.Problem{Index: -1, Feature: k.String(), Field: fmt.Sprintf("retire[%d]", i), Reason: repeatedKey})
		}
	}
	for i, sh := range b.Sheets {
		if w, ok := t.sheets[sh.Key]; ok && !w.SameContent(sh) {
			probs = append(probs, spatial.Problem{Index: -1, Feature: "sheet " + sh.Key.String(),
				Field: fmt.Sprintf("sheets[%d]", i), Reason: "sheet given earlier in this transaction with other content"})
		}
	}
	if record {
		t.remember(b)
	}
	return probs
}

// remember adds b's plot keys and sheets to those given to this
// transaction. The sheets of a refused chunk count too: later plots on them
// are then checked against the frame instead of each reporting the sheet
// as missing (Commit refuses anyway).
func (t *Tx) remember(b *spatial.Batch) {
	for _, p := range b.Plots {
		t.keys.Add(p.Key)
	}
	for _, k := range b.Retire {
		t.keys.Add(k)
	}
	for _, sh := range b.Sheets {
		if _, ok := t.sheets[sh.Key]; !ok {
			cp := *sh // the caller may reuse its chunk
			t.sheets[sh.Key] = &cp
		}
	}
}

// sheetLookup finds the sheets of b's plots: in b, given earlier to this
// transaction, or stored (loaded with one query).
func (t *Tx) sheetLookup(ctx context.Context, b *spatial.Batch) (spatial.SheetLookup, error) {
	known := make(map[spatial.SheetKey]bool, len(b.Sheets))
	for _, sh := range b.Sheets {
		known[sh.Key] = true
	}
	var keys []spatial.SheetKey
	for _, p := range b.Plots {
		k := p.Key.SheetKey()
		if _, given := t.sheets[k]; !given && !known[k] {
			known[k] = true
			keys = append(keys, k)
		}
	}
	stored, err := currentSheets(ctx, t.tx, keys)
	if err != nil {
		return nil, err
	}
	return func(k spatial.SheetKey) (*spatial.Sheet, bool) {
		if sh, ok := t.sheets[k]; ok {
			return sh, true
		}
		st, ok := stored[k]
		return st.Sheet, ok
	}, nil
}

// store writes a planned chunk: units, then the superseded versions closed
// (first, so that the unique index on current keys admits the new ones),
// then the new versions copied in. It returns the units inserted or changed.
func (t *Tx) store(ctx context.Context, c *chunk) (int, error) {
	units, err := upsertUnits(ctx, t.tx, c.units)
	if err != nil {
		return 0, err
	}
	at := t.v.ValidFrom
	if err := closeVersions(ctx, t.tx, "sheets", c.sheets.supersede, at); err != nil {
		return 0, err
	}
	if err := closeVersions(ctx, t.tx, "plots", c.plots.supersede, at); err != nil {
		return 0, err
	}
	if len(c.sheets.sheets) > 0 {
		_, err = t.tx.CopyFrom(ctx, pgx.Identifier{"sheets"}, sheetCopyColumns, pgx.CopyFromSlice(len(c.sheets.sheets),
			func(i int) ([]any, error) { return sheetRow(c.sheets.sheets[i].Sheet, c.sheets.sheets[i].v, t.seq) }))
		if err != nil {
			return 0, err
		}
	}
	if len(c.plots.plots) > 0 {
		var ll lonLatCache
		_, err = t.tx.CopyFrom(ctx, pgx.Identifier{"plots"}, plotCopyColumns, pgx.CopyFromSlice(len(c.plots.plots),
			func(i int) ([]any, error) { return plotRow(c.plots.plots[i].Plot, c.plots.plots[i].v, t.seq, &ll) }))
	}
	return units, err
}

// add counts a written chunk into the totals.
func (t *Tx) add(c *chunk, units int) {
	r, pp := &t.res, c.plots
	r.Units += units
	r.Sheets += len(c.sheets.sheets)
	r.Inserted += pp.inserted
	r.Changed += pp.changed
	r.Unchanged += pp.unchanged
	r.Retired += pp.retired
	if !t.change.Untracked {
		r.Touched = append(r.Touched, pp.touched...)
	}
}

// Totals returns the totals of the chunks written so far.
func (t *Tx) Totals() spatial.WriteResult { return t.res }

// Commit logs the change (the totals in its changes row, or no row if
// nothing was written), announces its seq on the cadastre_changes channel (sent by
// PostgreSQL on commit) and commits. If a chunk failed it rolls back
// instead and refuses with the kind of the first failure (KindInvalid for
// problems in the data): nothing is stored.
func (t *Tx) Commit(ctx context.Context) (spatial.WriteResult, error) {
	if err := t.open(); err != nil {
		return spatial.WriteResult{}, err
	}
	if t.failed != nil {
		err := t.refusal()
		_ = t.end(ctx) // the refusal is what the caller needs; a failed rollback stores nothing either
		return spatial.WriteResult{}, err
	}
	r := t.res
	if err := finishChange(ctx, t.tx, t.seq, r); err != nil {
		_ = t.end(ctx) // the log error is the one to report
		return spatial.WriteResult{}, translate(err, "commit write")
	}
	t.done = true
	defer func() { <-t.writing }()
	if err := t.tx.Commit(ctx); err != nil {
		return spatial.WriteResult{}, translate(err, "commit write")
	}
	return r, nil
}

// refusal is Commit's error after failed chunks. Their problems went to
// the caller with each chunk; this names the first failure only.
func (t *Tx) refusal() error {
	first := t.failed.Error()
	var se *spatial.Error
	if errors.As(t.failed, &se) {
		first = se.Message // safe for clients; the cause stays in Err
	}
	msg := "write refused, nothing stored: " + first
	if t.nFailed > 0 {
		msg = fmt.Sprintf("write refused, nothing stored: %d chunk(s) failed, the first with: %s", t.nFailed, first)
	}
	return &spatial.Error{Kind: spatial.KindOf(t.failed), Message: msg, Err: t.failed}
}

// Rollback discards everything written; after Commit or Rollback it does
// nothing.
func (t *Tx) Rollback(ctx context.Context) error {
	if t.done {
		return nil
	}
	return t.end(ctx)
}

// end rolls back and frees the write queue.
func (t *Tx) end(ctx context.Context) error {
	t.done = true
	defer func() { <-t.writing }()
	err := t.tx.Rollback(ctx)
	if errors.Is(err, pgx.ErrTxClosed) {
		return nil
	}
	return translate(err, "roll back write")
}

// open refuses calls after Commit or Rollback.
func (t *Tx) open() error {
	if t.done {
		return spatial.Errorf(spatial.KindInternal, "write transaction already ended")
	}
	return nil
}

// usable refuses calls after Commit or Rollback, and after a statement
// failed: PostgreSQL then refuses the rest of the transaction.
func (t *Tx) usable() error {
	if err := t.open(); err != nil {
		return err
	}
	if t.aborted {
		return t.failed
	}
	return nil
}

// fail records a failed chunk.
func (t *Tx) fail(err error) {
	t.nFailed++
	if t.failed == nil {
		t.failed = err
	}
}

// readErr translates the error of a read. An error that is not a finding
// of the checks came from the database and aborted the transaction: it
// becomes the transaction's failure.
func (t *Tx) readErr(err error, what string) error {
	var se *spatial.Error
	finding := errors.As(err, &se)
	err = translate(err, what)
	if !finding {
		t.aborted = true
		if t.failed == nil {
			t.failed = err
		}
	}
	return err
}
