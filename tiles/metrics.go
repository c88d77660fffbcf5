package tiles

import (
	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the Prometheus collectors of a Cache, registered on the
// registry its owner passes in (no global registry).
type metrics struct {
	rendered    *prometheus.CounterVec
	renderTime  *prometheus.HistogramVec
	hits        prometheus.Counter
	misses      prometheus.Counter
	evictions   prometheus.Counter
	invalidated prometheus.Counter
	served      prometheus.Counter
	compressed  prometheus.Counter
	improved    prometheus.Counter
	dropped     *prometheus.CounterVec
	entries     prometheus.GaugeFunc
	bytes       prometheus.GaugeFunc
}

func newMetrics(reg prometheus.Registerer, c *Cache) (*metrics, error) {
	m := &metrics{
		rendered: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "cadastre_tiles_rendered_total",
			Help: "Tiles rendered from the index (cache misses that completed)."}, []string{"layer"}),
		renderTime: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "cadastre_tile_render_seconds",
			Help:    "Time to render one tile, compression included.",
			Buckets: prometheus.ExponentialBuckets(0.0001, 2, 16)}, []string{"layer"}),
		hits:   prometheus.NewCounter(prometheus.CounterOpts{Name: "cadastre_tile_cache_hits_total", Help: "Tile requests answered from the cache."}),
		misses: prometheus.NewCounter(prometheus.CounterOpts{Name: "cadastre_tile_cache_misses_total", Help: "Tile requests that had to render."}),
		evictions: prometheus.NewCounter(prometheus.CounterOpts{Name: "cadastre_tile_cache_evictions_total",
			Help: "Tiles evicted to stay within the cache's byte budget."}),
		invalidated: prometheus.NewCounter(prometheus.CounterOpts{Name: "cadastre_tile_cache_invalidated_total",
			Help: "Cached tiles dropped because a write touched them."}),
		served: prometheus.NewCounter(prometheus.CounterOpts{Name: "cadastre_tile_bytes_served_total",
			Help: "Tile body bytes written to clients."}),
		compressed: prometheus.NewCounter(prometheus.CounterOpts{Name: "cadastre_tiles_compressed_total",
			Help: "Tiles gzip-compressed at the fast level: at render for a client accepting gzip or when the size budget needed it, or on a cached raw tile's first hit from such a client."}),
		improved: prometheus.NewCounter(prometheus.CounterOpts{Name: "cadastre_tiles_recompressed_total",
			Help: "Cached tiles replaced in the background by the same tile compressed at gzip's best level."}),
		dropped: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "cadastre_tile_dropped_features_total",
			Help: "Features left out of rendered tiles: reason=budget (size budget), reason=collapsed (rings degenerate on the tile grid)."},
			[]string{"reason"}),
		entries: prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "cadastre_tile_cache_entries", Help: "Tiles in the cache."},
			func() float64 { n, _ := c.Size(); return float64(n) }),
		bytes: prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "cadastre_tile_cache_bytes", Help: "Bytes of tiles in the cache."},
			func() float64 { _, b := c.Size(); return float64(b) }),
	}
	for _, col := range []prometheus.Collector{m.rendered, m.renderTime, m.hits, m.misses, m.evictions, m.invalidated,
		m.served, m.compressed, m.improved, m.dropped, m.entries, m.bytes} {
		if err := reg.Register(col); err != nil {
			return nil, err
		}
	}
	return m, nil
}
