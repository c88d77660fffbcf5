package spatial

import (
	"context"
	"time"
)

// Store is the system of record for units, sheets and plots. Every write is
// one transaction that adds versions; nothing is overwritten or deleted.
// Implementations: spatial/store/postgis (a province) and spatial/store/gpkg
// (the embedded default). Both pass spatial/store/storetest.
type Store interface {
	// Write checks the batch (Batch.Check, with the stored sheets) and stores
	// it in one transaction: all of it or, on any error, none of it.
	Write(ctx context.Context, b *Batch) (WriteResult, error)
	// Plot returns the current version of a plot (or its last version if
	// retired) and its history, newest first. KindNotFound if unknown.
	Plot(ctx context.Context, key PlotKey) (*PlotHistory, error)
	// EachPlot streams every current plot; it stops at the first error fn
	// returns and returns it.
	EachPlot(ctx context.Context, fn func(*Plot) error) error
	// Sheets lists the current sheets of a survey unit ("" for all).
	Sheets(ctx context.Context, unit string) ([]*Sheet, error)
	// Sheet returns one current sheet. KindNotFound if unknown.
	Sheet(ctx context.Context, key SheetKey) (*Sheet, error)
	// Units lists the administrative units, former and current.
	Units(ctx context.Context) ([]AdminUnit, error)
	// Ping checks that the store answers.
	Ping(ctx context.Context) error
	// Close releases the store.
	Close() error
}

// PlotHistory is a plot with all its versions.
type PlotHistory struct {
	Current  *Plot   // the live version; the last one when retired
	Versions []*Plot // every version, newest first
}

// WriteResult counts what a batch did.
type WriteResult struct {
	Inserted  int       `json:"inserted"`  // plots new to the store
	Changed   int       `json:"changed"`   // plots that got a new version
	Unchanged int       `json:"unchanged"` // plots identical to the stored version
	Retired   int       `json:"retired"`
	Sheets    int       `json:"sheets"` // sheets inserted or changed
	Units     int       `json:"units"`  // units inserted or changed
	Touched   []PlotKey `json:"-"`      // plots inserted, changed or retired (none if the Change is Untracked)
}

// SheetLookup finds a stored sheet by key, for checks that need sheets not
// in the batch.
type SheetLookup func(SheetKey) (*Sheet, bool)

// Writer is implemented by stores that can take a write in chunks inside
// one transaction, so that a file of a million plots is stored whole or not
// at all without being held in memory.
type Writer interface {
	// Begin starts a write transaction stamped with c.
	Begin(ctx context.Context, c Change) (Tx, error)
}

// Tx is one write transaction fed in chunks. Everything written through it
// is stored at Commit, or nothing (Rollback, a failed chunk, a crash).
type Tx interface {
	// Check checks a chunk as Write would (Batch.Check with the sheets
	// stored or written earlier in this transaction) without writing it,
	// and without remembering its keys or sheets for later chunks.
	Check(ctx context.Context, b *Batch) error
	// Write checks and writes one chunk. On a KindInvalid error nothing of
	// the chunk is written and Commit will refuse; the caller may go on
	// calling Write on later chunks (as the ingest job does) so that every
	// problem of a file is reported, duplicates across chunks included.
	Write(ctx context.Context, b *Batch) error
	// CurrentKeys lists the current (non-retired) plot keys of a sheet as
	// this transaction sees them.
	CurrentKeys(ctx context.Context, sheet SheetKey) ([]PlotKey, error)
	// Overlaps lists the pairs of current plots, at least one of them
	// written (inserted or changed) in this transaction, whose interiors
	// overlap by more than minArea m², computed on their plane.
	Overlaps(ctx context.Context, minArea float64) ([]Overlap, error)
	// Totals returns what the chunks written so far do (the totals Commit
	// would return now), for a dry run that ends with Rollback. Chunks
	// that failed are not counted.
	Totals() WriteResult
	// Commit stores everything written and returns the totals.
	Commit(ctx context.Context) (WriteResult, error)
	// Rollback discards everything; after Commit it does nothing.
	Rollback(ctx context.Context) error
}

// Overlap is two plots sharing area.
type Overlap struct {
	A, B PlotKey
	Area float64 // m² on the plane
}

// Changes is what happened after a change sequence: the new current state
// of every plot and sheet touched since.
type Changes struct {
	Seq     int64     // the latest sequence included
	Plots   []*Plot   // current versions of plots inserted or changed
	Retired []PlotKey // plots retired
	Sheets  []*Sheet  // current versions of sheets inserted or changed
}

// ChangeFeed is implemented by stores that several processes share (PostGIS
// instances; a GeoPackage file that a server holds and `cadastre ingest`
// writes): every committed write has a sequence number, announced to
// listeners, and anyone can fetch what changed after a number it knows.
type ChangeFeed interface {
	// LatestSeq returns the sequence of the last committed write.
	LatestSeq(ctx context.Context) (int64, error)
	// ChangesSince returns the state changed by writes after seq.
	ChangesSince(ctx context.Context, seq int64) (*Changes, error)
	// Subscribe calls fn with the sequence of each write committed from now
	// on, until ctx ends. When the connection is lost it reconnects and
	// calls fn with the latest sequence, so that the caller catches up with
	// ChangesSince and misses nothing.
	Subscribe(ctx context.Context, fn func(seq int64)) error
}

// OutsideEdits is implemented by stores whose data other programs may
// edit in place, bypassing the change log (a GeoPackage open in QGIS):
// such an edit has no version and no change sequence, so a ChangeFeed
// cannot carry it, and a read model must compare itself with the store.
type OutsideEdits interface {
	// WatchEdits calls fn each time it notices such an edit, until ctx ends.
	WatchEdits(ctx context.Context, fn func()) error
}

// Tokens is implemented by stores that keep API tokens (only their hash).
type Tokens interface {
	CreateToken(ctx context.Context, t *Token) error
	// TokenByHash returns the token with that SHA-256 hash of its secret;
	// KindNotFound if none.
	TokenByHash(ctx context.Context, hash []byte) (*Token, error)
	// ListTokens returns every token, revoked ones too, by id.
	ListTokens(ctx context.Context) ([]*Token, error)
	// RevokeToken marks token id revoked by who, now, and returns it.
	// The row is kept. KindNotFound for an unknown id, KindConflict for a
	// token already revoked.
	RevokeToken(ctx context.Context, id int64, by string) (*Token, error)
	// TouchToken records that token id authorized a request at at
	// (its LastUsedAt); an earlier time than the one stored is ignored.
	// KindNotFound for an unknown id.
	TouchToken(ctx context.Context, id int64, at time.Time) error
	// ChargeExtractBytes adds n bytes to what token id stored in extracts
	// on day (a date; its clock time is ignored) and returns the new total,
	// unless the total would pass limit: then nothing is added, the
	// current total is returned and the error is KindConflict. Check and
	// addition are one atomic step, so that concurrent submissions cannot
	// pass the limit together.
	ChargeExtractBytes(ctx context.Context, id int64, day time.Time, n, limit int64) (int64, error)
}
