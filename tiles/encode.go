package tiles

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"math/bits"
	"slices"
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
// ring of at least three points. The hottest loop of a render: the buffer
// is grown once for the worst case and written by index (putVarint),
// without append's length and capacity bookkeeping per byte.
func (g *geomWriter) ring(r []pt) {
	b := slices.Grow(g.b, 3*binary.MaxVarintLen64+2*binary.MaxVarintLen64*len(r))
	n := len(b)
	b = b[:cap(b)]
	cx, cy := g.cx, g.cy
	n = putVarint(b, n, command(cmdMoveTo, 1))
	n = putVarint(b, n, zigzag(r[0].x-cx))
	n = putVarint(b, n, zigzag(r[0].y-cy))
	cx, cy = r[0].x, r[0].y
	n = putVarint(b, n, command(cmdLineTo, uint32(len(r)-1)))
	for _, p := range r[1:] {
		n = putVarint(b, n, zigzag(p.x-cx))
		n = putVarint(b, n, zigzag(p.y-cy))
		cx, cy = p.x, p.y
	}
	b[n] = byte(command(cmdClosePath, 1))
	g.b = b[:n+1]
	g.cx, g.cy = cx, cy
}

// layerBuf accumulates one MVT layer: its features and values, already
// encoded. Values are shared between features: the last value of each
// field (and the last double, for a legal area equal to the measured one)
// is remembered, and hash tables find the others: a map for strings (few
// per tile), intTable for numbers.
type layerBuf struct {
	spec     *layerSpec
	feats    []byte
	vals     []byte
	nvals    uint32
	strs     map[string]uint32
	ints     intTable
	dbls     intTable    // by bits
	small    []smallSlot // values 0..smallInts-1, current when gen is smallGen
	sids     []smallSlot // string numbers (strID), current when gen is smallGen
	smallGen uint32
	memo     [8]memo   // last value of each field
	lastD    memo      // last double value written
	tags     []byte    // the next feature's tags, encoded (see tag)
	n        int       // features
	bools    [2]uint32 // value index of false and true, when boolSet
	boolSet  [2]bool
}

// memo is the last value given to a field and its index.
type memo struct {
	s   string
	v   int64
	i   uint32
	set bool
}

func (l *layerBuf) reset(spec *layerSpec) {
	l.spec, l.feats, l.vals, l.nvals, l.tags, l.n = spec, l.feats[:0], l.vals[:0], 0, l.tags[:0], 0
	if l.strs == nil {
		l.strs = map[string]uint32{}
	}
	clear(l.strs)
	l.ints.reset()
	l.dbls.reset()
	if l.smallGen++; l.smallGen == 1 || l.small == nil {
		l.small, l.smallGen = make([]smallSlot, smallInts), 1
		clear(l.sids)
	}
	l.memo, l.lastD = [8]memo{}, memo{}
	l.boolSet = [2]bool{}
}

// boolean tags field k with a bool value (MVT Value.bool_value, field 7).
func (l *layerBuf) boolean(k int, v bool) {
	b := 0
	if v {
		b = 1
	}
	if !l.boolSet[b] {
		l.vals = append(l.vals, 4<<3|2, 2, 7<<3, byte(b))
		l.bools[b], l.boolSet[b] = l.nvals, true
		l.nvals++
	}
	l.tag(k, l.bools[b])
}

// str tags field k with a string value.
func (l *layerBuf) str(k int, s string) {
	if m := &l.memo[k]; m.set && m.s == s {
		l.tag(k, m.i)
		return
	}
	i, ok := l.strs[s]
	if !ok {
		i = l.newStr(s)
	}
	l.memo[k] = memo{s: s, i: i, set: true}
	l.tag(k, i)
}

// strID tags field k with string number sid of strs (numbers of one
// table within a tile: equal numbers are equal strings).
func (l *layerBuf) strID(k int, sid int32, strs []string) {
	if m := &l.memo[k]; m.set && m.v == int64(sid) {
		l.tag(k, m.i)
		return
	}
	if int(sid) >= len(l.sids) {
		l.sids = append(l.sids, make([]smallSlot, int(sid)+1-len(l.sids)+64)...)
	}
	s := &l.sids[sid]
	if s.gen != l.smallGen {
		i, ok := l.strs[strs[sid]]
		if !ok {
			i = l.newStr(strs[sid])
		}
		*s = smallSlot{i: i, gen: l.smallGen}
	}
	l.memo[k] = memo{v: int64(sid), i: s.i, set: true}
	l.tag(k, s.i)
}

func (l *layerBuf) newStr(s string) uint32 {
	i := l.nvals
	l.nvals++
	l.strs[s] = i
	l.vals = appendVarint(l.vals, 4<<3|2)
	l.vals = appendVarint(l.vals, uint64(1+varintLen(uint64(len(s)))+len(s)))
	l.vals = appendString(l.vals, 1, s)
	return i
}

// int tags field k with a sint64 value, shared with other features.
// Small values (plot and sheet numbers, versions) are found in a direct
// array, others in a hash table.
func (l *layerBuf) int(k int, v int64) {
	if m := &l.memo[k]; m.set && m.v == v {
		l.tag(k, m.i)
		return
	}
	var i uint32
	if v >= 0 && v < smallInts {
		s := &l.small[v]
		if s.gen != l.smallGen {
			*s = smallSlot{i: l.newInt(v), gen: l.smallGen}
		}
		i = s.i
	} else {
		var ok bool
		if i, ok = l.ints.get(v); !ok {
			i = l.newInt(v)
			l.ints.put(v, i)
		}
	}
	l.memo[k] = memo{v: v, i: i, set: true}
	l.tag(k, i)
}

// smallInts bounds the values of layerBuf.small.
const smallInts = 4096

type smallSlot struct{ i, gen uint32 }

func (l *layerBuf) newInt(v int64) uint32 {
	z := zigzag(v)
	l.vals = appendVarint(l.vals, 4<<3|2)
	l.vals = appendVarint(l.vals, uint64(1+varintLen(z)))
	l.vals = appendVarint(l.vals, 6<<3)
	l.vals = appendVarint(l.vals, z)
	l.nvals++
	return l.nvals - 1
}

// double tags field k with a double value, shared with other features.
func (l *layerBuf) double(k int, d float64) {
	bits := int64(math.Float64bits(d))
	if l.lastD.set && l.lastD.v == bits {
		l.tag(k, l.lastD.i)
		return
	}
	i, ok := l.dbls.get(bits)
	if !ok {
		i = l.nvals
		l.nvals++
		l.dbls.put(bits, i)
		l.vals = append(l.vals, 4<<3|2, 9, 3<<3|1)
		l.vals = binary.LittleEndian.AppendUint64(l.vals, uint64(bits))
	}
	l.lastD = memo{v: bits, i: i, set: true}
	l.tag(k, i)
}

// tag adds the tag of field k (fields are fewer than 128: one byte) and
// value index i to the next feature, already encoded.
func (l *layerBuf) tag(k int, i uint32) {
	l.tags = appendVarint(append(l.tags, byte(k)), uint64(i))
}

// feature writes a Feature message with the tags gathered since the last
// one and the given geometry.
func (l *layerBuf) feature(id uint64, typ int, geom []byte) {
	size := 2 + 1 + varintLen(uint64(len(geom))) + len(geom) // type, geometry
	if id != 0 {
		size += 1 + varintLen(id)
	}
	if len(l.tags) > 0 {
		size += 1 + varintLen(uint64(len(l.tags))) + len(l.tags)
	}
	b := slices.Grow(l.feats, 1+varintLen(uint64(size))+size)
	b = appendVarint(b, 2<<3|2)
	b = appendVarint(b, uint64(size))
	if id != 0 {
		b = appendVarintField(b, 1, id)
	}
	if len(l.tags) > 0 {
		b = append(b, 2<<3|2)
		b = appendVarint(b, uint64(len(l.tags)))
		b = append(b, l.tags...)
	}
	b = appendVarintField(b, 3, uint64(typ))
	b = append(b, 4<<3|2)
	b = appendVarint(b, uint64(len(geom)))
	l.feats = append(b, geom...)
	l.tags = l.tags[:0]
	l.n++
}

// body returns the size of the Layer message.
func (l *layerBuf) body() int {
	size := 1 + varintLen(uint64(len(l.spec.name))) + len(l.spec.name) + len(l.feats) + len(l.vals) + 2 +
		varintLen(uint64(l.spec.extent)) + varintLen(uint64(l.spec.version))
	for _, f := range l.spec.fields {
		size += 1 + varintLen(uint64(len(f.Name))) + len(f.Name)
	}
	return size
}

// encodedLen returns the bytes appendTo writes.
func (l *layerBuf) encodedLen() int {
	n := l.body()
	return 1 + varintLen(uint64(n)) + n
}

// appendTo writes the Layer message as field 3 of the Tile.
func (l *layerBuf) appendTo(b []byte) []byte {
	b = appendVarint(b, 3<<3|2)
	b = appendVarint(b, uint64(l.body()))
	b = appendString(b, 1, l.spec.name)
	b = append(b, l.feats...)
	for _, f := range l.spec.fields {
		b = appendString(b, 3, f.Name)
	}
	b = append(b, l.vals...)
	b = appendVarintField(b, 5, uint64(l.spec.extent))
	return appendVarintField(b, 15, uint64(l.spec.version))
}

// intTable maps integer values to their index in a layer: open
// addressing with linear probing, emptied in O(1) by a generation count
// (a Go map costs about four times as much per lookup here).
type intTable struct {
	slots []intSlot
	shift uint // 64 - log2(len(slots)): the hash is the top bits of a product
	gen   uint32
	n     int
}

type intSlot struct {
	v   int64
	i   uint32
	gen uint32
}

func (t *intTable) reset() {
	t.gen++
	t.n = 0
	if t.gen == 0 || t.slots == nil {
		t.alloc(1024)
	}
}

func (t *intTable) alloc(n int) {
	t.slots, t.gen, t.n = make([]intSlot, n), 1, 0
	t.shift = uint(64 - bits.TrailingZeros(uint(n)))
}

// home is Fibonacci hashing: areas (float bits with zero low bits) and
// small integers both spread.
func (t *intTable) home(v int64) int {
	return int((uint64(v) * 0x9e3779b97f4a7c15) >> t.shift)
}

func (t *intTable) get(v int64) (uint32, bool) {
	for h := t.home(v); ; h = (h + 1) & (len(t.slots) - 1) {
		s := &t.slots[h]
		if s.gen != t.gen {
			return 0, false
		}
		if s.v == v {
			return s.i, true
		}
	}
}

func (t *intTable) put(v int64, i uint32) {
	if 2*(t.n+1) > len(t.slots) {
		old, gen := t.slots, t.gen
		t.alloc(2 * len(old))
		for _, s := range old {
			if s.gen == gen {
				t.put(s.v, s.i)
			}
		}
	}
	h := t.home(v)
	for t.slots[h].gen == t.gen {
		h = (h + 1) & (len(t.slots) - 1)
	}
	t.slots[h] = intSlot{v: v, i: i, gen: t.gen}
	t.n++
}

// putVarint writes v at b[i:], which has room for it, and returns the
// index after it.
func putVarint(b []byte, i int, v uint64) int {
	for v >= 0x80 {
		b[i] = byte(v) | 0x80
		v >>= 7
		i++
	}
	b[i] = byte(v)
	return i + 1
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

// inflate decompresses a gzip stream.
func inflate(b []byte) ([]byte, error) {
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("tiles: gunzip: %w", err)
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		return nil, fmt.Errorf("tiles: gunzip: %w", err)
	}
	return out, nil
}
