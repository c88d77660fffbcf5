package spatial

import (
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/project"

	"cadastre/spatial/crs"
)

// PlaneToWGS84 returns the geometry of a plot, given on the plane of zone
// epsg, in WGS 84 lon/lat. KindInvalid if epsg is not a VN-2000 zone.
func PlaneToWGS84(mp orb.MultiPolygon, epsg int) (orb.MultiPolygon, error) {
	z, ok := crs.ZoneByEPSG(epsg)
	if !ok {
		return nil, Errorf(KindInvalid, "EPSG:%d is not a VN-2000 TM-3 zone", epsg)
	}
	// project works in place on a copy made by Clone, so stored geometry
	// is never altered.
	return project.MultiPolygon(mp.Clone(), func(p orb.Point) orb.Point {
		lon, lat := z.ToWGS84(p[0], p[1])
		return orb.Point{lon, lat}
	}), nil
}
