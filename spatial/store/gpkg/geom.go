package gpkg

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkb"
)

// GeoPackage geometry blobs (GeoPackage 1.3 §2.1.3): a header, then
// standard WKB. twpayne/go-geom v1.7.0 has no encoding/gpkg, so the header
// is written here around orb's WKB encoder.
//
//	magic "GP" | version 0 | flags | srs_id int32 | envelope | WKB
//
// flags: bit 0 byte order (1 = little endian), bits 1-3 envelope kind
// (1 = [minx, maxx, miny, maxy]), bit 4 empty geometry, bit 5 extended type.

const (
	gpkgVersion     = 0
	flagLittle      = 0x01
	flagEnvelopeXY  = 1 << 1
	flagEmpty       = 1 << 4
	flagExtended    = 1 << 5
	envelopeMask    = 0x0e
	headerFixedSize = 8
)

// envelopeSizes maps the envelope indicator (flags bits 1-3) to its size:
// none, xy, xyz, xym, xyzm.
var envelopeSizes = [...]int{0, 32, 48, 48, 64}

var errBadBlob = errors.New("gpkg: not a GeoPackage geometry blob")

// encodeGeom writes g as a little-endian GeoPackage blob with an xy
// envelope and returns the blob and that envelope.
func encodeGeom(srsID int, g orb.Geometry) ([]byte, orb.Bound, error) {
	bound := g.Bound()
	var buf bytes.Buffer
	buf.Grow(headerFixedSize + 32 + wkbSize(g))
	hdr := [headerFixedSize + 32]byte{'G', 'P', gpkgVersion, flagLittle | flagEnvelopeXY}
	binary.LittleEndian.PutUint32(hdr[4:], uint32(int32(srsID)))
	for i, v := range [4]float64{bound.Min[0], bound.Max[0], bound.Min[1], bound.Max[1]} {
		binary.LittleEndian.PutUint64(hdr[8+8*i:], math.Float64bits(v))
	}
	buf.Write(hdr[:])
	if err := wkb.NewEncoder(&buf).SetByteOrder(binary.LittleEndian).Encode(g); err != nil {
		return nil, orb.Bound{}, fmt.Errorf("gpkg: encoding WKB: %w", err)
	}
	return buf.Bytes(), bound, nil
}

// wkbSize estimates the WKB size of polygonal geometries, to allocate once.
func wkbSize(g orb.Geometry) int {
	switch g := g.(type) {
	case orb.Polygon:
		n := 9
		for _, r := range g {
			n += 4 + 16*len(r)
		}
		return n
	case orb.MultiPolygon:
		n := 9
		for _, p := range g {
			n += wkbSize(p)
		}
		return n
	}
	return 64
}

// blobHeader is the parsed fixed part of a GeoPackage blob.
type blobHeader struct {
	order    binary.ByteOrder
	srsID    int32
	empty    bool
	envelope []float64 // minx, maxx, miny, maxy[, ...]; nil when absent
	wkb      []byte
}

func parseHeader(b []byte) (blobHeader, error) {
	if len(b) < headerFixedSize || b[0] != 'G' || b[1] != 'P' || b[2] != gpkgVersion {
		return blobHeader{}, errBadBlob
	}
	flags := b[3]
	if flags&flagExtended != 0 {
		return blobHeader{}, fmt.Errorf("gpkg: extended geometry types are not supported")
	}
	h := blobHeader{order: binary.BigEndian, empty: flags&flagEmpty != 0}
	if flags&flagLittle != 0 {
		h.order = binary.LittleEndian
	}
	h.srsID = int32(h.order.Uint32(b[4:]))
	kind := int(flags&envelopeMask) >> 1
	if kind >= len(envelopeSizes) {
		return blobHeader{}, fmt.Errorf("gpkg: bad envelope indicator %d", kind)
	}
	end := headerFixedSize + envelopeSizes[kind]
	if len(b) < end {
		return blobHeader{}, errBadBlob
	}
	for i := headerFixedSize; i < end; i += 8 {
		h.envelope = append(h.envelope, math.Float64frombits(h.order.Uint64(b[i:])))
	}
	h.wkb = b[end:]
	return h, nil
}

// decodeGeom parses a GeoPackage blob into an orb geometry.
func decodeGeom(b []byte) (orb.Geometry, error) {
	h, err := parseHeader(b)
	if err != nil {
		return nil, err
	}
	g, err := wkb.Unmarshal(h.wkb)
	if err != nil {
		return nil, fmt.Errorf("gpkg: decoding WKB: %w", err)
	}
	return g, nil
}

// decodeMultiPolygon decodes a plot geometry; a single polygon (as other
// tools may write into the table) is taken as a one-part multipolygon.
func decodeMultiPolygon(b []byte) (orb.MultiPolygon, error) {
	g, err := decodeGeom(b)
	if err != nil {
		return nil, err
	}
	switch g := g.(type) {
	case orb.MultiPolygon:
		return g, nil
	case orb.Polygon:
		return orb.MultiPolygon{g}, nil
	}
	return nil, fmt.Errorf("gpkg: got a %s, want a MultiPolygon", g.GeoJSONType())
}

// blobBound returns the xy bound of a blob from its envelope, or by
// decoding the WKB when the blob has none; ok is false for an empty
// geometry.
func blobBound(b []byte) (bound orb.Bound, ok bool, err error) {
	h, err := parseHeader(b)
	if err != nil {
		return orb.Bound{}, false, err
	}
	if h.empty {
		return orb.Bound{}, false, nil
	}
	if len(h.envelope) >= 4 {
		e := h.envelope
		return orb.Bound{Min: orb.Point{e[0], e[2]}, Max: orb.Point{e[1], e[3]}}, true, nil
	}
	g, err := wkb.Unmarshal(h.wkb)
	if err != nil {
		return orb.Bound{}, false, fmt.Errorf("gpkg: decoding WKB: %w", err)
	}
	if isEmpty(g) {
		return orb.Bound{}, false, nil
	}
	return g.Bound(), true, nil
}

func isEmpty(g orb.Geometry) bool {
	switch g := g.(type) {
	case orb.Point:
		return math.IsNaN(g[0])
	case orb.MultiPoint:
		return len(g) == 0
	case orb.LineString:
		return len(g) == 0
	case orb.MultiLineString:
		return len(g) == 0
	case orb.Polygon:
		return len(g) == 0
	case orb.MultiPolygon:
		return len(g) == 0
	case orb.Collection:
		return len(g) == 0
	}
	return false
}
