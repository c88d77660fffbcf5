package index_test

import (
	"context"
	"database/sql"
	"io"
	"log/slog"
	"path/filepath"
	"testing"

	"github.com/paulmach/orb"

	"cadastre/sampledata"
	"cadastre/spatial"
	"cadastre/spatial/index"
	"cadastre/spatial/store/gpkg"
)

// Reconcile follows edits made in place, outside the store's writes (as
// QGIS makes them): a plot row deleted, another's land use changed. After
// it, the index holds what a fresh build holds, and it returned exactly
// those two plots.
func TestReconcileOutsideEdits(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "r.gpkg")
	st, err := gpkg.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	b, err := sampledata.Sample()
	if err != nil {
		t.Fatal(err)
	}
	b.Change = spatial.Change{By: "t", Reason: "load"}
	if _, err := st.Write(ctx, b); err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	ix := index.New()
	if _, err := ix.Build(ctx, st, log); err != nil {
		t.Fatal(err)
	}
	if touched, err := ix.Reconcile(ctx, st); err != nil || len(touched) != 0 {
		t.Fatalf("Reconcile with nothing edited: %d touched, %v", len(touched), err)
	}
	gone, edited := b.Plots[3].Key, b.Plots[7].Key
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, q := range []struct {
		sql string
		key spatial.PlotKey
	}{
		{`DELETE FROM plots_9210 WHERE unit = ? AND sheet = ? AND plot = ?`, gone},
		{`UPDATE plots_9210 SET land_use = 'SKC' WHERE unit = ? AND sheet = ? AND plot = ?`, edited},
	} {
		if res, err := db.Exec(q.sql, q.key.Unit, q.key.Sheet, q.key.Plot); err != nil {
			t.Fatal(err)
		} else if n, _ := res.RowsAffected(); n != 1 {
			t.Fatalf("%s: %d rows", q.sql, n)
		}
	}
	touched, err := ix.Reconcile(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	if len(touched) != 2 {
		t.Errorf("Reconcile touched %d plots, want the deleted and the edited one", len(touched))
	}
	if _, ok := ix.Snapshot().Plot(gone); ok {
		t.Errorf("plot %s, deleted in place, is still in the index", gone)
	}
	if p, ok := ix.Snapshot().Plot(edited); !ok || len(p.LandUse) != 1 || p.LandUse[0] != "SKC" {
		t.Errorf("plot %s edited in place: index has %+v", edited, p)
	}
	fresh := index.New()
	if _, err := fresh.Build(ctx, st, log); err != nil {
		t.Fatal(err)
	}
	if got, want := ix.Snapshot().Len(), fresh.Snapshot().Len(); got != want {
		t.Fatalf("after Reconcile the index holds %d plots, a fresh build %d", got, want)
	}
	fresh.Snapshot().EachPlot(func(p *index.Plot) bool {
		if q, ok := ix.Snapshot().Plot(p.Key); !ok || !orb.Equal(q.Geometry, p.Geometry) {
			t.Fatalf("after Reconcile plot %s differs from a fresh build", p.Key)
		}
		return true
	})
}
