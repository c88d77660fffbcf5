package tiles

import (
	"cmp"
	"math"
	"slices"

	"github.com/cespare/xxhash/v2"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/maptile"
)

// finish assembles the tile and applies the size budget. A tile whose raw
// size is within rawLimit compresses to less than the budget whatever its
// bytes (gzip stores incompressible data with a few bytes of framing), so
// it is returned raw without compressing it: nearly every tile. A larger
// one is compressed, and if the compressed tile is too large, features are
// dropped in drop order (dropOrder) until it fits. How many is first
// predicted from the encoded size of each feature and the compression
// ratio of the full tile, then found by rendering the tile again without
// them (features keep their ordinals, their order being fixed by the
// keys): the count grows until the tile fits, then a bisection brings it
// within 0.5 % of the features of the fewest that fit (compressed size is
// almost monotonic in the features kept). The outcome depends only on the
// data; only oversized tiles pay, with a few more renders.
func (rc *renderCtx) finish(src source, l Layer, t maptile.Tile, dst []byte) (rendered, error) {
	size := 0
	for i := range rc.layers {
		size += rc.layers[i].encodedLen()
	}
	if size <= rc.r.rawLimit() {
		raw := dst[:0] // the answer, written once
		if cap(raw) < size {
			raw = make([]byte, 0, size)
		}
		for i := range rc.layers {
			raw = rc.layers[i].appendTo(raw)
		}
		return rendered{raw: raw, sum: xxhash.Sum64(raw), st: rc.stats(len(raw), 0, 0)}, nil
	}
	rc.assemble()
	gz, err := rc.r.gz.compress(rc.raw)
	if err != nil || len(gz) <= rc.r.opt.Budget {
		return rendered{gz: gz, sum: xxhash.Sum64(rc.raw), st: rc.stats(len(rc.raw), len(gz), 0)}, err
	}
	n := len(rc.recs)
	order := dropOrder(rc.recs)
	rank := make([]int, n) // rank[ordinal] = position in drop order
	for pos, i := range order {
		rank[i] = pos
	}
	fits := func(k int) ([]byte, bool, error) {
		rc.draw(src, l, t, func(ord int) bool { return rank[ord] >= k })
		rc.assemble()
		g, err := rc.r.gz.compress(rc.raw)
		return g, err != nil || len(g) <= rc.r.opt.Budget || k == n, err
	}
	lo, hi := 0, rc.predictDrop(order, len(gz)) // lo is known too large
	for step := max(1, (n-hi)/20); ; step *= 2 {
		if _, ok, err := fits(hi); err != nil {
			return rendered{st: rc.st}, err
		} else if ok {
			break
		}
		lo, hi = hi, min(n, hi+step)
	}
	for hi-lo > max(1, n/200) {
		mid := (lo + hi) / 2
		if _, ok, err := fits(mid); err != nil {
			return rendered{st: rc.st}, err
		} else if ok {
			hi = mid
		} else {
			lo = mid
		}
	}
	gz, _, err = fits(hi)
	return rendered{gz: gz, sum: xxhash.Sum64(rc.raw), st: rc.stats(len(rc.raw), len(gz), hi)}, err
}

// rawLimit is the largest raw tile that surely compresses within the
// budget: gzip's framing adds 18 bytes, and deflate at most 5 bytes per
// 64 KiB stored block to data it cannot shrink (TestRawLimit checks it).
func (r *Renderer) rawLimit() int { return r.opt.Budget - r.opt.Budget/1024 - 64 }

// predictDrop returns how many features, in drop order, should go for the
// tile to fit, from their encoded sizes and the tile's compression ratio.
func (rc *renderCtx) predictDrop(order []int, gzLen int) int {
	target := float64(rc.r.opt.Budget) * float64(len(rc.raw)) / float64(gzLen) // raw bytes that compress to the budget
	k, left := 0, float64(len(rc.raw))
	for k < len(order) && left > target {
		left -= float64(rc.recs[order[k]].size)
		k++
	}
	return k
}

// assemble writes the layers into one tile, in rc.raw.
func (rc *renderCtx) assemble() {
	rc.raw = rc.raw[:0]
	for i := range rc.layers {
		rc.raw = rc.layers[i].appendTo(rc.raw)
	}
}

// stats returns the statistics of the tile; gzLen is its compressed size
// (0: not compressed).
func (rc *renderCtx) stats(rawLen, gzLen, dropped int) Stats {
	st := rc.st
	st.Dropped, st.RawBytes, st.Bytes = dropped, rawLen, gzLen
	for i := range rc.layers {
		st.Features += rc.layers[i].n
	}
	return st
}

// dropOrder returns the feature ordinals in the order the budget drops
// them: label points, then plots, then sheets; the smallest area first;
// ties by ordinal, that is by key.
func dropOrder(recs []featRec) []int {
	order := make([]int, len(recs))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int {
		ra, rb := recs[a], recs[b]
		return cmp.Or(cmp.Compare(ra.group, rb.group), cmp.Compare(ra.area, rb.area), cmp.Compare(a, b))
	})
	return order
}

// densify adds vertices along the edges of a plane polygon so that no
// edge is longer than step: a sheet frame is a straight-edged rectangle on
// the plane whose image in Web Mercator is slightly curved (up to about
// 0.3 m along a 6 km edge), while plot vertices on the frame are mapped
// exactly. The added points depend only on the edge's end points (taken
// in a fixed order), so neighbouring frames stay identical along their
// common edge.
func densify(p orb.Polygon, step float64) orb.Polygon {
	out := make(orb.Polygon, len(p))
	for i, r := range p {
		var nr orb.Ring
		for j := 0; j+1 < len(r); j++ {
			a, b := r[j], r[j+1]
			nr = append(nr, a)
			n := int(math.Ceil(math.Hypot(b[0]-a[0], b[1]-a[1]) / step))
			flip := b[0] < a[0] || (b[0] == a[0] && b[1] < a[1])
			for k := 1; k < n; k++ {
				t := float64(k) / float64(n)
				if flip {
					t = float64(n-k) / float64(n)
					nr = append(nr, orb.Point{b[0] + t*(a[0]-b[0]), b[1] + t*(a[1]-b[1])})
					continue
				}
				nr = append(nr, orb.Point{a[0] + t*(b[0]-a[0]), a[1] + t*(b[1]-a[1])})
			}
		}
		if len(r) > 0 {
			nr = append(nr, r[len(r)-1])
		}
		out[i] = nr
	}
	return out
}
