package gpkg

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"

	"cadastre/spatial"
)

var _ spatial.Writer = (*Store)(nil)

var _ spatial.Tx = (*writeTx)(nil)

// Begin starts a write transaction stamped with c: BEGIN IMMEDIATE on a
// pooled connection that the transaction keeps to itself, holding the
// file's write lock until Commit or Rollback. Its time and change sequence
// are fixed now. The transaction lives until ctx ends: cancelling ctx
// rolls it back. Nothing is stored before Commit, so a process killed in
// the middle leaves the file as it was (the write-ahead log holds no
// commit record for it, and the next open ignores its pages).
func (s *Store) Begin(ctx context.Context, c spatial.Change) (spatial.Tx, error) {
	return s.begin(ctx, c)
}

func (s *Store) begin(ctx context.Context, c spatial.Change) (*writeTx, error) {
	const msg = "gpkg: starting a write transaction failed"
	if err := c.Check(); err != nil {
		return nil, err
	}
	tx, err := s.db.BeginTx(ctx, nil) // _txlock=immediate: takes the write lock now
	if err != nil {
		return nil, storeError(ctx, err, msg)
	}
	w, err := newWriter(ctx, tx, c)
	if err == nil {
		err = w.startChange(ctx)
	}
	if err != nil {
		return nil, errors.Join(storeError(ctx, err, msg), rollback(tx))
	}
	return &writeTx{tx: tx, w: w, keys: newKeySet(), sheets: map[spatial.SheetKey]*spatial.Sheet{}, aroundLimit: aroundLimit}, nil
}

// writeTx is a spatial.Tx on one SQLite transaction, fed in chunks. It is
// not safe for concurrent use.
type writeTx struct {
	tx      *sql.Tx
	w       *writer
	keys    *keySet                             // plot keys of the chunks given to Write
	sheets  map[spatial.SheetKey]*spatial.Sheet // sheets of the chunks given to Write
	failed  error                               // the first failed chunk's error
	nFailed int
	broken  error // a chunk failed while writing: the transaction holds part of it
	done    bool  // committed or rolled back

	aroundLimit int // see Overlaps; tests lower it
}

// Check checks a chunk as Write would, without writing it (nor
// remembering its keys and sheets): Batch.Check with the sheets stored or
// given earlier in this transaction, the plot keys of earlier chunks, and
// the stored state (retired numbers, retirements).
func (t *writeTx) Check(ctx context.Context, b *spatial.Batch) error {
	if err := t.usable(); err != nil {
		return err
	}
	_, err := t.check(ctx, b, false)
	return err
}

// Write checks and writes one chunk; its keys and sheets are remembered
// whatever the outcome, so that a key repeated in a later chunk is
// reported. A chunk with problems (KindInvalid) makes Commit refuse; the
// part of it that passed its checks (Batch.Passed) is still written, so
// that Overlaps sees every plot that could be stored and one pass reports
// every problem of a file. Later chunks may still be written or checked.
// Any other error leaves the transaction unusable.
func (t *writeTx) Write(ctx context.Context, b *spatial.Batch) error {
	if err := t.usable(); err != nil {
		return err
	}
	cp, err := t.check(ctx, b, true)
	if err == nil {
		if err = t.w.write(ctx, b, cp); err != nil {
			err = storeError(ctx, err, "gpkg: storing the batch failed")
			t.broken = err
		}
	} else if spatial.KindOf(err) == spatial.KindInvalid {
		if werr := t.writePassed(ctx, b, err); werr != nil {
			t.broken = werr
			err = werr
		}
	}
	if err != nil {
		t.nFailed++
		if t.failed == nil {
			t.failed = err
		}
	}
	return err
}

// writePassed writes the part of a refused chunk that passed its checks,
// for the whole-batch checks only (the transaction will not commit).
func (t *writeTx) writePassed(ctx context.Context, b *spatial.Batch, refused error) error {
	rest, ok := b.Passed(spatial.ProblemsOf(refused))
	if !ok {
		return nil
	}
	cp, probs, err := t.w.plan(ctx, rest)
	if err == nil && len(probs) == 0 {
		counted := t.w.res // not counted: the totals are those of the chunks that passed whole
		err = t.w.write(ctx, rest, cp)
		t.w.res = counted
	}
	if err != nil {
		return storeError(ctx, err, "gpkg: storing the batch failed")
	}
	return nil
}

// check runs Batch.Check with the transaction's sheet lookup, then looks
// for keys and sheets that earlier chunks already carry and plans the
// chunk against the stored state. With record, the chunk's keys and sheets
// join those given to the transaction, whatever the outcome: a key
// repeated later is reported, and plots of a refused chunk's sheet are
// checked against its frame instead of each reporting it missing. The
// plan is nil when there are problems.
func (t *writeTx) check(ctx context.Context, b *spatial.Batch, record bool) (*chunkPlan, error) {
	const msg = "gpkg: checking the batch failed"
	lookup, err := t.w.storedSheets(ctx, b, t.sheets)
	if err != nil {
		return nil, storeError(ctx, err, msg)
	}
	checkErr := b.Check(lookup)
	probs := append(t.keys.problems(b), t.sheetProblems(b)...)
	if record {
		t.keys.record(b)
		t.rememberSheets(b)
	}
	cp, planProbs, err := t.w.plan(ctx, b)
	if err != nil {
		return nil, storeError(ctx, err, msg)
	}
	probs = append(probs, planProbs...)
	if len(probs) == 0 {
		return cp, checkErr // Batch.Check's error, unchanged
	}
	all := append(spatial.ProblemsOf(checkErr), probs...)
	return nil, spatial.Invalid(fmt.Sprintf("batch rejected: %d problem(s), nothing stored", len(all)), all)
}

// sheetProblems lists the sheets of b that an earlier chunk gave with
// other content (the first would get a version valid for no time at all).
func (t *writeTx) sheetProblems(b *spatial.Batch) []spatial.Problem {
	var probs []spatial.Problem
	for i, sh := range b.Sheets {
		if given, ok := t.sheets[sh.Key]; ok && !given.SameContent(sh) {
			probs = append(probs, spatial.Problem{Index: -1, Feature: "sheet " + sh.Key.String(),
				Field: fmt.Sprintf("sheets[%d]", i), Reason: "sheet given earlier in this batch with other content"})
		}
	}
	return probs
}

func (t *writeTx) rememberSheets(b *spatial.Batch) {
	for _, sh := range b.Sheets {
		if _, ok := t.sheets[sh.Key]; !ok {
			cp := *sh // the caller may reuse its chunk
			t.sheets[sh.Key] = &cp
		}
	}
}

// Totals returns the totals of the chunks written so far.
func (t *writeTx) Totals() spatial.WriteResult { return t.w.res }

// Commit stores everything written, unless a chunk failed: then it rolls
// back and refuses with the kind of the first failure.
func (t *writeTx) Commit(ctx context.Context) (spatial.WriteResult, error) {
	const msg = "gpkg: committing the write failed"
	if err := t.usable(); err != nil {
		return spatial.WriteResult{}, err
	}
	t.done = true
	if t.failed != nil {
		return spatial.WriteResult{}, errors.Join(t.refusal(), rollback(t.tx))
	}
	if err := t.w.finish(ctx); err != nil {
		return spatial.WriteResult{}, errors.Join(storeError(ctx, err, msg), rollback(t.tx))
	}
	if err := t.tx.Commit(); err != nil {
		return spatial.WriteResult{}, storeError(ctx, err, msg)
	}
	return t.w.res, nil
}

// refusal is Commit's error after failed chunks.
func (t *writeTx) refusal() error {
	first := t.failed.Error()
	var se *spatial.Error
	if errors.As(t.failed, &se) {
		first = se.Message // safe for clients; the cause stays in Err
	}
	return &spatial.Error{
		Kind:    spatial.KindOf(t.failed),
		Message: fmt.Sprintf("gpkg: transaction refused, nothing stored: %d chunk(s) failed, the first with: %s", t.nFailed, first),
		Err:     t.failed,
	}
}

// Rollback discards everything; after Commit or Rollback it does nothing.
func (t *writeTx) Rollback(ctx context.Context) error {
	if t.done {
		return nil
	}
	t.done = true
	return storeError(ctx, rollback(t.tx), "gpkg: rolling back the write failed")
}

// rollback ends tx; a transaction that database/sql already ended (its
// context was cancelled) counts as rolled back.
func rollback(tx *sql.Tx) error {
	if err := tx.Rollback(); err != nil && !errors.Is(err, sql.ErrTxDone) {
		return err
	}
	return nil
}

// usable refuses calls after Commit or Rollback, and after a chunk that
// failed half-written (its rows would mislead every later check).
func (t *writeTx) usable() error {
	switch {
	case t.done:
		return spatial.Errorf(spatial.KindInternal, "gpkg: the write transaction is already committed or rolled back")
	case t.broken != nil:
		return &spatial.Error{Kind: spatial.KindOf(t.broken), Message: "gpkg: the write transaction failed earlier; roll it back", Err: t.broken}
	}
	return nil
}

// CurrentKeys lists the current plot keys of a sheet as this transaction
// sees them, by plot number.
func (t *writeTx) CurrentKeys(ctx context.Context, sheet spatial.SheetKey) ([]spatial.PlotKey, error) {
	const msg = "gpkg: listing the plots of a sheet failed"
	if err := t.usable(); err != nil {
		return nil, err
	}
	var keys []spatial.PlotKey
	for _, z := range t.w.zones {
		rows, err := t.tx.QueryContext(ctx, "SELECT plot FROM "+plotTable(z)+" WHERE unit = ? AND sheet = ? ORDER BY plot", sheet.Unit, sheet.Number)
		if err != nil {
			return nil, storeError(ctx, err, msg)
		}
		keys, err = appendKeys(keys, rows, sheet)
		if err != nil {
			return nil, storeError(ctx, err, msg)
		}
	}
	slices.SortFunc(keys, func(a, b spatial.PlotKey) int { return cmp.Compare(a.Plot, b.Plot) })
	return keys, nil
}

func appendKeys(keys []spatial.PlotKey, rows *sql.Rows, sheet spatial.SheetKey) ([]spatial.PlotKey, error) {
	defer rows.Close()
	for rows.Next() {
		k := spatial.PlotKey{Unit: sheet.Unit, Sheet: sheet.Number}
		if err := rows.Scan(&k.Plot); err != nil {
			return nil, err
		}
		keys = append(keys, k)
	}
	return keys, rows.Err()
}
