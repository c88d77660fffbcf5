package crs

import "math"

// mercatorRadius is the sphere radius of EPSG:3857: the WGS 84 semi-major
// axis, used as if the Earth were a sphere (which is why 3857 is for
// display only; its distances and areas are not the ground's).
const mercatorRadius = semiMajor

// MaxMercatorLat is the latitude, in degrees, at which Web Mercator's
// northing equals its easting at 180 degrees, i.e. the edge of the square
// world of web map tiles.
const MaxMercatorLat = 85.05112877980659

// LonLatToMercator converts WGS 84 longitude and latitude in degrees to Web
// Mercator (EPSG:3857) metres. Latitude is clamped to ±MaxMercatorLat so
// points near the poles stay on the tile square instead of becoming ±Inf
// and poisoning bounding boxes; Vietnam is nowhere near that limit.
func LonLatToMercator(lon, lat float64) (x, y float64) {
	lat = math.Max(-MaxMercatorLat, math.Min(MaxMercatorLat, lat))
	return mercatorRadius * lon * deg2rad, mercatorRadius * math.Atanh(math.Sin(lat*deg2rad))
}

// MercatorToLonLat converts Web Mercator (EPSG:3857) metres to WGS 84
// longitude and latitude in degrees.
func MercatorToLonLat(x, y float64) (lon, lat float64) {
	return x / mercatorRadius * rad2deg, math.Atan(math.Sinh(y/mercatorRadius)) * rad2deg
}
