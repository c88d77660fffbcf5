package extract

import "github.com/paulmach/orb"

// SameBoundary reports whether two plane geometries are the same boundary,
// coordinate for coordinate, whatever the start vertex and orientation of
// each ring and the order of parts and holes: accepting such an extract
// confirms the stored plot and creates no new version.
func SameBoundary(a, b orb.MultiPolygon) bool {
	if len(a) != len(b) {
		return false
	}
	used := make([]bool, len(b))
	for _, pa := range a {
		found := false
		for j, pb := range b {
			if !used[j] && samePolygon(pa, pb) {
				used[j], found = true, true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

func samePolygon(a, b orb.Polygon) bool {
	if len(a) != len(b) || len(a) == 0 || !sameRing(a[0], b[0]) {
		return false
	}
	used := make([]bool, len(b))
	for _, ha := range a[1:] {
		found := false
		for j := 1; j < len(b); j++ {
			if !used[j] && sameRing(ha, b[j]) {
				used[j], found = true, true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// sameRing compares two rings as cycles of points, either way round.
func sameRing(a, b orb.Ring) bool {
	a, b = open(a), open(b)
	n := len(a)
	if n != len(b) {
		return false
	}
	for j := range b {
		if b[j] != a[0] {
			continue
		}
		fwd, back := true, true
		for i := 0; i < n && (fwd || back); i++ {
			fwd = fwd && a[i] == b[(j+i)%n]
			back = back && a[i] == b[(j-i+n)%n]
		}
		if fwd || back {
			return true
		}
	}
	return n == 0
}

// open drops the closing point of a ring.
func open(r orb.Ring) orb.Ring {
	if n := len(r); n > 1 && r[0] == r[n-1] {
		return r[:n-1]
	}
	return r
}
