package tiles

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"sync"

	"github.com/klauspost/compress/gzip"
)

// The tile is written straight in the protobuf wire format of
// vector_tile.proto (spec 2.1) while the features are made: building
// gogo-protobuf structs for thousands of features and marshalling them
// (orb's mvt.Marshal) took 40 % of a render. orb's decoder reads the
// result back in the tests, and @mapbox/vector-tile in the Node test.

// Geometry commands of the spec (4.3.3) and geometry types (4.3.4).
const (
	cmdMoveTo    = 1
	cmdLineTo    = 2
	cmdClosePath = 7

	typePoint   = 1
	typePolygon = 3
)

func command(id, count uint32) uint64 { return uint64(id&7 | count<<3) }

func zigzag(v int64) uint64 { return uint64((v << 1) ^ (v >> 63)) }

// geomWriter writes geometry commands as packed varints, with the cursor
// the spec carries from one command to the next inside a feature.
type geomWriter struct {
	b      []byte
	cx, cy int64
}

func (g *geomWriter) reset() { g.b, g.cx, g.cy = g.b[:0], 0, 0 }

func (g *geomWriter) moveTo(p pt) {
	g.b = appendVarint(g.b, command(cmdMoveTo, 1))
	g.b = appendVarint(g.b, zigzag(p.x-g.cx))
	g.b = appendVarint(g.b, zigzag(p.y-g.cy))
	g.cx, g.cy = p.x, p.y
}

// ring writes MoveTo, LineTo (len-1 points) and ClosePath for an open
// ring of at least three points.
func (g *geomWriter) ring(r []pt) {
	g.moveTo(r[0])
	g.b = appendVarint(g.b, command(cmdLineTo, uint32(len(r)-1)))
	for _, p := range r[1:] {
		g.b = appendVarint(g.b, zigzag(p.x-g.cx))
		g.b = appendVarint(g.b, zigzag(p.y-g.cy))
		g.cx, g.cy = p.x, p.y
	}
	g.b = appendVarint(g.b, command(cmdClosePath, 1))
}

// layerBuf accumulates one MVT layer: its features and values, already
// encoded. Strings (unit, commune, land-use codes: few per tile) are
// shared between features; numbers are not (the spec allows repeated
// values, and most numbers, areas and plot numbers, are unique anyway).
type layerBuf struct {
	spec  *layerSpec
	feats []byte
	vals  []byte
	nvals uint32
	strs  map[string]uint32
	ints  map[int64]uint32
	dbls  map[float64]uint32
	tags  []uint32
	n     int // features
}

func (l *layerBuf) reset(spec *layerSpec) {
	l.spec, l.feats, l.vals, l.nvals, l.tags, l.n = spec, l.feats[:0], l.vals[:0], 0, l.tags[:0], 0
	if l.strs == nil {
		l.strs, l.ints, l.dbls = map[string]uint32{}, map[int64]uint32{}, map[float64]uint32{}
	}
	clear(l.strs)
	clear(l.ints)
	clear(l.dbls)
}

// str tags field k with a string value.
func (l *layerBuf) str(k int, s string) {
	i, ok := l.strs[s]
	if !ok {
		i = l.nvals
		l.nvals++
		l.strs[s] = i
		l.vals = appendVarint(l.vals, 4<<3|2)
		l.vals = appendVarint(l.vals, uint64(1+varintLen(uint64(len(s)))+len(s)))
		l.vals = appendString(l.vals, 1, s)
	}
	l.tags = append(l.tags, uint32(k), i)
}

// int tags field k with a sint64 value.
func (l *layerBuf) int(k int, v int64) {
	if i, ok := l.ints[v]; ok {
		l.tags = append(l.tags, uint32(k), i)
		return
	}
	l.ints[v] = l.nvals
	z := zigzag(v)
	l.vals = appendVarint(l.vals, 4<<3|2)
	l.vals = appendVarint(l.vals, uint64(1+varintLen(z)))
	l.vals = appendVarint(l.vals, 6<<3)
	l.vals = appendVarint(l.vals, z)
	l.tags = append(l.tags, uint32(k), l.nvals)
	l.nvals++
}

// double tags field k with a double value.
func (l *layerBuf) double(k int, d float64) {
	if i, ok := l.dbls[d]; ok {
		l.tags = append(l.tags, uint32(k), i)
		return
	}
	l.dbls[d] = l.nvals
	l.vals = append(l.vals, 4<<3|2, 9, 3<<3|1)
	l.vals = binary.LittleEndian.AppendUint64(l.vals, math.Float64bits(d))
	l.tags = append(l.tags, uint32(k), l.nvals)
	l.nvals++
}

// feature writes a Feature message with the tags gathered since the last
// one and the given geometry.
func (l *layerBuf) feature(id uint64, typ int, geom []byte) {
	tagBytes := 0
	for _, t := range l.tags {
		tagBytes += varintLen(uint64(t))
	}
	size := 2 + 1 + varintLen(uint64(len(geom))) + len(geom) // type, geometry
	if id != 0 {
		size += 1 + varintLen(id)
	}
	if len(l.tags) > 0 {
		size += 1 + varintLen(uint64(tagBytes)) + tagBytes
	}
	b := appendVarint(l.feats, 2<<3|2)
	b = appendVarint(b, uint64(size))
	if id != 0 {
		b = appendVarintField(b, 1, id)
	}
	if len(l.tags) > 0 {
		b = append(b, 2<<3|2)
		b = appendVarint(b, uint64(tagBytes))
		for _, t := range l.tags {
			b = appendVarint(b, uint64(t))
		}
	}
	b = appendVarintField(b, 3, uint64(typ))
	b = append(b, 4<<3|2)
	b = appendVarint(b, uint64(len(geom)))
	l.feats = append(b, geom...)
	l.tags = l.tags[:0]
	l.n++
}

// appendTo writes the Layer message as field 3 of the Tile.
func (l *layerBuf) appendTo(b []byte) []byte {
	size := 1 + varintLen(uint64(len(l.spec.name))) + len(l.spec.name) + len(l.feats) + len(l.vals) + 2 +
		varintLen(uint64(l.spec.extent)) + varintLen(uint64(l.spec.version))
	for _, f := range l.spec.fields {
		size += 1 + varintLen(uint64(len(f.Name))) + len(f.Name)
	}
	b = appendVarint(b, 3<<3|2)
	b = appendVarint(b, uint64(size))
	b = appendString(b, 1, l.spec.name)
	b = append(b, l.feats...)
	for _, f := range l.spec.fields {
		b = appendString(b, 3, f.Name)
	}
	b = append(b, l.vals...)
	b = appendVarintField(b, 5, uint64(l.spec.extent))
	return appendVarintField(b, 15, uint64(l.spec.version))
}

func appendVarint(b []byte, v uint64) []byte {
	for v >= 0x80 {
		b = append(b, byte(v)|0x80)
		v >>= 7
	}
	return append(b, byte(v))
}

func appendVarintField(b []byte, field int, v uint64) []byte {
	return appendVarint(appendVarint(b, uint64(field)<<3), v)
}

func appendString(b []byte, field int, s string) []byte {
	b = appendVarint(b, uint64(field)<<3|2)
	b = appendVarint(b, uint64(len(s)))
	return append(b, s...)
}

func varintLen(v uint64) int {
	n := 1
	for v >= 0x80 {
		v >>= 7
		n++
	}
	return n
}

// gzipper compresses tiles with pooled writers and buffers at gzip's
// fastest level: on a miss the compression is part of the answer's
// latency, and level 1 costs half of the default level for tiles about
// 14 % larger. The level is fixed, so the compressed size the budget rule
// measures is reproducible.
type gzipper struct{ pool sync.Pool }

type gzState struct {
	w   *gzip.Writer
	buf bytes.Buffer
}

// compress returns the gzip stream of raw in a new slice of its exact
// size (a growing output buffer was zeroed again at every render).
func (g *gzipper) compress(raw []byte) ([]byte, error) {
	st, _ := g.pool.Get().(*gzState)
	if st == nil {
		st = &gzState{}
		var err error
		if st.w, err = gzip.NewWriterLevel(&st.buf, gzip.BestSpeed); err != nil {
			return nil, err
		}
	}
	defer g.pool.Put(st)
	st.buf.Reset()
	st.w.Reset(&st.buf)
	if _, err := st.w.Write(raw); err != nil {
		return nil, fmt.Errorf("tiles: gzip: %w", err)
	}
	if err := st.w.Close(); err != nil {
		return nil, fmt.Errorf("tiles: gzip: %w", err)
	}
	return bytes.Clone(st.buf.Bytes()), nil
}
