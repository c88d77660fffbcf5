package gpkg

import (
	"bytes"
	"encoding/binary"
	"math"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkb"
)

var holed = orb.MultiPolygon{
	{
		{{601010.123, 1191510.456}, {601050.123, 1191510.456}, {601050.123, 1191550.856}, {601010.123, 1191550.856}, {601010.123, 1191510.456}},
		{{601020.1, 1191520.2}, {601020.1, 1191530.3}, {601030.7, 1191530.3}, {601030.7, 1191520.2}, {601020.1, 1191520.2}},
	},
	{{{601060, 1191510}, {601065.5, 1191510}, {601065.5, 1191515.25}, {601060, 1191515.25}, {601060, 1191510}}},
}

func TestEncodeGeomHeader(t *testing.T) {
	blob, bound, err := encodeGeom(9210, holed)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(blob[:4], []byte{'G', 'P', 0, 0x03}) {
		t.Errorf("magic, version, flags: got % x, want 47 50 00 03", blob[:4])
	}
	if got := binary.LittleEndian.Uint32(blob[4:]); got != 9210 {
		t.Errorf("srs_id: got %d, want 9210", got)
	}
	env := make([]float64, 4)
	for i := range env {
		env[i] = math.Float64frombits(binary.LittleEndian.Uint64(blob[8+8*i:]))
	}
	want := []float64{bound.Min[0], bound.Max[0], bound.Min[1], bound.Max[1]}
	for i := range env {
		if env[i] != want[i] {
			t.Errorf("envelope[%d] (minx, maxx, miny, maxy): got %v, want %v", i, env[i], want[i])
		}
	}
	if std := wkb.MustMarshal(holed, binary.LittleEndian); !bytes.Equal(blob[40:], std) {
		t.Error("the blob after the header is not the standard WKB of the geometry")
	}
}

func TestGeomRoundTrip(t *testing.T) {
	for _, g := range []orb.Geometry{holed, holed[1], orb.MultiPolygon{holed[0]}} {
		blob, _, err := encodeGeom(5897, g)
		if err != nil {
			t.Fatal(err)
		}
		got, err := decodeGeom(blob)
		if err != nil || !orb.Equal(got, g) {
			t.Errorf("round trip of %s: got %v (err %v)", g.GeoJSONType(), got, err)
		}
	}
}

// TestDecodeForeignBlobs reads blobs as other writers may make them: big
// endian, without an envelope, a polygon where a multipolygon is expected.
func TestDecodeForeignBlobs(t *testing.T) {
	hdr := []byte{'G', 'P', 0, 0x00, 0, 0, 0x23, 0xfa} // big endian, no envelope, srs 9210
	blob := append(hdr, wkb.MustMarshal(holed[0], binary.BigEndian)...)
	mp, err := decodeMultiPolygon(blob)
	if err != nil || !orb.Equal(mp, orb.MultiPolygon{holed[0]}) {
		t.Errorf("big-endian polygon as multipolygon: got %v (err %v)", mp, err)
	}
	b, ok, err := blobBound(blob)
	if err != nil || !ok || b != holed[0].Bound() {
		t.Errorf("bound without envelope: got %v %v (err %v), want %v", b, ok, err, holed[0].Bound())
	}
	empty := []byte{'G', 'P', 0, 0x11, 0, 0, 0, 0}
	if _, ok, err := blobBound(append(empty, wkb.MustMarshal(orb.MultiPolygon{})...)); ok || err != nil {
		t.Errorf("empty flag: got non-empty %v (err %v)", ok, err)
	}
	for _, bad := range [][]byte{nil, []byte("GP"), []byte("XX\x00\x03\x00\x00\x00\x00"), {'G', 'P', 0, 0x0b, 0, 0, 0, 0}} {
		if _, err := decodeGeom(bad); err == nil {
			t.Errorf("decodeGeom(% x): got no error", bad)
		}
	}
}
