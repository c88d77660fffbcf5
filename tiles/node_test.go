package tiles

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/maptile"

	"cadastre/sampledata"
	"cadastre/spatial"
	"cadastre/spatial/crs"
	"cadastre/spatial/index"
)

// The Node test (web/tiletest) decodes tiles with decoders we did not
// write. This side renders a sample of tiles of every zoom from the
// committed sample and writes, beside them, what the stored plots say each
// tile must hold: attributes from the plots themselves and vertices
// projected on the exact path, unrounded.

type nodeManifest struct {
	Tiles []nodeTile `json:"tiles"`
}

type nodeTile struct {
	File   string                `json:"file"`
	Layer  string                `json:"layer"`
	Z      int                   `json:"z"`
	X      int                   `json:"x"`
	Y      int                   `json:"y"`
	Plots  map[string]nodeExpect `json:"plots"`  // by feature id
	Sheets map[string]nodeExpect `json:"sheets"` // by feature id
}

type nodeExpect struct {
	Props    map[string]any `json:"props"`
	Vertices [][2]float64   `json:"vertices"`          // plots: every vertex; sheets: the frame corners
	Outline  [][2]float64   `json:"outline,omitempty"` // sheets: the frame, a point every 10 m
	Label    *[2]float64    `json:"label,omitempty"`   // the label point, when in the tile (±1 unit)
}

// batchSource feeds an index from a batch.
type batchSource struct{ b *spatial.Batch }

func (s batchSource) EachPlot(_ context.Context, fn func(*spatial.Plot) error) error {
	for _, p := range s.b.Plots {
		if err := fn(p); err != nil {
			return err
		}
	}
	return nil
}

func (s batchSource) Sheets(context.Context, string) ([]*spatial.Sheet, error) {
	return s.b.Sheets, nil
}

func TestNodeDecodes(t *testing.T) {
	node, dir := nodeSetup(t)
	b, err := sampledata.Sample()
	if err != nil {
		t.Fatal(err)
	}
	ix := index.New()
	if _, err := ix.Build(context.Background(), batchSource{b}, quiet); err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	m := writeNodeTiles(t, b, ix.Snapshot(), out)
	data, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(out, "manifest.json"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(node, "--test", "--test-reporter=spec", "tiles.test.js")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "TILE_DIR="+out)
	res, err := cmd.CombinedOutput()
	t.Logf("node --test (%d tiles):\n%s", len(m.Tiles), res)
	if err != nil {
		t.Fatalf("node test failed: %v", err)
	}
}

// nodeSetup finds node and the installed test packages, skipping loudly
// (failing when CADASTRE_REQUIRE_NODE is set) when either is missing.
func nodeSetup(t *testing.T) (node, dir string) {
	dir, err := filepath.Abs("../web/tiletest")
	if err != nil {
		t.Fatal(err)
	}
	node, err = exec.LookPath("node")
	missing := ""
	switch {
	case err != nil:
		missing = "node not found"
	case !exists(filepath.Join(dir, "node_modules", "@mapbox", "vector-tile")):
		missing = "web/tiletest/node_modules missing (run `make test` or `npm ci` in web/tiletest)"
	}
	if missing != "" {
		if os.Getenv("CADASTRE_REQUIRE_NODE") != "" {
			t.Fatalf("Node tile test required (CADASTRE_REQUIRE_NODE set): %s", missing)
		}
		t.Skipf("*** Node tile test skipped: %s. Set CADASTRE_REQUIRE_NODE=1 to require it.", missing)
	}
	return node, dir
}

func exists(p string) bool { _, err := os.Stat(p); return err == nil }

// writeNodeTiles renders tiles of every zoom: for the plots from 14 to 22
// (the tile of the sample's centre and of two random plots), for the
// cadastre tileset from 10 to 15.
func writeNodeTiles(t *testing.T, b *spatial.Batch, snap *index.Snapshot, dir string) nodeManifest {
	seed := rand.Uint64()
	t.Logf("tile sample seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 3))
	r := NewRenderer(DefaultOptions())
	var m nodeManifest
	for z := 10; z <= 22; z++ {
		layers := []Layer{Plots}
		if z < 14 {
			layers = []Layer{Cadastre}
		} else if z <= 15 {
			layers = []Layer{Plots, Cadastre}
		}
		for i, p := range []*spatial.Plot{b.Plots[len(b.Plots)/2], b.Plots[rng.IntN(len(b.Plots))], b.Plots[rng.IntN(len(b.Plots))]} {
			lp, _ := LabelPoint(p.Geometry)
			zone, _ := crs.ZoneByEPSG(p.EPSG)
			lon, lat := zone.ToWGS84(lp[0], lp[1])
			tile := maptile.At(orb.Point{lon, lat}, maptile.Zoom(z))
			for _, l := range layers {
				gz, _, err := r.Render(snap, l, tile)
				if err != nil {
					t.Fatal(err)
				}
				name := fmt.Sprintf("%s-%d-%d.mvt.gz", l, z, i)
				if err := os.WriteFile(filepath.Join(dir, name), gz, 0o644); err != nil {
					t.Fatal(err)
				}
				m.Tiles = append(m.Tiles, expectTile(name, l, tile, b, r.Options()))
			}
		}
	}
	return m
}

// expectTile lists the plots and sheets whose vertices come near the
// buffered tile, with their stored attributes.
func expectTile(name string, l Layer, tile maptile.Tile, b *spatial.Batch, o Options) nodeTile {
	nt := nodeTile{File: name, Layer: l.String(), Z: int(tile.Z), X: int(tile.X), Y: int(tile.Y),
		Plots: map[string]nodeExpect{}, Sheets: map[string]nodeExpect{}}
	units := func(epsg int, p orb.Point) [2]float64 {
		x, y, _ := Exact(int32(epsg), p[0], p[1])
		f := newFrame(tile)
		return [2]float64{(x+halfWorld)*f.scale() - float64(f.ox), (halfWorld-y)*f.scale() - float64(f.oy)}
	}
	if l.hasPlots() && int(tile.Z) >= o.PlotsMinZoom {
		for _, p := range b.Plots {
			if e, ok := expectPlot(p, units); ok {
				nt.Plots[strconv.FormatUint(plotID(p.Key), 10)] = e
			}
		}
	}
	if l.hasSheets() && int(tile.Z) >= o.SheetsMinZoom {
		for _, s := range b.Sheets {
			e := nodeExpect{Props: map[string]any{"unit": s.Key.Unit, "sheet": s.Key.Number, "grid_number": s.GridNumber,
				"scale": int(s.Scale), "epsg": s.EPSG, "off_grid": s.OffGrid}}
			for _, c := range s.Frame[0][0] {
				e.Vertices = append(e.Vertices, units(s.EPSG, c))
			}
			// The frame's edges are straight on the plane, curved on the
			// map: the tile must follow the curve.
			for _, c := range densify(s.Frame[0], 10)[0] {
				e.Outline = append(e.Outline, units(s.EPSG, c))
			}
			nt.Sheets[strconv.FormatUint(sheetID(s.Key), 10)] = e
		}
	}
	return nt
}

// expectPlot returns what the tile must show of a plot, and whether the
// plot's box comes near the buffered tile.
func expectPlot(p *spatial.Plot, units func(int, orb.Point) [2]float64) (nodeExpect, bool) {
	e := nodeExpect{Props: map[string]any{"unit": p.Key.Unit, "sheet": p.Key.Sheet, "plot": p.Key.Plot, "commune": p.Commune,
		"land_use": strings.Join(p.LandUse, "+"), "area": p.Area, "version": p.Version.Version}}
	if p.LegalArea != 0 {
		e.Props["legal_area"] = p.LegalArea
	}
	first := units(p.EPSG, p.Geometry[0][0][0])
	box := orb.Bound{Min: first, Max: first}
	for _, poly := range p.Geometry {
		for _, r := range poly {
			for _, v := range r {
				u := units(p.EPSG, v)
				e.Vertices = append(e.Vertices, u)
				box = box.Extend(u)
			}
		}
	}
	if lp, ok := LabelPoint(p.Geometry); ok {
		if u := units(p.EPSG, lp); u[0] >= -1 && u[1] >= -1 && u[0] <= Extent+1 && u[1] <= Extent+1 {
			e.Label = &u
		}
	}
	return e, box.Intersects(orb.Bound{Min: orb.Point{lo - 2, lo - 2}, Max: orb.Point{hi + 2, hi + 2}})
}
