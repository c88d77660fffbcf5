package extract

import (
	"bytes"
	"encoding/xml"
	"io"
	"strings"
	"testing"

	"github.com/paulmach/orb"

	"cadastre/spatial"
)

func TestRenderSVG(t *testing.T) {
	stored := storedPlot(orb.MultiPolygon{{lShape()}}, 0)
	b := Boundary{EPSG: 9210, Geometry: stretchAB(0.5), Labels: [][][]string{{{"<b>1", "2", "3", "4", "5", "6"}}}}
	east := Neighbour{Key: spatial.PlotKey{Unit: "27001", Sheet: 12, Plot: 46}, Geometry: orb.MultiPolygon{{ring(14, 0, 30, 0, 30, 20, 14, 20)}}}
	rep, err := Check(&Input{Stored: stored, Measured: b, Scale: 1000, Neighbours: []Neighbour{east}}, mustProfile(t, DefaultProfile))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := RenderSVG(&buf, Drawing{Report: rep, Stored: stored.Geometry, Neighbours: []Neighbour{east}}); err != nil {
		t.Fatal(err)
	}
	svg := buf.String()
	dec := xml.NewDecoder(strings.NewReader(svg))
	for {
		_, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("not well-formed XML: %v\n%s", err, svg)
		}
	}
	for _, want := range []string{`class="failing-edge"`, `class="scale-bar"`, `class="north-arrow"`, `class="neighbour"`, ">46<", "&lt;b&gt;1", "2 m<", rep.Plot.String()} {
		if !strings.Contains(svg, want) {
			t.Errorf("the drawing lacks %q", want)
		}
	}
	if n := strings.Count(svg, `class="failing-edge"`); n != 1 {
		t.Errorf("got %d failing edges drawn, want 1 (edge 1-2)", n)
	}
}
