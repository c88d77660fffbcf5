package grid

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Grid geometry in whole plane metres (Circular 25/2014 Art. 5, Annex 03;
// the alignment is the one the Annex 03 examples imply, see doc.go).
const (
	// originE is the false easting: the central meridian is a grid line
	// ("10-728 494" spans E 494..500 km).
	originE = 500000
	// Domain: whole 1:10000 cells whose numbers fit three digits.
	domainMinE = 104000  // left edge 500 - 66 x 6 km
	domainMaxE = 998000  // right edge of the cell at 500 + 82 x 6 km
	domainMinN = 0       // bottom edge of the cell with top edge 6 km
	domainMaxN = 2994000 // top edge 499 x 6 km; 3000 km would need 4 digits
)

// cell is one sheet: its scale and, in whole metres, its west edge and its
// north edge (the corner its number is read from). Integers keep every
// frame exact and make nesting checks exact.
type cell struct {
	scale      Scale
	minE, maxN int64
}

func (c cell) frame() Frame {
	size := c.scale.cellMetres()
	return Frame{
		MinE: float64(c.minE),
		MinN: float64(c.maxN - size),
		MaxE: float64(c.minE + size),
		MaxN: float64(c.maxN),
	}
}

// parent is the cell of the smaller scale p that contains c. Every cell
// size divides 6 km and the grids share one origin, so the parent is found
// by rounding c's north-west corner out to p's grid (west edge down, north
// edge up, as the boundary convention owns west and north edges).
func (c cell) parent(p Scale) cell {
	size := p.cellMetres()
	return cell{
		scale: p,
		minE:  originE + floorDiv(c.minE-originE, size)*size,
		maxN:  floorDiv(c.maxN+size-1, size) * size,
	}
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

// SheetAt returns the number and nominal frame of the sheet of scale s
// that contains the plane point (e = easting = survey Y, n = northing =
// survey X, metres) on the sheet grid of Circular 25/2014 Art. 5, Annex 03.
// A point on a grid line belongs to the cell east of a vertical line and
// south of a horizontal one ([MinE, MaxE) x (MinN, MaxN], as
// Frame.Contains), so exactly one sheet is returned. Errors wrap ErrScale
// or ErrOutside (a non-finite coordinate, or a point outside the domain
// 104 km <= e < 998 km, 0 < n <= 2994 km).
func SheetAt(s Scale, e, n float64) (number string, f Frame, err error) {
	c, err := cellAt(s, e, n)
	if err != nil {
		return "", Frame{}, err
	}
	return c.number(), c.frame(), nil
}

func cellAt(s Scale, e, n float64) (cell, error) {
	if !s.Valid() {
		return cell{}, fmt.Errorf("%w: %d", ErrScale, int(s))
	}
	// The negated comparisons also reject NaN; ±Inf fail the range.
	if !(e >= domainMinE && e < domainMaxE && n > domainMinN && n <= domainMaxN) {
		return cell{}, fmt.Errorf("%w: point E %g N %g m: want %d <= E < %d and %d < N <= %d",
			ErrOutside, e, n, domainMinE, domainMaxE, domainMinN, domainMaxN)
	}
	isize := s.cellMetres()
	size := float64(isize)
	// The division may round a point just beside a grid line onto it;
	// the exact comparisons below (all operands are whole metres well
	// under 2^53) move the cell back so the convention holds exactly.
	minE := originE + math.Floor((e-originE)/size)*size
	if e < minE {
		minE -= size
	} else if e >= minE+size {
		minE += size
	}
	maxN := math.Ceil(n/size) * size
	if n > maxN {
		maxN += size
	} else if n <= maxN-size {
		maxN -= size
	}
	return cell{scale: s, minE: int64(minE), maxN: int64(maxN)}, nil
}

// number formats c as Annex 03 writes it.
func (c cell) number() string {
	var b [24]byte
	buf := b[:0]
	if c.scale == Scale10000 {
		buf = append(buf, "10-"...)
		buf = appendKm(buf, c.maxN, c.minE)
		return string(buf)
	}
	p5 := c.parent(Scale5000)
	buf = appendKm(buf, p5.maxN, p5.minE)
	if c.scale == Scale5000 {
		return string(buf)
	}
	p2 := c.parent(Scale2000)
	k := (p5.maxN-p2.maxN)/1000*3 + (p2.minE-p5.minE)/1000 + 1
	buf = append(buf, '-', byte('0'+k))
	if c.scale == Scale2000 {
		return string(buf)
	}
	sub := c.scale.subdivisions()
	size := 1000 / sub
	row, col := (p2.maxN-c.maxN)/size, (c.minE-p2.minE)/size
	switch c.scale {
	case Scale1000:
		buf = append(buf, '-', byte('a'+row*sub+col))
	case Scale500:
		buf = append(buf, '-', '(')
		buf = strconv.AppendInt(buf, row*sub+col+1, 10)
		buf = append(buf, ')')
	case Scale200:
		buf = append(buf, '-')
		buf = strconv.AppendInt(buf, row*sub+col+1, 10)
	}
	return string(buf)
}

// appendKm writes "XXX YYY": the northing and easting of a north-west
// corner in whole km, three digits each, the northing's thousands digit
// dropped (Annex 03: 1728 km is written "728").
func appendKm(buf []byte, maxN, minE int64) []byte {
	x, y := maxN/1000%1000, minE/1000
	return append(buf,
		byte('0'+x/100), byte('0'+x/10%10), byte('0'+x%10), ' ',
		byte('0'+y/100), byte('0'+y/10%10), byte('0'+y%10))
}

// Parse reads a sheet number of any scale as Annex 03 of Circular 25/2014
// writes it ("10-728 494", "725 497", "725 500-6", "725 500-6-d",
// "725 500-6-(11)", "725 500-6-25") and returns its scale and nominal
// frame. Only that exact form is accepted (no extra spaces, no leading
// zeros in cell numbers, lower-case a..d), so a number that parses is the
// one SheetAt writes for its cell.
//
// The number drops the thousands digit of the northing, so hintNorthing
// (metres: the centre of the province or zone's area, or any point near
// the sheet) picks the digit that puts the sheet's top edge nearest to it.
// A hint within 400 km of the sheet is always right. If the northing so
// chosen is not on the grid of the number's scale the number is rejected
// rather than moved to another thousands digit: see the package
// documentation. Errors wrap ErrNumber (and ErrOutside for a sheet outside
// the domain or a non-finite hint) and name the reason, e.g.
// `unknown 1:2000 cell 10 (want 1..9)` or `bad format`.
func Parse(number string, hintNorthing float64) (Scale, Frame, error) {
	c, err := parse(number, hintNorthing)
	if err != nil {
		return 0, Frame{}, err
	}
	return c.scale, c.frame(), nil
}

// FrameOf parses number as Parse does and also checks that it is a
// number of scale s, because the same place has a different sheet at each
// scale and a register row names both (Circular 25/2014 Art. 5).
func FrameOf(s Scale, number string, hintNorthing float64) (Frame, error) {
	if !s.Valid() {
		return Frame{}, fmt.Errorf("%w: %d", ErrScale, int(s))
	}
	c, err := parse(number, hintNorthing)
	if err != nil {
		return Frame{}, err
	}
	if c.scale != s {
		return Frame{}, fmt.Errorf("%w %q: a %v sheet number, not %v", ErrNumber, number, c.scale, s)
	}
	return c.frame(), nil
}

func parse(number string, hint float64) (cell, error) {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w %q: "+format, append([]any{ErrNumber, number}, args...)...)
	}
	if math.IsNaN(hint) || math.IsInf(hint, 0) {
		return cell{}, fmt.Errorf("%w %q: %w: hint northing %v", ErrNumber, number, ErrOutside, hint)
	}
	s, base, step := number, Scale5000, int64(3)
	if strings.HasPrefix(s, "10-") {
		s, base, step = s[3:], Scale10000, 6
	}
	if len(s) < 7 || !isDigits(s[0:3]) || s[3] != ' ' || !isDigits(s[4:7]) {
		if base == Scale10000 {
			return cell{}, bad(`bad format: want "10-XXX YYY" (XXX, YYY: 3 digits of northing and easting km)`)
		}
		return cell{}, bad(`bad format: want "10-XXX YYY", or "XXX YYY" optionally followed by "-1..9" and "-a..d", "-(1..16)" or "-1..100"`)
	}
	xkm, ykm, rest := atoi(s[0:3]), atoi(s[4:7]), s[7:]
	if base == Scale10000 && rest != "" {
		return cell{}, bad("bad format: %q after a 1:10000 number", rest)
	}

	// Easting of the west edge: 500 km +- multiples of the cell size.
	if (ykm-originE/1000)%step != 0 {
		return cell{}, bad("easting %03d km is not a %v sheet's west edge (500 km +- multiples of %d km)", ykm, base, step)
	}
	// Northing of the top edge: the thousands digit nearest the hint. Of
	// two candidates equally near (hint exactly 500 km away) the one on
	// the grid wins.
	hk := hint / 1000
	x, best := int64(-1), math.Inf(1)
	for d := int64(0); d <= 2; d++ {
		cand := d*1000 + xkm
		dist := math.Abs(float64(cand) - hk)
		if dist < best || (dist == best && cand%step == 0) {
			x, best = cand, dist
		}
	}
	if x%step != 0 {
		return cell{}, bad("northing %d km (thousands digit nearest the hint %.0f km) is not a %v sheet's top edge (multiple of %d km)", x, hk, base, step)
	}
	c := cell{scale: base, minE: ykm * 1000, maxN: x * 1000}
	if size := base.cellMetres(); c.minE < domainMinE || c.minE+size > domainMaxE || c.maxN-size < domainMinN || c.maxN > domainMaxN {
		return cell{}, fmt.Errorf("%w %q: %w: want west edge %d..%d km and top edge %d..%d km",
			ErrNumber, number, ErrOutside, domainMinE/1000, (domainMaxE-size)/1000, (domainMinN+size)/1000, domainMaxN/1000)
	}
	if rest == "" {
		return c, nil
	}

	// 1:2000: the 1:5000 cell / 9, numbered 1..9 left to right, top to bottom.
	if rest[0] != '-' {
		return cell{}, bad("bad format: %q after the 1:5000 number, want \"-\" and a 1:2000 cell 1..9", rest)
	}
	rest = rest[1:]
	i := 0
	for i < len(rest) && isDigit(rest[i]) {
		i++
	}
	if i == 0 {
		return cell{}, bad("bad format: missing 1:2000 cell 1..9 after \"-\"")
	}
	k, ok := cellIndex(rest[:i], 9)
	if !ok {
		return cell{}, bad("unknown 1:2000 cell %s (want 1..9)", rest[:i])
	}
	c = cell{scale: Scale2000, minE: c.minE + (k-1)%3*1000, maxN: c.maxN - (k-1)/3*1000}
	rest = rest[i:]
	if rest == "" {
		return c, nil
	}

	// 1:1000, 1:500, 1:200: the 1:2000 cell / 4, 16, 100.
	if rest[0] != '-' {
		return cell{}, bad("bad format: %q after the 1:2000 number, want \"-\" and a cell a..d, (1..16) or 1..100", rest)
	}
	rest = rest[1:]
	var sc Scale
	switch {
	case rest == "":
		return cell{}, bad("bad format: missing cell a..d, (1..16) or 1..100 after the last \"-\"")
	case rest[0] == '(':
		sc = Scale500
		if len(rest) < 3 || rest[len(rest)-1] != ')' || !isDigits(rest[1:len(rest)-1]) {
			return cell{}, bad("bad format: want a 1:500 cell as (1..16), got %q", rest)
		}
		if k, ok = cellIndex(rest[1:len(rest)-1], 16); !ok {
			return cell{}, bad("unknown 1:500 cell %s (want (1)..(16))", rest)
		}
	case isDigit(rest[0]):
		sc = Scale200
		if !isDigits(rest) {
			return cell{}, bad("bad format: want a 1:200 cell 1..100, got %q", rest)
		}
		if k, ok = cellIndex(rest, 100); !ok {
			return cell{}, bad("unknown 1:200 cell %s (want 1..100)", rest)
		}
	case len(rest) == 1 && ('a' <= rest[0] && rest[0] <= 'z' || 'A' <= rest[0] && rest[0] <= 'Z'):
		sc = Scale1000
		if rest[0] < 'a' || rest[0] > 'd' {
			return cell{}, bad("unknown 1:1000 cell %s (want a..d)", rest)
		}
		k = int64(rest[0]-'a') + 1
	default:
		return cell{}, bad("bad format: want a cell a..d, (1..16) or 1..100 after the 1:2000 number, got %q", rest)
	}
	sub := sc.subdivisions()
	size := 1000 / sub
	return cell{scale: sc, minE: c.minE + (k-1)%sub*size, maxN: c.maxN - (k-1)/sub*size}, nil
}

// cellIndex reads a cell number 1..max written without leading zeros.
func cellIndex(s string, max int64) (int64, bool) {
	if len(s) == 0 || len(s) > 3 || s[0] == '0' {
		return 0, false
	}
	k := atoi(s)
	return k, k >= 1 && k <= max
}

func isDigit(b byte) bool { return '0' <= b && b <= '9' }

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return len(s) > 0
}

// atoi reads a short run of ASCII digits (checked by the caller).
func atoi(s string) int64 {
	var v int64
	for i := 0; i < len(s); i++ {
		v = v*10 + int64(s[i]-'0')
	}
	return v
}
