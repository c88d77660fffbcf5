package extract

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/paulmach/orb"

	"cadastre/spatial"
)

// The drawing: failing edge and points, the neighbours' numbers inside the
// frame (the east neighbour's centre lies outside it), the overlap with
// the east neighbour (corner 2 pushed 0.5 m east) and the gap left at the
// west (points 1 and 6 moved 0.3 m in) shaded, a legend, the
// key figures as text.
func TestRenderSVG(t *testing.T) {
	stored := storedPlot(orb.MultiPolygon{{lShape()}}, 0)
	b := Boundary{EPSG: 9210, Geometry: orb.MultiPolygon{{moved(lShape(), map[int]orb.Point{0: {0.3, 0}, 5: {0.3, 0}, 1: {0.5, 0}})}}, Labels: [][][]string{{{"<b>1", "2", "3", "4", "5", "6"}}}}
	east := Neighbour{Key: spatial.PlotKey{Unit: "27001", Sheet: 12, Plot: 46}, Geometry: orb.MultiPolygon{{ring(14, 0, 300, 0, 300, 20, 14, 20)}}}
	west := Neighbour{Key: spatial.PlotKey{Unit: "27001", Sheet: 12, Plot: 44}, Geometry: orb.MultiPolygon{{ring(-10, 0, 0, 0, 0, 12, -10, 12)}}}
	rep, err := Check(&Input{Stored: stored, Measured: b, Scale: 1000, Neighbours: []Neighbour{east, west}}, mustProfile(t, DefaultProfile))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := RenderSVG(&buf, Drawing{Report: rep, Stored: stored.Geometry, Neighbours: []Neighbour{east, west}}); err != nil {
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
	if len(rep.Overlaps) != 1 || len(rep.Gaps) != 1 {
		t.Fatalf("want one overlap (east) and one gap (west), got %v %v", rep.Overlaps, rep.Gaps)
	}
	for _, want := range []string{`class="failing-edge"`, `class="failing-point"`, `class="scale-bar"`, `class="north-arrow"`, `class="neighbour"`,
		`class="legend"`, `class="overlap"`, `class="gap"`, ">46<", ">44<", "&lt;b&gt;1", "2 m<", rep.Plot.String(),
		fmt.Sprintf("area measured %.1f m², map %.1f m²", rep.Area.Measured, rep.Area.Stored), "position limit 0.150 m", "failing: edge"} {
		if !strings.Contains(svg, want) {
			t.Errorf("the drawing lacks %q", want)
		}
	}
	if n := strings.Count(svg, `class="failing-edge"`); n != 2 {
		t.Errorf("got %d failing edges drawn, want 2 (edges 1-2 and 5-6)", n)
	}
	// The east neighbour's number sits inside the frame although its
	// centre (157 m east) is far outside it.
	i := strings.Index(svg, ">46<")
	j := strings.LastIndex(svg[:i], `x="`)
	var x float64
	if _, err := fmt.Sscanf(svg[j:], `x="%f"`, &x); err != nil || x < 40 || x > svgWidth-40 {
		t.Errorf("label 46 at x=%v (%v), want inside the frame", x, err)
	}
	if dir := os.Getenv("CADASTRE_TEST_SVG_DIR"); dir != "" {
		if err := os.WriteFile(filepath.Join(dir, "render.svg"), buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
