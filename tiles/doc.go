// Package tiles renders Mapbox vector tiles (spec 2.1) of the cadastral map
// from an in-memory index snapshot, and caches them. It is pure: a snapshot
// and a tile address in, bytes out; no database, no HTTP types.
//
// # Tilesets and layers
//
// A tileset (the {layer} of the URL) groups MVT layers:
//
//	plots     layers "plots" (polygons) and "plot_labels" (one point per plot)
//	sheets    layer "sheets" (sheet frames)
//	cadastre  all three
//
// Every tile is 4096 units wide with a 64-unit buffer, clipped to the
// buffer; exterior rings have a positive area in tile coordinates (spec
// 2.1, 4.3.4.4), holes a negative one. Attributes are typed: numbers stay
// numbers (sint for integers, double for areas), so a client can filter on
// them.
//
// # Low zoom policy
//
// Nothing is silently cut, and the first view of a commune is not empty
// (docs/tiles.md, overview.go):
//
//   - plots: whole from Options.PlotsMinZoom (14), with plot_labels. From
//     Options.OverviewMinZoom (12) to z13 a tile holds every plot, without
//     labels, while they all fit the size budget (a commune fits); else the
//     layers landuse (plots dissolved by land-use legend group) and
//     communes (dissolved by commune, with names) instead. Below z12 the
//     cadastre tileset shows the sheet frames only.
//   - sheets: from Options.SheetsMinZoom (10). Below it nothing: a z9 tile
//     of a province would hold tens of thousands of frames.
//
// TileJSON announces these zooms (cadastre:low_zoom and each layer's
// range), so clients do not ask below them; if they do, they get a valid
// tile with empty layers.
//
// # Simplification that keeps borders shared
//
// Every vertex is mapped on its own, independently of the plot it belongs
// to and of the tile being drawn: plane -> Web Mercator (Projector, a fixed
// per-zone interpolation grid) -> a global fixed-point grid (geom.go) ->
// the pixel grid of the zoom (4096 units per tile), rounded to the nearest
// unit. Equal input vertices thus
// give equal output vertices, so a border shared by two plots comes out
// identical for both. Then repeated points and back-and-forth spikes are
// removed (both depend only on the vertex sequence, which a shared border
// has in common, reversed). A ring left with less than three points or zero
// area is dropped and counted (Stats.Collapsed); when its exterior ring
// collapses the whole polygon goes. Collinear points are kept on purpose:
// removing one on a junction of three plots would make one neighbour's
// border differ from the other's.
//
// # Size budget
//
// A tile may not exceed Options.Budget bytes gzip-compressed (500 KB). When
// it does, features are dropped in a fixed order until it fits: first the
// label points, then plots, then sheets; inside each group the smallest
// area first, ties by key. How many is predicted from each feature's
// encoded size and checked by rendering again (see renderCtx.finish). The
// number dropped is in Stats.Dropped (and the X-Tile-Dropped-Features
// header and a metric). The same data always drops the same features. In
// the generated provinces only z14 tiles of town centres reach the budget.
//
// # Encoding and speed
//
// The MVT protobuf is written directly (encode.go) rather than through
// orb's mvt.Marshal, and render state is pooled. A Cache renders from a
// tile-ready copy of the plots (prepared.go, store.go: vertices already on
// the global grid, attributes as numbers, lists of plots per z14 tile)
// built in the background; Renderer.Render prepares each plot on the fly
// with the same code, so both give the same bytes. A tile is rendered
// raw: compressing it costs as much as drawing it, so a tile's first
// request gets it raw and uncached, and its second renders, compresses and
// caches it (see Tile); only a tile that might exceed the budget is
// compressed at render. See BENCHMARKS.md for the figures.
// orb is used for geometry types, tile math (maptile) and, in the tests,
// for decoding. orb's clip and simplify packages are not used: their
// Douglas-Peucker would simplify a shared border differently for each
// neighbour, and the clipping here works on integer tile units with
// intersection points computed from the segment's end points in a fixed
// order, so both neighbours get the same point.
package tiles
