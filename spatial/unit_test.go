package spatial

import "testing"

func TestParsePlotKey(t *testing.T) {
	if k, err := ParsePlotKey("27002/2/458"); err != nil || k != (PlotKey{Unit: "27002", Sheet: 2, Plot: 458}) {
		t.Errorf("27002/2/458: got %v, %v", k, err)
	}
	for _, s := range []string{"", "27002/2", "27002/2/0", "2700/2/458", "27002/x/458", "27002/2/458/1"} {
		if k, err := ParsePlotKey(s); err == nil {
			t.Errorf("%q: got %v, want an error", s, k)
		}
	}
}
