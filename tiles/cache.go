package tiles

import (
	"container/list"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sync"
	"sync/atomic"

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

// Tile is a rendered tile as the cache hands it out.
type Tile struct {
	Data     []byte // gzip-compressed MVT; never modified once cached
	ETag     string // strong validator of Data (quoted)
	Features int
	Dropped  int  // features left out by the size budget
	Cached   bool // served from the cache
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

	mu      sync.Mutex // guards what follows
	lru     list.List  // of *entry, most recent first
	items   map[Key]*list.Element
	size    int64
	epoch   uint64
	flights map[flightKey]*flight
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
	key  Key
	tile Tile
}

type flightKey struct {
	key   Key
	epoch uint64
}

// flight is one render in progress that concurrent requests of the same
// tile wait for, instead of rendering it again.
type flight struct {
	done chan struct{}
	tile Tile
	err  error
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
	c := &Cache{ix: ix, r: NewRenderer(o.Render), max: o.MaxBytes, reg: o.Registry,
		items: map[Key]*list.Element{}, flights: map[flightKey]*flight{}}
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
// is held.
func (c *Cache) adoptLocked() *state {
	c.epoch++
	st := &state{snap: c.ix.Snapshot(), epoch: c.epoch, opt: c.r.opt}
	c.st.Store(st)
	return st
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
// it belongs to. Concurrent requests of a missing tile wait for one render.
func (c *Cache) Tile(ctx context.Context, l Layer, t maptile.Tile) (Tile, string, error) {
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
		tile := e.Value.(*entry).tile
		c.mu.Unlock()
		c.m.hits.Inc()
		tile.Cached = true
		return tile, st.Version(), nil
	}
	c.m.misses.Inc()
	fk := flightKey{key: k, epoch: st.epoch}
	if f, ok := c.flights[fk]; ok {
		c.mu.Unlock()
		select {
		case <-f.done:
			return f.tile, st.Version(), f.err
		case <-ctx.Done():
			return Tile{}, "", ctx.Err()
		}
	}
	f := &flight{done: make(chan struct{})}
	c.flights[fk] = f
	c.mu.Unlock()
	c.fly(f, fk, st, t)
	return f.tile, st.Version(), f.err
}

// fly renders the tile of a flight and stores it, unless an invalidation
// came in between (the render may then show the old state).
func (c *Cache) fly(f *flight, fk flightKey, st *state, t maptile.Tile) {
	defer close(f.done)
	defer func() {
		if v := recover(); v != nil {
			f.err = fmt.Errorf("tiles: render %s %d/%d/%d: panic: %v", fk.key.Layer, t.Z, t.X, t.Y, v)
		}
		c.mu.Lock()
		delete(c.flights, fk)
		if f.err == nil && c.st.Load() == st {
			c.addLocked(fk.key, f.tile)
		}
		c.mu.Unlock()
	}()
	data, stats, err := c.r.Render(st.snap, fk.key.Layer, t)
	if err != nil {
		f.err = err
		return
	}
	layer := fk.key.Layer.String()
	c.m.rendered.WithLabelValues(layer).Inc()
	c.m.renderTime.WithLabelValues(layer).Observe(stats.Took.Seconds())
	c.m.dropped.WithLabelValues("budget").Add(float64(stats.Dropped))
	c.m.dropped.WithLabelValues("collapsed").Add(float64(stats.Collapsed))
	sum := sha256.Sum256(data)
	f.tile = Tile{Data: data, ETag: `"` + hex.EncodeToString(sum[:16]) + `"`, Features: stats.Features, Dropped: stats.Dropped}
}

// addLocked caches a tile and evicts the least recently used ones beyond
// the budget; c.mu is held.
func (c *Cache) addLocked(k Key, t Tile) {
	if e, ok := c.items[k]; ok {
		c.removeLocked(e)
	}
	c.items[k] = c.lru.PushFront(&entry{key: k, tile: t})
	c.size += int64(len(t.Data)) + entryOverhead
	for c.size > c.max && c.lru.Len() > 1 {
		c.removeLocked(c.lru.Back())
		c.m.evictions.Inc()
	}
}

func (c *Cache) removeLocked(e *list.Element) {
	en := e.Value.(*entry)
	c.lru.Remove(e)
	delete(c.items, en.key)
	c.size -= int64(len(en.tile.Data)) + entryOverhead
}
