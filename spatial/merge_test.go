package spatial_test

import (
	"testing"
	"time"

	"github.com/paulmach/orb"

	"cadastre/spatial"
)

func mergeFixture() ([]spatial.AdminUnit, []*spatial.Sheet, []*spatial.Plot) {
	on := time.Date(2025, 7, 1, 0, 0, 0, 0, time.UTC)
	units := []spatial.AdminUnit{
		{Code: "90010", Name: "Xã Mới"},
		{Code: "90012", Name: "Phường Cũ Hai", Successor: "90010", MergedOn: on},
		{Code: "90011", Name: "Cũ Một", Successor: "90010", MergedOn: on},
	}
	sq := orb.MultiPolygon{{{{0, 0}, {1, 0}, {1, 1}, {0, 1}, {0, 0}}}}
	var sheets []*spatial.Sheet
	var plots []*spatial.Plot
	for _, k := range []spatial.SheetKey{{Unit: "90010", Number: 1}, {Unit: "90010", Number: 4}, {Unit: "90011", Number: 2}, {Unit: "90011", Number: 1}, {Unit: "90012", Number: 1}} {
		sheets = append(sheets, &spatial.Sheet{Key: k})
		if k.Unit != "90010" {
			plots = append(plots, &spatial.Plot{Key: spatial.PlotKey{Unit: k.Unit, Sheet: k.Number, Plot: 7}, Commune: "90010", Geometry: sq, LandUse: []string{"LUC"}})
		}
	}
	return units, sheets, plots
}

func TestPlanMergeContinue(t *testing.T) {
	units, sheets, plots := mergeFixture()
	plan, err := spatial.PlanMerge(spatial.SchemeContinue, "90010", time.Time{}, units, sheets, plots)
	if err != nil {
		t.Fatal(err)
	}
	// Former units by code, their sheets by number, after 90010's sheet 4.
	want := map[spatial.SheetKey]int{{Unit: "90011", Number: 1}: 5, {Unit: "90011", Number: 2}: 6, {Unit: "90012", Number: 1}: 7}
	if len(plan.Sheets) != 3 {
		t.Fatalf("got %d sheet mappings, want 3", len(plan.Sheets))
	}
	for _, m := range plan.Sheets {
		if m.To.Unit != "90010" || m.To.Number != want[m.From] {
			t.Errorf("%s -> %s, want 90010/%d", m.From, m.To, want[m.From])
		}
	}
	if got := plan.Sheets[2].Note; got != "Trước ngày 01/07/2025 là tờ bản đồ số 1 phường Cũ Hai" {
		t.Errorf("note: got %q", got)
	}
	if got := plan.Plots[0].Note; got != "Trước ngày 01/07/2025 là thửa đất số 7 tờ bản đồ số 1 xã Cũ Một" {
		t.Errorf("plot note: got %q", got)
	}
	if len(plan.Batch.Plots) != 3 || len(plan.Batch.Retire) != 3 || plan.Batch.Plots[0].Key != (spatial.PlotKey{Unit: "90010", Sheet: 5, Plot: 7}) {
		t.Errorf("batch: %d plots (first %v), %d retired; want 3 renumbered with plot numbers kept, 3 retired", len(plan.Batch.Plots), plan.Batch.Plots[0].Key, len(plan.Batch.Retire))
	}
}

func TestPlanMergeKeep(t *testing.T) {
	units, sheets, plots := mergeFixture()
	plots[0].Commune = "90011" // not yet moved to the current commune
	plan, err := spatial.PlanMerge(spatial.SchemeKeep, "90010", time.Time{}, units, sheets, plots)
	if err != nil {
		t.Fatal(err)
	}
	if len(plan.Sheets) != 0 || len(plan.Plots) != 3 || len(plan.Batch.Plots) != 1 || len(plan.Batch.Retire) != 0 {
		t.Fatalf("keep: %d sheet mappings, %d plot mappings, %d plots written, %d retired; want 0, 3, 1, 0",
			len(plan.Sheets), len(plan.Plots), len(plan.Batch.Plots), len(plan.Batch.Retire))
	}
	if m := plan.Plots[0]; m.From != m.To {
		t.Errorf("keep maps %s to %s, want the same key", m.From, m.To)
	}
}

func TestPlanMergeRefuses(t *testing.T) {
	units, sheets, plots := mergeFixture()
	for _, c := range []struct {
		scheme, commune string
		kind            spatial.Kind
	}{{"shuffle", "90010", spatial.KindInvalid}, {spatial.SchemeKeep, "90099", spatial.KindNotFound}, {spatial.SchemeKeep, "90011", spatial.KindNotFound}} {
		if _, err := spatial.PlanMerge(c.scheme, c.commune, time.Time{}, units, sheets, plots); spatial.KindOf(err) != c.kind {
			t.Errorf("%s %s: got %v, want %s", c.scheme, c.commune, err, c.kind)
		}
	}
}
