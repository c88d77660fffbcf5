package crs

// Why this transverse Mercator is hand-written:
//
// No Go module served to this project is accurate enough for a cadastre.
// github.com/wroge/wgs84 v1.1.7 (Snyder's series) was measured against PROJ
// on EPSG:9210: 1-6 mm near the central meridian but 0.86-0.87 m at 120-130
// km from it (DOMAIN.md), and TM-3 zones reach about 165 km. Boundary points
// are checked to 5 cm, so the projection must be exact to well under a
// millimetre everywhere in a zone.
//
// The Krüger n-series does that: it is what PROJ's tmerc uses by default
// (Poder/Engsager "etmerc"), and Karney (2011, "Transverse Mercator with an
// accuracy of a few nanometers", J. Geodesy 85) shows the 6th-order series is
// good to about 5 nm within 3900 km of the central meridian. The steps are
//
//	geodetic latitude  -> conformal (Gauss) latitude    (series in n)
//	conformal lat, lon -> spherical TM  (xi', eta')     (closed form)
//	(xi', eta')        -> ellipsoidal TM (xi, eta)      (complex series in n)
//
// and the reverse for the inverse. Coefficients are Krüger's, to n^6, in the
// form given by Engsager & Poder (ICC 2007) and Karney (2011, eqs. 35-36).

import "math"

// Constants of the VN-2000 TM-3 planes. VN-2000 uses the WGS 84 ellipsoid.
const (
	semiMajor     = 6378137.0
	flattening    = 1 / 298.257223563
	scaleFactor   = 0.9999
	falseEasting  = 500000.0
	falseNorthing = 0.0
)

// kruger holds the series coefficients; they depend only on the ellipsoid
// and k0, so they are computed once for all zones.
type kruger struct {
	qn  float64    // k0 times the rectifying radius A: metres per unit of xi
	cbg [6]float64 // geodetic -> conformal latitude
	cgb [6]float64 // conformal -> geodetic latitude
	gtu [6]float64 // spherical -> ellipsoidal TM (Karney's alpha)
	utg [6]float64 // ellipsoidal -> spherical TM (minus Karney's beta)
}

var tm = newKruger(flattening, semiMajor, scaleFactor)

func newKruger(f, a, k0 float64) *kruger {
	n := f / (2 - f) // third flattening
	n2 := n * n
	k := &kruger{qn: k0 * a / (1 + n) * (1 + n2*(1/4.0+n2*(1/64.0+n2/256.0)))}
	k.latitudeCoefficients(n)
	k.planeCoefficients(n)
	return k
}

// latitudeCoefficients fills the geodetic <-> conformal latitude series.
func (k *kruger) latitudeCoefficients(n float64) {
	k.cbg = horner(n, [6][6]float64{
		{-2, 2 / 3.0, 4 / 3.0, -82 / 45.0, 32 / 45.0, 4642 / 4725.0},
		{5 / 3.0, -16 / 15.0, -13 / 9.0, 904 / 315.0, -1522 / 945.0},
		{-26 / 15.0, 34 / 21.0, 8 / 5.0, -12686 / 2835.0},
		{1237 / 630.0, -12 / 5.0, -24832 / 14175.0},
		{-734 / 315.0, 109598 / 31185.0},
		{444337 / 155925.0},
	})
	k.cgb = horner(n, [6][6]float64{
		{2, -2 / 3.0, -2, 116 / 45.0, 26 / 45.0, -2854 / 675.0},
		{7 / 3.0, -8 / 5.0, -227 / 45.0, 2704 / 315.0, 2323 / 945.0},
		{56 / 15.0, -136 / 35.0, -1262 / 105.0, 73814 / 2835.0},
		{4279 / 630.0, -332 / 35.0, -399572 / 14175.0},
		{4174 / 315.0, -144838 / 6237.0},
		{601676 / 22275.0},
	})
}

// planeCoefficients fills the spherical <-> ellipsoidal TM series.
func (k *kruger) planeCoefficients(n float64) {
	k.gtu = horner(n, [6][6]float64{
		{1 / 2.0, -2 / 3.0, 5 / 16.0, 41 / 180.0, -127 / 288.0, 7891 / 37800.0},
		{13 / 48.0, -3 / 5.0, 557 / 1440.0, 281 / 630.0, -1983433 / 1935360.0},
		{61 / 240.0, -103 / 140.0, 15061 / 26880.0, 167603 / 181440.0},
		{49561 / 161280.0, -179 / 168.0, 6601661 / 7257600.0},
		{34729 / 80640.0, -3418889 / 1995840.0},
		{212378941 / 319334400.0},
	})
	k.utg = horner(n, [6][6]float64{
		{-1 / 2.0, 2 / 3.0, -37 / 96.0, 1 / 360.0, 81 / 512.0, -96199 / 604800.0},
		{-1 / 48.0, -1 / 15.0, 437 / 1440.0, -46 / 105.0, 1118711 / 3870720.0},
		{-17 / 480.0, 37 / 840.0, 209 / 4480.0, -5569 / 90720.0},
		{-4397 / 161280.0, 11 / 504.0, 830251 / 7257600.0},
		{-4583 / 161280.0, 108847 / 3991680.0},
		{-20648693 / 638668800.0},
	})
}

// horner evaluates coefficient j as n^(j+1) * (p[j][0] + p[j][1] n + ...),
// the polynomial in n truncated so every term is at most n^6.
func horner(n float64, p [6][6]float64) [6]float64 {
	var c [6]float64
	for j := range c {
		sum := 0.0
		for i := 5 - j; i >= 0; i-- {
			sum = sum*n + p[j][i]
		}
		c[j] = sum * math.Pow(n, float64(j+1))
	}
	return c
}

// forward projects geodetic latitude phi and longitude difference lam from
// the central meridian (radians) to plane metres relative to the origin
// (x east, y north), before false easting and northing.
func (k *kruger) forward(lam, phi float64) (x, y float64) {
	chi := gaussSeries(&k.cbg, phi)
	sinChi, cosChi := math.Sincos(chi)
	sinLam, cosLam := math.Sincos(lam)
	xiP := math.Atan2(sinChi, cosLam*cosChi)
	etaP := math.Asinh(sinLam * cosChi / math.Hypot(sinChi, cosChi*cosLam))
	xi, eta := complexSeries(&k.gtu, xiP, etaP)
	return k.qn * eta, k.qn * xi
}

// inverse is the reverse of forward: plane metres relative to the origin to
// longitude difference and geodetic latitude in radians.
func (k *kruger) inverse(x, y float64) (lam, phi float64) {
	xiP, etaP := complexSeries(&k.utg, y/k.qn, x/k.qn)
	sinXi, cosXi := math.Sincos(xiP)
	sinhEta := math.Sinh(etaP)
	lam = math.Atan2(sinhEta, cosXi)
	chi := math.Atan2(sinXi, math.Hypot(sinhEta, cosXi))
	return lam, gaussSeries(&k.cgb, chi)
}

// gaussSeries returns b + sum c[j] sin(2(j+1)b), by Clenshaw summation.
func gaussSeries(c *[6]float64, b float64) float64 {
	sin2, cos2 := math.Sincos(2 * b)
	r := 2 * cos2
	var b1, b2 float64
	for j := len(c) - 1; j >= 0; j-- {
		b1, b2 = c[j]+r*b1-b2, b1
	}
	return b + b1*sin2
}

// complexSeries returns zeta + sum c[j] sin(2(j+1)zeta) for zeta = xi + i
// eta, by complex Clenshaw summation (sin(2 zeta) and cos(2 zeta) built from
// one sincos and one sinh/cosh pair).
func complexSeries(c *[6]float64, xi, eta float64) (float64, float64) {
	s, co := math.Sincos(2 * xi)
	sh, ch := math.Sinh(2*eta), math.Cosh(2*eta)
	sinRe, sinIm := s*ch, co*sh // sin(2 zeta)
	cosRe, cosIm := co*ch, -s*sh
	rRe, rIm := 2*cosRe, 2*cosIm // Clenshaw multiplier 2 cos(2 zeta)
	var b1Re, b1Im, b2Re, b2Im float64
	for j := len(c) - 1; j >= 0; j-- {
		nRe := c[j] + rRe*b1Re - rIm*b1Im - b2Re
		nIm := rRe*b1Im + rIm*b1Re - b2Im
		b1Re, b1Im, b2Re, b2Im = nRe, nIm, b1Re, b1Im
	}
	return xi + b1Re*sinRe - b1Im*sinIm, eta + b1Re*sinIm + b1Im*sinRe
}

// ToGeographic converts plane coordinates of the zone (easting, northing in
// metres) to VN-2000 geographic longitude and latitude in degrees, with no
// datum shift: use it for work that stays in VN-2000.
func (z Zone) ToGeographic(e, n float64) (lon, lat float64) {
	lam, phi := tm.inverse(e-falseEasting, n-falseNorthing)
	return z.CentralMeridian + lam*rad2deg, phi * rad2deg
}

// FromGeographic converts VN-2000 geographic longitude and latitude in
// degrees to plane coordinates of the zone (easting, northing in metres).
func (z Zone) FromGeographic(lon, lat float64) (e, n float64) {
	x, y := tm.forward((lon-z.CentralMeridian)*deg2rad, lat*deg2rad)
	return falseEasting + x, falseNorthing + y
}

const (
	deg2rad = math.Pi / 180
	rad2deg = 180 / math.Pi
)
