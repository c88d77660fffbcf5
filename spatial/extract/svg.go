package extract

import (
	"fmt"
	"html"
	"io"
	"math"
	"strings"

	"github.com/paulmach/orb"
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
	w     *strings.Builder
}

func (c *canvas) xy(p orb.Point) (float64, float64) {
	return c.pad + (p[0]-c.b.Min[0])*c.scale, c.pad + (c.b.Max[1]-p[1])*c.scale
}

// RenderSVG draws the stored plot (black), the measured boundary (blue,
// dashed), neighbours (grey, with their plot numbers), stored vertex
// numbers and measured point numbers, failing edges (red, thick), a scale
// bar and a north arrow. Text from the submission is escaped.
func RenderSVG(w io.Writer, d Drawing) error {
	b := d.Stored.Bound().Union(d.Report.Measured.Bound())
	side := math.Max(b.Max[0]-b.Min[0], b.Max[1]-b.Min[1])
	b = b.Pad(math.Max(side*0.08, 1))
	c := &canvas{b: b, pad: 40, w: &strings.Builder{}}
	c.scale = (svgWidth - 2*c.pad) / (b.Max[0] - b.Min[0])
	h := (b.Max[1]-b.Min[1])*c.scale + 2*c.pad + 30
	fmt.Fprintf(c.w, `<svg xmlns="http://www.w3.org/2000/svg" width="%.0f" height="%.0f" viewBox="0 0 %.0f %.0f" font-family="sans-serif" font-size="12">`+"\n", svgWidth, h, svgWidth, h)
	fmt.Fprintf(c.w, `<rect width="100%%" height="100%%" fill="white"/>`+"\n")
	c.clipped(func() { c.neighbours(d.Neighbours) })
	c.polygon(d.Stored, `fill="#f2efe6" stroke="black" stroke-width="1.5"`, "stored")
	c.polygon(d.Report.Measured, `fill="none" stroke="#1f5fbf" stroke-width="1.5" stroke-dasharray="6 3"`, "measured")
	c.failingEdges(d.Report)
	c.vertexLabels(d.Report)
	c.scaleBar(h)
	c.northArrow()
	fmt.Fprintf(c.w, `<text x="%.0f" y="20" font-size="14">plot %s: %s (%s, 1:%d)</text>`+"\n", c.pad, esc(d.Report.Plot.String()), esc(string(d.Report.Verdict)), esc(d.Report.Profile), d.Report.Scale)
	c.w.WriteString("</svg>\n")
	_, err := io.WriteString(w, c.w.String())
	return err
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
		x, y := c.xy(n.Geometry.Bound().Center())
		fmt.Fprintf(c.w, `<text class="neighbour-label" x="%.1f" y="%.1f" fill="#666" text-anchor="middle">%d</text>`+"\n", x, y, n.Key.Plot)
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
		fmt.Fprintf(c.w, `<line class="failing-edge" x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#d62728" stroke-width="4"><title>edge %d-%d: %+.3f m, allowed %.3f m</title></line>`+"\n",
			x1, y1, x2, y2, e.From, e.To, e.Difference, e.Allowed)
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
	}
	for _, u := range r.Unmatched {
		x, y := c.xy(orb.Point(u.XY))
		color := "#1f5fbf"
		if !u.Collinear {
			color = "#d62728"
		}
		fmt.Fprintf(c.w, `<circle class="unmatched" cx="%.1f" cy="%.1f" r="5" fill="none" stroke="%s" stroke-width="2"/><text x="%.1f" y="%.1f" fill="%s">%s</text>`+"\n", x, y, color, x+6, y-6, color, esc(u.Vertex))
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
	x := svgWidth - c.pad
	fmt.Fprintf(c.w, `<g class="north-arrow"><path d="M%.1f 30 L%.1f 60 L%.1f 52 L%.1f 60 Z" fill="black"/><text x="%.1f" y="75" text-anchor="middle">N</text></g>`+"\n",
		x, x-8, x, x+8, x)
}
