package tiles

import (
	"bytes"
	"compress/gzip"
	"container/list"
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/paulmach/orb/maptile"
	"github.com/prometheus/client_golang/prometheus"

	"cadastre/spatial"
	"cadastre/spatial/index"
)

// CacheOptions configures a Cache.
type CacheOptions struct {
	MaxBytes int64                // byte budget of the cached tiles (default 256 MiB)
	Render   Options              // rendering options
	Registry *prometheus.Registry // where the metrics go; nil: a new registry
	// NoPrepare renders every tile from the snapshot instead of a
	// tile-ready copy of the plots (about 180 bytes a plot, built in the
	// background when the index is ready): slower renders, less memory.
	NoPrepare bool
}

// DefaultCacheBytes is the default byte budget of a Cache.
const DefaultCacheBytes = 256 << 20

// entryOverhead approximates the memory of a cache entry beyond its bytes
// (list element, map slot, key, ETag string).
const entryOverhead = 200

// Key addresses a cached tile.
type Key struct {
	Layer Layer
	Z     uint8
	X, Y  uint32
}

// Tile is a rendered tile as the cache hands it out: raw MVT or
// gzip-compressed.
//
// A tile enters the cache on its second request, not its first: most
// tiles of a large map are asked for once (a first visit), and caching
// them would fill the cache with tiles nobody asks for again and cost
// fresh memory for every one (retained memory grows the heap page by page:
// on this benchmark's machine, faulting in a 57 KB tile cost as much as
// half its render). Every render for a client that accepts gzip is
// compressed at gzip's fastest level, the first request's included (its
// client waits for it, and the bytes cross the network). The second
// request renders the tile again and caches it; the cache then replaces
// it in the background by the same tile compressed at gzip's best level,
// if smaller (ETag "H-gz" for that form, "H-gz1" for the fast one, named
// by AltETag once replaced: either stays current). Later clients get it
// from the cache, compressed (a cached raw tile, cached for a client
// without gzip, is compressed on its first hit from one with it). A small
// direct-mapped table remembers which tiles were asked for. A tile too
// large to know that it fits the budget without compressing it is
// compressed at render (see Renderer.Render).
type Tile struct {
	Data         []byte // the tile, raw MVT or gzip-compressed (Gzip); never modified once cached
	Gzip         bool   // Data is gzip-compressed
	ETag         string // strong validator of the gzip-compressed form (quoted)
	AltETag      string // the other compressed form's validator, equally current ("" if none)
	IdentityETag string // strong validator of the raw form (quoted)
	Features     int
	Dropped      int  // features left out by the size budget
	Cached       bool // served from the cache

	release func() // gives Data back to the cache's buffers (a tile rendered for one request); nil otherwise
}

// Release lets the cache reuse the memory of a tile rendered for one
// request only (its first request, see Tile): call it once the tile is
// written, and use Data no more. It does nothing for other tiles. Not
// calling it is safe: the memory is then left to the garbage collector.
func (t Tile) Release() {
	if t.release != nil {
		t.release()
	}
}

// MVT returns the raw tile, inflating it if it is compressed.
func (t Tile) MVT() ([]byte, error) {
	if !t.Gzip {
		return t.Data, nil
	}
	return inflate(t.Data)
}

// Cache renders tiles from the index and keeps them in memory under a
// byte budget, least recently used out first. It serves one consistent
// state of the data: the snapshot it adopted when the index became ready
// or at the last invalidation. Writers must therefore call Invalidate
// after every Index.Apply: until then tiles show the state before the
// write, and the data version does not change. It is safe for concurrent
// use.
type Cache struct {
	ix  *index.Index
	r   *Renderer
	max int64
	reg *prometheus.Registry
	m   *metrics

	writeMu sync.Mutex // serialises the invalidations
	st      atomic.Pointer[state]
	store   atomic.Pointer[plotStore] // tile-ready plots; nil until the first snapshot is adopted
	noStore bool                      // render every tile from the snapshot (CacheOptions.NoPrepare)

	mu      sync.Mutex // guards what follows
	lru     list.List  // of *entry, most recent first
	items   map[Key]*list.Element
	size    int64
	epoch   uint64
	flights map[flightKey]*flight
	seen    []uint64 // tiles asked for once: packed key + 1, direct-mapped (see Tile)

	bufs sync.Pool // of *[]byte: the tiles of first requests, reused once written (Tile.Release)

	best      gzipper       // gzip's best level, for cached tiles
	improving chan struct{} // a token while a cached tile is being compressed better
}

// state is the adopted snapshot, the epoch of its adoption and its data
// version (computed on first use).
type state struct {
	snap    *index.Snapshot
	epoch   uint64
	once    sync.Once
	version string
	opt     Options
}

// Version returns the data version: a fingerprint of every plot and sheet
// (key and version, frame) and of the rendering options.
func (s *state) Version() string {
	s.once.Do(func() { s.version = fingerprint(s.snap, s.opt) })
	return s.version
}

type entry struct {
	key         Key
	tile        Tile
	compressing bool // a hit is compressing the tile (guarded by Cache.mu)
}

type flightKey struct {
	key   Key
	epoch uint64
}

// flight is one render in progress that concurrent requests of the same
// tile wait for, instead of rendering it again.
type flight struct {
	done    chan struct{}
	admit   bool   // cache the tile (its second request)
	gzip    bool   // compress it before caching (the client accepts gzip)
	tile    Tile   // the renderer's (in a reused buffer unless admitted)
	raw     []byte // the raw tile of an admitted compressed tile, to compress better
	waiters int    // requests waiting for it (guarded by Cache.mu)
	shared  Tile   // what the waiters get: tile, in memory of its own
	err     error
}

// seenSlots is the size of the table of tiles asked for once (2 MiB): a
// tile whose slot another took meanwhile waits for a third request.
const seenSlots = 1 << 18

// seenLocked reports whether a tile was asked for before, and remembers
// it; c.mu is held.
func (c *Cache) seenLocked(k Key) bool {
	packed := uint64(k.Layer)<<58 | uint64(k.Z)<<52 | uint64(k.X)<<26 | uint64(k.Y)
	if k.Z > 25 { // x and y take more than 26 bits: no room in packed
		return true
	}
	if c.seen == nil {
		c.seen = make([]uint64, seenSlots)
	}
	slot := &c.seen[mix(packed)&(seenSlots-1)]
	if *slot == packed+1 {
		return true
	}
	*slot = packed + 1
	return false
}

// NewCache returns a cache of tiles rendered from ix, with its metrics
// registered on o.Registry.
func NewCache(ix *index.Index, o CacheOptions) (*Cache, error) {
	if o.MaxBytes <= 0 {
		o.MaxBytes = DefaultCacheBytes
	}
	if o.Registry == nil {
		o.Registry = prometheus.NewRegistry()
	}
	c := &Cache{ix: ix, r: NewRenderer(o.Render), max: o.MaxBytes, reg: o.Registry, noStore: o.NoPrepare,
		items: map[Key]*list.Element{}, flights: map[flightKey]*flight{},
		best: gzipper{level: gzip.BestCompression}, improving: make(chan struct{}, 1)}
	m, err := newMetrics(o.Registry, c)
	if err != nil {
		return nil, fmt.Errorf("tiles: register metrics: %w", err)
	}
	c.m = m
	return c, nil
}

// Registry returns the registry holding the cache's metrics.
func (c *Cache) Registry() *prometheus.Registry { return c.reg }

// Options returns the rendering options in force.
func (c *Cache) Options() Options { return c.r.Options() }

// Size returns the number of cached tiles and their bytes.
func (c *Cache) Size() (n int, bytes int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.items), c.size
}

// CountServed adds n to the bytes-served metric (the HTTP layer knows
// what it wrote).
func (c *Cache) CountServed(n int) { c.m.served.Add(float64(n)) }

// current returns the adopted state, adopting the index's snapshot once
// it is built; KindUnavailable before.
func (c *Cache) current() (*state, error) {
	if st := c.st.Load(); st != nil {
		return st, nil
	}
	if !c.ix.Ready() {
		return nil, spatial.Errorf(spatial.KindUnavailable, "read model still loading")
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if st := c.st.Load(); st != nil {
		return st, nil
	}
	return c.adoptLocked(), nil
}

// adoptLocked makes the index's current snapshot the served state; c.mu
// is held. The first adoption starts building the tile-ready copy of its
// plots; later changes reach it through Invalidate.
func (c *Cache) adoptLocked() *state {
	c.epoch++
	st := &state{snap: c.ix.Snapshot(), epoch: c.epoch, opt: c.r.opt}
	c.st.Store(st)
	if !c.noStore && c.store.Load() == nil {
		s := newPlotStore(c.r.opt.PlotsMinZoom)
		c.store.Store(s)
		go s.build(st.snap, c.r.proj)
	}
	return st
}

// StoreStats describes the tile-ready copy of the plots: whether it is
// built, its plots, memory and build time.
func (c *Cache) StoreStats() StoreStats {
	if s := c.store.Load(); s != nil {
		return s.stats()
	}
	return StoreStats{}
}

// WaitPrepared waits until the tile-ready copy of the plots is built (it
// starts when the index is ready and the first tile is asked for).
func (c *Cache) WaitPrepared(ctx context.Context) error {
	if _, err := c.current(); err != nil {
		return err
	}
	for !c.StoreStats().Ready && !c.noStore {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
	return nil
}

// Render renders a tile of the served state as a miss does (from the
// tile-ready copy of the plots when it is built), without caching it, and
// returns its statistics; Bytes is its compressed size, compressed after
// Took was measured. For benchmarks.
func (c *Cache) Render(l Layer, t maptile.Tile) (Stats, error) {
	st, err := c.current()
	if err != nil {
		return Stats{}, err
	}
	out, err := c.r.render(c.source(st), l, t)
	if err != nil || out.gz != nil {
		return out.st, err
	}
	gz, err := c.r.gz.compress(out.raw)
	out.st.Bytes = len(gz)
	return out.st, err
}

func (c *Cache) source(st *state) source {
	return source{snap: st.snap, store: c.store.Load()}
}

// Version returns the data version of the served state; KindUnavailable
// while the index is loading.
func (c *Cache) Version() (string, error) {
	_, v, err := c.Current()
	return v, err
}

// Current returns the served snapshot and its data version;
// KindUnavailable while the index is loading.
func (c *Cache) Current() (*index.Snapshot, string, error) {
	st, err := c.current()
	if err != nil {
		return nil, "", err
	}
	return st.snap, st.Version(), nil
}

// Tile returns one tile, from the cache or rendered, and the data version
// it belongs to. Concurrent requests of a missing tile wait for one
// render. gzipOK says the client accepts gzip (see Tile for when tiles are
// cached and compressed).
func (c *Cache) Tile(ctx context.Context, l Layer, t maptile.Tile, gzipOK bool) (Tile, string, error) {
	if err := c.r.Check(t); err != nil {
		return Tile{}, "", err
	}
	if _, err := c.current(); err != nil {
		return Tile{}, "", err
	}
	k := Key{Layer: l, Z: uint8(t.Z), X: t.X, Y: t.Y}
	c.mu.Lock()
	st := c.st.Load() // under the lock: the cached tiles belong to it
	if e, ok := c.items[k]; ok {
		c.lru.MoveToFront(e)
		en := e.Value.(*entry)
		tile := en.tile
		compress := gzipOK && !tile.Gzip && !en.compressing
		en.compressing = en.compressing || compress
		c.mu.Unlock()
		c.m.hits.Inc()
		if compress {
			tile = c.compressEntry(e, tile)
		}
		tile.Cached = true
		return tile, st.Version(), nil
	}
	c.m.misses.Inc()
	admit := c.seenLocked(k)
	fk := flightKey{key: k, epoch: st.epoch}
	if f, ok := c.flights[fk]; ok {
		f.waiters++
		c.mu.Unlock()
		select {
		case <-f.done:
			return f.shared, st.Version(), f.err
		case <-ctx.Done():
			return Tile{}, "", ctx.Err()
		}
	}
	f := &flight{done: make(chan struct{}), admit: admit, gzip: gzipOK}
	c.flights[fk] = f
	c.mu.Unlock()
	c.fly(f, fk, st, t)
	return f.tile, st.Version(), f.err
}

// compressEntry compresses the raw tile of a cached entry, puts the
// compressed form in its place (if the entry is still cached) and returns
// it; on failure it returns the raw tile.
func (c *Cache) compressEntry(e *list.Element, raw Tile) Tile {
	gz, err := c.r.gz.compress(raw.Data)
	c.mu.Lock()
	defer c.mu.Unlock()
	en := e.Value.(*entry)
	en.compressing = false
	if err != nil {
		return raw
	}
	c.m.compressed.Inc()
	tile := raw
	tile.Data, tile.Gzip = gz, true
	if cur, ok := c.items[en.key]; ok && cur == e {
		c.size += int64(len(gz)) - int64(len(en.tile.Data))
		en.tile = tile
	}
	return tile
}

// fly renders the tile of a flight and, if the flight admits it, stores
// it, unless an invalidation came in between (the render may then show
// the old state).
func (c *Cache) fly(f *flight, fk flightKey, st *state, t maptile.Tile) {
	defer close(f.done)
	defer func() {
		if v := recover(); v != nil {
			f.err = fmt.Errorf("tiles: render %s %d/%d/%d: panic: %v", fk.key.Layer, t.Z, t.X, t.Y, v)
		}
		c.mu.Lock()
		delete(c.flights, fk) // no more waiters from now on
		if f.err == nil && f.admit && c.st.Load() == st {
			e := c.addLocked(fk.key, f.tile)
			if f.raw != nil {
				select {
				case c.improving <- struct{}{}:
					go c.improve(e, f.raw)
				default: // busy: the fast form stays
				}
			}
		}
		f.shared = f.tile
		if f.tile.release != nil && f.waiters > 0 {
			f.shared.Data, f.shared.release = bytes.Clone(f.tile.Data), nil
		}
		c.mu.Unlock()
	}()
	var buf *[]byte // a first request's tile goes out of a reused buffer: see Tile
	if !f.admit {
		buf, _ = c.bufs.Get().(*[]byte)
		if buf == nil {
			buf = new([]byte)
		}
	}
	var dst []byte
	if buf != nil {
		dst = *buf
	}
	out, err := c.r.renderInto(c.source(st), fk.key.Layer, t, dst)
	if err != nil {
		if buf != nil {
			c.bufs.Put(buf)
		}
		f.err = err
		return
	}
	stats := out.st
	layer := fk.key.Layer.String()
	c.m.rendered.WithLabelValues(layer).Inc()
	c.m.renderTime.WithLabelValues(layer).Observe(stats.Took.Seconds())
	c.m.dropped.WithLabelValues("budget").Add(float64(stats.Dropped))
	c.m.dropped.WithLabelValues("collapsed").Add(float64(stats.Collapsed))
	tag := fmt.Sprintf("%016x", out.sum)
	f.tile = Tile{Data: out.raw, ETag: `"` + tag + `-gz1"`, IdentityETag: `"` + tag + `"`, Features: stats.Features, Dropped: stats.Dropped}
	if out.gz == nil && f.gzip {
		if out.gz, err = c.r.gz.compress(out.raw); err != nil {
			f.err = err
			return
		}
	}
	if out.gz != nil {
		c.m.compressed.Inc()
		f.tile.Data, f.tile.Gzip = out.gz, true
		if f.admit {
			f.raw = out.raw
		}
	}
	if buf != nil {
		if out.gz != nil || cap(out.raw) > maxPooled {
			c.bufs.Put(buf) // not used for the answer
			return
		}
		*buf = out.raw[:0]
		var once sync.Once
		f.tile.release = func() { once.Do(func() { c.bufs.Put(buf) }) }
	}
}

// maxPooled bounds the buffers kept for first requests' tiles.
const maxPooled = 1 << 20

// addLocked caches a tile and evicts the least recently used ones beyond
// the budget; c.mu is held.
func (c *Cache) addLocked(k Key, t Tile) *list.Element {
	if e, ok := c.items[k]; ok {
		c.removeLocked(e)
	}
	e := c.lru.PushFront(&entry{key: k, tile: t})
	c.items[k] = e
	c.size += int64(len(t.Data)) + entryOverhead
	for c.size > c.max && c.lru.Len() > 1 {
		c.removeLocked(c.lru.Back())
		c.m.evictions.Inc()
	}
	return e
}

// improve compresses a cached tile at gzip's best level and, if that is
// smaller and the entry still cached, puts it in place of the fast form.
// It runs in the background, one at a time (c.improving).
func (c *Cache) improve(e *list.Element, raw []byte) {
	defer func() { <-c.improving }()
	gz, err := c.best.compress(raw)
	if err != nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	en := e.Value.(*entry)
	if cur, ok := c.items[en.key]; !ok || cur != e || !en.tile.Gzip || len(gz) >= len(en.tile.Data) {
		return
	}
	c.size += int64(len(gz)) - int64(len(en.tile.Data))
	t := en.tile
	t.Data, t.AltETag = gz, t.ETag
	t.ETag = strings.TrimSuffix(t.ETag, `1"`) + `"`
	en.tile = t
	c.m.improved.Inc()
}

func (c *Cache) removeLocked(e *list.Element) {
	en := e.Value.(*entry)
	c.lru.Remove(e)
	delete(c.items, en.key)
	c.size -= int64(len(en.tile.Data)) + entryOverhead
}
