package extract

import (
	"fmt"
	"html"
	"io"
	"math"
	"strings"

	"github.com/paulmach/orb"
	sf "github.com/peterstace/simplefeatures/geom"

	"cadastre/spatial"
	"cadastre/spatial/overlay"
)

// Drawing is what the report picture shows, all on the plane of the
// report's zone.
type Drawing struct {
	Report     *Report
	Stored     orb.MultiPolygon // the stored plot, as checked
	Neighbours []Neighbour
}

// svgWidth is the drawing width in pixels; the height follows the plot.
const svgWidth = 800.0

// canvas maps plane metres to SVG pixels (y down, north up).
type canvas struct {
	b     orb.Bound
	scale float64 // px per metre
	pad   float64
	top   float64 // the key figures are printed above the frame
	w     *strings.Builder
}

func (c *canvas) xy(p orb.Point) (float64, float64) {
	return c.pad + (p[0]-c.b.Min[0])*c.scale, c.top + (c.b.Max[1]-p[1])*c.scale
}

// Colours of the drawing, shared with its legend.
const (
	colourMeasured = "#1f5fbf"
	colourFailing  = "#d62728"
	colourOverlap  = "#d62728"
	colourGap      = "#ff9f1c"
)

// legendHeight is the height of the legend under the frame.
const legendHeight = 46.0

// RenderSVG draws the stored plot (black), the measured boundary (blue,
// dashed), neighbours (grey, their plot numbers inside the frame), the
// overlaps with neighbours and the gaps left (shaded), stored vertex
// numbers and measured point numbers, failing edges (red, thick) and
// failing points (red rings), a legend, a scale bar, a north arrow and the
// key figures of the report. Text from the submission is escaped.
func RenderSVG(w io.Writer, d Drawing) error {
	b := d.Stored.Bound().Union(d.Report.Measured.Bound())
	side := math.Max(b.Max[0]-b.Min[0], b.Max[1]-b.Min[1])
	b = b.Pad(math.Max(side*0.08, 1))
	c := &canvas{b: b, pad: 40, top: 86 + 17*float64(len(d.Report.Overrides)), w: &strings.Builder{}}
	c.scale = (svgWidth - 2*c.pad) / (b.Max[0] - b.Min[0])
	frameBottom := c.top + (b.Max[1]-b.Min[1])*c.scale
	h := frameBottom + legendHeight + 40
	fmt.Fprintf(c.w, `<svg xmlns="http://www.w3.org/2000/svg" width="%.0f" height="%.0f" viewBox="0 0 %.0f %.0f" font-family="sans-serif" font-size="12">`+"\n", svgWidth, h, svgWidth, h)
	fmt.Fprintf(c.w, `<rect width="100%%" height="100%%" fill="white"/>`+"\n")
	c.clipped(func() {
		c.neighbours(d.Neighbours)
		c.polygon(d.Stored, `fill="#f2efe6" stroke="black" stroke-width="1.5"`, "stored")
		c.pieces(d)
		c.polygon(d.Report.Measured, `fill="none" stroke="`+colourMeasured+`" stroke-width="1.5" stroke-dasharray="6 3"`, "measured")
		c.neighbourLabels(d.Neighbours)
	})
	c.failingEdges(d.Report)
	c.vertexLabels(d.Report)
	c.keyFigures(d.Report)
	c.legend(frameBottom + 8)
	c.scaleBar(h)
	c.northArrow()
	c.w.WriteString("</svg>\n")
	_, err := io.WriteString(w, c.w.String())
	return err
}

// keyFigures prints the verdict and the figures a registrar looks for
// first, above the frame (not only in tooltips).
func (c *canvas) keyFigures(r *Report) {
	a := r.Area
	maxDisp, maxPoint := 0.0, ""
	for _, v := range r.Vertices {
		if v.Displacement > maxDisp {
			maxDisp, maxPoint = v.Displacement, v.Point
		}
	}
	lines := []string{
		fmt.Sprintf("plot %s v%d, 1:%d, %s: %s", r.Plot, r.PlotVersion, r.Scale, r.Profile, r.Verdict),
		fmt.Sprintf("area measured %.1f m², map %.1f m², difference %+.1f m² (allowed %.2f m²)", a.Measured, a.Stored, a.Difference, a.Allowed),
		fmt.Sprintf("largest point move %s m (point %s), position limit %s m", mm(maxDisp), maxPoint, mm(r.PositionLimit)),
	}
	if a.Legal > 0 {
		lines[1] += fmt.Sprintf("; legal %.1f m² (%+.1f m², for the registrar)", a.Legal, a.MeasuredMinusLegal)
	}
	for _, o := range r.Overrides {
		lines = append(lines, fmt.Sprintf("%s %s instead of the plot's %s: %s", o.Field, o.Declared, o.Plot, o.Reason))
	}
	if len(r.Failing) > 0 {
		f := strings.Join(r.Failing, ", ")
		if len(f) > 110 {
			f = f[:107] + "..."
		}
		lines = append(lines, "failing: "+f)
	}
	fmt.Fprintf(c.w, `<g class="key-figures">`)
	for i, l := range lines {
		size := 12
		if i == 0 {
			size = 14
		}
		fmt.Fprintf(c.w, `<text x="%.0f" y="%d" font-size="%d">%s</text>`, c.pad, 18+i*17, size, esc(l))
	}
	c.w.WriteString("</g>\n")
}

// legend explains every colour of the drawing.
func (c *canvas) legend(y float64) {
	items := []struct{ swatch, label string }{
		{`<rect width="18" height="10" fill="#f2efe6" stroke="black"/>`, "stored plot"},
		{`<line x1="0" y1="5" x2="18" y2="5" stroke="` + colourMeasured + `" stroke-width="1.5" stroke-dasharray="6 3"/>`, "measured boundary"},
		{`<rect width="18" height="10" fill="#e4e4e4" stroke="#888"/>`, "neighbour (plot number)"},
		{`<line x1="0" y1="5" x2="18" y2="5" stroke="` + colourFailing + `" stroke-width="4"/>`, "failing edge"},
		{`<circle cx="9" cy="5" r="5" fill="none" stroke="` + colourFailing + `" stroke-width="2"/>`, "failing point"},
		{`<rect width="18" height="10" fill="` + colourOverlap + `" fill-opacity="0.45"/>`, "overlap with a neighbour"},
		{`<rect width="18" height="10" fill="` + colourGap + `" fill-opacity="0.55"/>`, "gap left"},
	}
	fmt.Fprintf(c.w, `<g class="legend">`)
	for i, it := range items {
		x, yy := c.pad+float64(i%4)*180, y+float64(i/4)*20
		fmt.Fprintf(c.w, `<g transform="translate(%.1f %.1f)">%s<text x="24" y="10">%s</text></g>`, x, yy, it.swatch, it.label)
	}
	c.w.WriteString("</g>\n")
}

// pieces shades the overlaps of the measured boundary with the listed
// neighbours and the parts of the stored plot it leaves out.
func (c *canvas) pieces(d Drawing) {
	if len(d.Stored) == 0 || len(d.Stored[0]) == 0 || len(d.Stored[0][0]) == 0 {
		return
	}
	o := d.Stored[0][0][0]
	meas := overlay.Geometry(d.Report.Measured, o)
	overlapping := map[spatial.PlotKey]bool{}
	for _, ov := range d.Report.Overlaps {
		overlapping[ov.Key] = true
	}
	for _, n := range d.Neighbours {
		if !overlapping[n.Key] {
			continue
		}
		if g, err := sf.Intersection(meas, overlay.Geometry(n.Geometry, o)); err == nil {
			c.shade(goneParts(g, o), colourOverlap, 0.45, "overlap")
		}
	}
	if g, err := sf.Difference(overlay.Geometry(d.Stored, o), meas); err == nil && len(d.Report.Gaps) > 0 {
		c.shade(goneParts(g, o), colourGap, 0.55, "gap")
	}
}

func (c *canvas) shade(ps []gonePart, colour string, opacity float64, class string) {
	for _, p := range ps {
		if p.area < MinNeighbourArea {
			continue
		}
		var s strings.Builder
		for i, pt := range p.pts {
			x, y := c.xy(pt)
			op := "L"
			if i == 0 {
				op = "M"
			}
			fmt.Fprintf(&s, "%s%.1f %.1f ", op, x, y)
		}
		fmt.Fprintf(c.w, `<path class="%s" fill="%s" fill-opacity="%.2f" stroke="none" d="%sZ"><title>%s %.2f m²</title></path>`+"\n", class, colour, opacity, s.String(), class, p.area)
	}
}

func esc(s string) string { return html.EscapeString(s) }

// clipped draws inside the frame only: neighbours reach past it.
func (c *canvas) clipped(draw func()) {
	x1, y1 := c.xy(orb.Point{c.b.Min[0], c.b.Max[1]})
	x2, y2 := c.xy(orb.Point{c.b.Max[0], c.b.Min[1]})
	fmt.Fprintf(c.w, `<clipPath id="frame"><rect x="%.1f" y="%.1f" width="%.1f" height="%.1f"/></clipPath><g clip-path="url(#frame)">`+"\n", x1, y1, x2-x1, y2-y1)
	draw()
	c.w.WriteString("</g>\n")
}

func (c *canvas) path(mp orb.MultiPolygon) string {
	var s strings.Builder
	for _, p := range mp {
		for _, r := range p {
			for i, pt := range r {
				x, y := c.xy(pt)
				op := "L"
				if i == 0 {
					op = "M"
				}
				fmt.Fprintf(&s, "%s%.1f %.1f ", op, x, y)
			}
			s.WriteString("Z ")
		}
	}
	return s.String()
}

func (c *canvas) polygon(mp orb.MultiPolygon, style, class string) {
	fmt.Fprintf(c.w, `<path class="%s" fill-rule="evenodd" %s d="%s"/>`+"\n", class, style, c.path(mp))
}

func (c *canvas) neighbours(ns []Neighbour) {
	for _, n := range ns {
		c.polygon(n.Geometry, `fill="#e4e4e4" stroke="#888" stroke-width="1"`, "neighbour")
	}
}

// neighbourLabels writes each neighbour's plot number at the middle of the
// part of its bound inside the frame, so that it shows even when the
// neighbour's centre lies outside the drawing.
func (c *canvas) neighbourLabels(ns []Neighbour) {
	inner := c.b.Pad(-math.Min(c.b.Max[0]-c.b.Min[0], c.b.Max[1]-c.b.Min[1]) * 0.03)
	for _, n := range ns {
		nb := n.Geometry.Bound()
		if !nb.Intersects(inner) {
			continue
		}
		part := orb.Bound{Min: orb.Point{math.Max(nb.Min[0], inner.Min[0]), math.Max(nb.Min[1], inner.Min[1])},
			Max: orb.Point{math.Min(nb.Max[0], inner.Max[0]), math.Min(nb.Max[1], inner.Max[1])}}
		x, y := c.xy(part.Center())
		fmt.Fprintf(c.w, `<text class="neighbour-label" x="%.1f" y="%.1f" fill="#555" font-size="13" text-anchor="middle">%d</text>`+"\n", x, y, n.Key.Plot)
	}
}

// failingEdges draws the failing edge rows between the measured points.
func (c *canvas) failingEdges(r *Report) {
	pts := map[string]orb.Point{}
	for _, v := range r.Vertices {
		pts[v.Point] = orb.Point(v.MeasuredXY)
	}
	for _, e := range r.Edges {
		if e.Pass {
			continue
		}
		x1, y1 := c.xy(pts[e.FromPoint])
		x2, y2 := c.xy(pts[e.ToPoint])
		fmt.Fprintf(c.w, `<line class="failing-edge" x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="%s" stroke-width="4"><title>edge %s-%s: %s m, allowed %s m</title></line>`+"\n",
			x1, y1, x2, y2, colourFailing, esc(e.FromPoint), esc(e.ToPoint), signed(e.Difference), mm(e.Allowed))
	}
}

// vertexLabels numbers stored vertices (black, above left) and measured
// points (blue, below right); unmatched vertices are circled in red.
func (c *canvas) vertexLabels(r *Report) {
	for _, v := range r.Vertices {
		x, y := c.xy(orb.Point(v.StoredXY))
		fmt.Fprintf(c.w, `<circle cx="%.1f" cy="%.1f" r="2.5"/><text x="%.1f" y="%.1f">%d</text>`+"\n", x, y, x-12, y-5, v.Stored)
		x, y = c.xy(orb.Point(v.MeasuredXY))
		fmt.Fprintf(c.w, `<circle cx="%.1f" cy="%.1f" r="2.5" fill="#1f5fbf"/><text x="%.1f" y="%.1f" fill="#1f5fbf">%s</text>`+"\n", x, y, x+5, y+14, esc(v.Point))
		if !v.Pass {
			fmt.Fprintf(c.w, `<circle class="failing-point" cx="%.1f" cy="%.1f" r="6" fill="none" stroke="%s" stroke-width="2"><title>point %s: %s m, limit %s m</title></circle>`+"\n",
				x, y, colourFailing, esc(v.Point), mm(v.Displacement), mm(v.Allowed))
		}
	}
	for _, u := range r.Unmatched {
		x, y := c.xy(orb.Point(u.XY))
		color, class := colourMeasured, "unmatched"
		if !u.Collinear {
			color, class = colourFailing, "unmatched failing-point"
		}
		fmt.Fprintf(c.w, `<circle class="%s" cx="%.1f" cy="%.1f" r="5" fill="none" stroke="%s" stroke-width="2"/><text x="%.1f" y="%.1f" fill="%s">%s</text>`+"\n", class, x, y, color, x+6, y-6, color, esc(u.Vertex))
	}
}

// scaleBar draws a bar of a round length (1, 2 or 5 x 10^k m) about a
// quarter of the width.
func (c *canvas) scaleBar(h float64) {
	target := (svgWidth / 4) / c.scale
	step := math.Pow(10, math.Floor(math.Log10(target)))
	length := step
	for _, m := range []float64{2, 5, 10} {
		if m*step <= target {
			length = m * step
		}
	}
	px := length * c.scale
	y := h - 20
	fmt.Fprintf(c.w, `<g class="scale-bar"><rect x="%.1f" y="%.1f" width="%.1f" height="6" fill="black"/><text x="%.1f" y="%.1f">%s m</text></g>`+"\n",
		c.pad, y, px, c.pad+px+6, y+7, trimFloat(length))
}

func trimFloat(v float64) string {
	return strings.TrimRight(strings.TrimRight(fmt.Sprintf("%.3f", v), "0"), ".")
}

// northArrow: grid north is up on a TM plane (the convergence, under 1.5
// degrees in a 3-degree zone, is not drawn).
func (c *canvas) northArrow() {
	x, y := svgWidth-c.pad-12, c.top+8
	fmt.Fprintf(c.w, `<g class="north-arrow"><path d="M%.1f %.1f L%.1f %.1f L%.1f %.1f L%.1f %.1f Z" fill="black"/><text x="%.1f" y="%.1f" text-anchor="middle">N</text></g>`+"\n",
		x, y, x-8, y+30, x, y+22, x+8, y+30, x, y+45)
}
