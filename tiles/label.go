package tiles

import (
	"github.com/paulmach/orb"

	"cadastre/spatial"
)

// LabelPoint returns the point inside a plot where its number is written
// (spatial.LabelPoint, which ingest also uses to decide whether a plot
// sticking out of its sheet belongs to it).
func LabelPoint(mp orb.MultiPolygon) (orb.Point, bool) { return spatial.LabelPoint(mp) }

func labelPoint(mp orb.MultiPolygon, xs *[3][]float64) (orb.Point, bool) {
	return spatial.LabelPointInto(mp, xs)
}
