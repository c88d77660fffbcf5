package crs

import "math"

// eccSquared is the first eccentricity squared of the WGS 84 ellipsoid, on
// which both VN-2000 and WGS 84 geographic coordinates are defined.
const eccSquared = flattening * (2 - flattening)

// helmert is a 7-parameter similarity transformation between geocentric
// frames, kept as its matrix so the inverse is exact rather than the usual
// negated-parameter approximation.
type helmert struct {
	t   [3]float64    // translation, metres
	m   [3][3]float64 // (1+ds) * rotation, coordinate-frame convention
	inv [3][3]float64 // inverse of m
}

// newCoordinateFrame builds a Helmert transformation from parameters in the
// EPSG coordinate-frame convention (method 9607): translations in metres,
// rotations in arc-seconds, scale difference in ppm. The rotation matrix is
// the small-angle one that EPSG defines and PROJ applies.
func newCoordinateFrame(tx, ty, tz, rxSec, rySec, rzSec, dsPPM float64) *helmert {
	const sec = math.Pi / (180 * 3600)
	rx, ry, rz := rxSec*sec, rySec*sec, rzSec*sec
	s := 1 + dsPPM*1e-6
	h := &helmert{
		t: [3]float64{tx, ty, tz},
		m: [3][3]float64{
			{s, s * rz, -s * ry},
			{-s * rz, s, s * rx},
			{s * ry, -s * rx, s},
		},
	}
	h.inv = invert3(h.m)
	return h
}

// epsg6960 is EPSG transformation 6960, VN-2000 to WGS 84 (Vietnam onshore,
// 1 m), with the coordinate-frame signs EPSG publishes (DOMAIN.md). The
// cadastre uses it everywhere, also where PROJ would pick EPSG:5194.
var epsg6960 = newCoordinateFrame(
	-191.90441429, -39.30318279, -111.45032835,
	-0.00928836, 0.01975479, -0.00427372,
	0.252906278,
)

// forward maps geocentric source coordinates to the target frame.
func (h *helmert) forward(p [3]float64) [3]float64 { return add(mul(&h.m, p), h.t) }

// backward maps target-frame coordinates back to the source frame.
func (h *helmert) backward(p [3]float64) [3]float64 {
	return mul(&h.inv, [3]float64{p[0] - h.t[0], p[1] - h.t[1], p[2] - h.t[2]})
}

func mul(m *[3][3]float64, p [3]float64) [3]float64 {
	var out [3]float64
	for i := range out {
		out[i] = m[i][0]*p[0] + m[i][1]*p[1] + m[i][2]*p[2]
	}
	return out
}

func add(a, b [3]float64) [3]float64 { return [3]float64{a[0] + b[0], a[1] + b[1], a[2] + b[2]} }

// invert3 inverts a 3x3 matrix by cofactors; m is a near-identity matrix, so
// this is well conditioned.
func invert3(m [3][3]float64) [3][3]float64 {
	var c [3][3]float64
	for i := 0; i < 3; i++ {
		for j := 0; j < 3; j++ {
			a, b := (i+1)%3, (i+2)%3
			d, e := (j+1)%3, (j+2)%3
			c[j][i] = m[a][d]*m[b][e] - m[a][e]*m[b][d] // transpose of cofactors
		}
	}
	det := m[0][0]*c[0][0] + m[0][1]*c[1][0] + m[0][2]*c[2][0]
	for i := range c {
		for j := range c[i] {
			c[i][j] /= det
		}
	}
	return c
}

// toGeocentric converts geodetic longitude, latitude (radians) and
// ellipsoidal height (metres) to geocentric X, Y, Z on the WGS 84 ellipsoid.
func toGeocentric(lam, phi, h float64) [3]float64 {
	sinPhi, cosPhi := math.Sincos(phi)
	sinLam, cosLam := math.Sincos(lam)
	nu := semiMajor / math.Sqrt(1-eccSquared*sinPhi*sinPhi)
	return [3]float64{
		(nu + h) * cosPhi * cosLam,
		(nu + h) * cosPhi * sinLam,
		(nu*(1-eccSquared) + h) * sinPhi,
	}
}

// fromGeocentric converts geocentric X, Y, Z to geodetic longitude, latitude
// (radians) and height. Latitude starts from its value for h = 0 and is
// refined by fixed-point iteration; each step shrinks the error by about
// e^2 (1/150), so it reaches 1e-14 rad, far below the 1e-12 rad (6 µm)
// needed, in four or five steps for heights near the ellipsoid.
func fromGeocentric(p [3]float64) (lam, phi, h float64) {
	r := math.Hypot(p[0], p[1])
	lam = math.Atan2(p[1], p[0])
	phi = math.Atan2(p[2], r*(1-eccSquared))
	for i := 0; i < 20; i++ {
		s := math.Sin(phi)
		nu := semiMajor / math.Sqrt(1-eccSquared*s*s)
		next := math.Atan2(p[2]+eccSquared*nu*s, r)
		done := math.Abs(next-phi) < 1e-14
		phi = next
		if done {
			break
		}
	}
	sinPhi, cosPhi := math.Sincos(phi)
	h = r*cosPhi + p[2]*sinPhi - semiMajor*math.Sqrt(1-eccSquared*sinPhi*sinPhi)
	return lam, phi, h
}

// VN2000ToWGS84 shifts a VN-2000 geographic point (degrees, ellipsoidal
// height in metres) to WGS 84 with EPSG transformation 6960 (coordinate
// frame rotation) through geocentric coordinates. Heights matter little:
// 100 m of height moves the horizontal result by about 3 mm.
func VN2000ToWGS84(lon, lat, h float64) (lon2, lat2, h2 float64) {
	return epsg6960.apply(lon, lat, h, false)
}

// WGS84ToVN2000 is the exact inverse of VN2000ToWGS84: it undoes the
// Helmert matrix itself instead of applying the negated parameters, so a
// round trip returns the input to far below 0.1 mm.
func WGS84ToVN2000(lon, lat, h float64) (lon2, lat2, h2 float64) {
	return epsg6960.apply(lon, lat, h, true)
}

// apply runs the geographic -> geocentric -> Helmert -> geographic chain in
// degrees, forward or backward.
func (h *helmert) apply(lon, lat, height float64, backward bool) (float64, float64, float64) {
	p := toGeocentric(lon*deg2rad, lat*deg2rad, height)
	if backward {
		p = h.backward(p)
	} else {
		p = h.forward(p)
	}
	lam, phi, h2 := fromGeocentric(p)
	return lam * rad2deg, phi * rad2deg, h2
}

// ToWGS84 converts plane coordinates of the zone (easting, northing in
// metres) to WGS 84 longitude and latitude in degrees: inverse TM to VN-2000
// geographic, then the EPSG:6960 shift. The point is taken on the VN-2000
// ellipsoid (h = 0), as PROJ does for 2D coordinates.
func (z Zone) ToWGS84(e, n float64) (lon, lat float64) {
	lon, lat = z.ToGeographic(e, n)
	lon, lat, _ = VN2000ToWGS84(lon, lat, 0)
	return lon, lat
}

// FromWGS84 converts WGS 84 longitude and latitude in degrees to plane
// coordinates of the zone, as the exact inverse of ToWGS84: it finds the
// point on the VN-2000 ellipsoid (h = 0) whose WGS 84 position is
// (lon, lat). PROJ instead assumes h = 0 in WGS 84; the two differ by the
// ellipsoid height of the shift (up to about 40 m in Vietnam) times the
// tilt between the two ellipsoid normals (about 3e-5), up to 1.5 mm, but
// only this choice makes plane -> WGS 84 -> plane return the input.
func (z Zone) FromWGS84(lon, lat float64) (e, n float64) {
	lon, lat = wgs84ToVN2000Surface(lon, lat)
	return z.FromGeographic(lon, lat)
}

// wgs84ToVN2000Surface solves for the WGS 84 height at which the point lies
// on the VN-2000 ellipsoid. A change of WGS 84 height changes the VN-2000
// height by almost exactly as much (the frames differ by a 1e-7 rotation and
// a 3e-5 tilt of the normal), so Newton steps with unit slope converge in
// two or three steps.
func wgs84ToVN2000Surface(lon, lat float64) (float64, float64) {
	h := 0.0
	vlon, vlat, vh := WGS84ToVN2000(lon, lat, h)
	for i := 0; i < 5 && math.Abs(vh) > 1e-7; i++ {
		h -= vh
		vlon, vlat, vh = WGS84ToVN2000(lon, lat, h)
	}
	return vlon, vlat
}
