package spatial

import "context"

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
	Touched   []PlotKey `json:"-"`      // plots inserted, changed or retired
}

// SheetLookup finds a stored sheet by key, for checks that need sheets not
// in the batch.
type SheetLookup func(SheetKey) (*Sheet, bool)
