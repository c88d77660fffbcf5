package sampledata

import (
	"cmp"
	"fmt"
	"slices"
)

// pt is a plane point in whole millimetres: E (x) and N (y).
type pt struct{ x, y int64 }

// chain is a polyline monotone along one axis: a horizontal chain has
// strictly increasing x, a vertical one strictly increasing y. Every
// boundary shared by two plots is one chain, and both plots copy the same
// piece of it, so shared edges have identical vertex sequences. Points are
// added in any order and sorted once by seal; when two points share the
// key coordinate the first added wins (corners are added before curve
// knots).
type chain struct {
	vertical bool
	pts      []pt
	sealed   bool
}

func (c *chain) key(p pt) int64 {
	if c.vertical {
		return p.y
	}
	return p.x
}

func (c *chain) add(p pt) {
	if c.sealed {
		panic(bug("point added to a sealed chain"))
	}
	c.pts = append(c.pts, p)
}

// seal sorts the points and drops those whose key is taken.
func (c *chain) seal() {
	if c.sealed {
		return
	}
	c.sealed = true
	slices.SortStableFunc(c.pts, func(a, b pt) int { return cmp.Compare(c.key(a), c.key(b)) })
	out := c.pts[:0]
	for _, p := range c.pts {
		if n := len(out); n > 0 && c.key(out[n-1]) == c.key(p) {
			continue
		}
		out = append(out, p)
	}
	c.pts = out
}

// index finds p, which must be a vertex.
func (c *chain) index(p pt) int {
	k := c.key(p)
	i, ok := slices.BinarySearchFunc(c.pts, k, func(q pt, k int64) int { return cmp.Compare(c.key(q), k) })
	if !ok || c.pts[i] != p {
		panic(bug(fmt.Sprintf("point %v is not a vertex of the chain", p)))
	}
	return i
}

// appendPiece appends the vertices from a to b (either direction) to dst,
// skipping a when dst already ends with it.
func (c *chain) appendPiece(dst []pt, a, b pt) []pt {
	i, j := c.index(a), c.index(b)
	if n := len(dst); n > 0 && dst[n-1] == a {
		if i < j {
			i++
		} else {
			i--
		}
	}
	if i <= j {
		return append(dst, c.pts[i:j+1]...)
	}
	for k := i; k >= j; k-- {
		dst = append(dst, c.pts[k])
	}
	return dst
}

// bug is a broken invariant of the generator; Generate turns it into an
// error.
type bug string

func (b bug) Error() string { return "sampledata: internal error: " + string(b) }
