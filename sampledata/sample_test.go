package sampledata

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the committed sample in sample/ instead of comparing with it")

// TestCommittedSampleUpToDate regenerates the committed sample and
// compares it byte for byte (pkgsite's CompareWithGolden habit). After a
// deliberate change to the generator, run `go test ./sampledata -run
// CommittedSample -update` and commit sample/.
func TestCommittedSampleUpToDate(t *testing.T) {
	dir := t.TempDir()
	if err := WriteGeoJSON(DefaultConfig(), dir); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{UnitsFile, SheetsFile, PlotsFile} {
		got, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		golden := filepath.Join("sample", name)
		if *update {
			if err := os.WriteFile(golden, got, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(golden)
		if err != nil {
			t.Fatalf("%v (run with -update to create it)", err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s differs from the generator's output (%d bytes, want %d); run `go test ./sampledata -run CommittedSample -update` if the change is deliberate", golden, len(got), len(want))
		}
	}
}

// TestSampleRoundTrip reads the embedded sample back and compares it with
// the generator's batch: GeoJSON loses nothing.
func TestSampleRoundTrip(t *testing.T) {
	got, err := Sample()
	if err != nil {
		t.Fatal(err)
	}
	want, err := Batch(DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Units) != len(want.Units) || len(got.Sheets) != len(want.Sheets) || len(got.Plots) != len(want.Plots) {
		t.Fatalf("got %d units, %d sheets, %d plots; want %d, %d, %d", len(got.Units), len(got.Sheets), len(got.Plots), len(want.Units), len(want.Sheets), len(want.Plots))
	}
	for i := range want.Units {
		if g, w := got.Units[i], want.Units[i]; g.Code != w.Code || g.Successor != w.Successor || !g.MergedOn.Equal(w.MergedOn) || g.Name != w.Name {
			t.Errorf("unit %d: got %+v, want %+v", i, g, w)
		}
	}
	for i := range want.Sheets {
		if !got.Sheets[i].SameContent(want.Sheets[i]) {
			t.Errorf("sheet %v: got %+v, want %+v", want.Sheets[i].Key, got.Sheets[i], want.Sheets[i])
		}
	}
	for i := range want.Plots {
		if g, w := got.Plots[i], want.Plots[i]; !g.SameContent(w) || g.Area != w.Area {
			t.Errorf("plot %v differs after the GeoJSON round trip", w.Key)
		}
	}
	if err := got.Check(nil); err != nil {
		t.Errorf("the committed sample fails Check: %v", err)
	}
}

var tooPrecise = regexp.MustCompile(`[0-9]\.[0-9]{4,}`)

// TestSampleFormat checks the envelope and the coordinate precision of the
// committed files.
func TestSampleFormat(t *testing.T) {
	for _, name := range []string{SheetsFile, PlotsFile} {
		data, err := os.ReadFile(filepath.Join("sample", name))
		if err != nil {
			t.Fatal(err)
		}
		head := `{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::9210"}},"features":[`
		if !bytes.HasPrefix(data, []byte(head)) {
			t.Errorf("%s does not start with %s", name, head)
		}
		if m := tooPrecise.Find(data); m != nil {
			t.Errorf("%s: number %s has more than 3 decimals", name, m)
		}
	}
}
