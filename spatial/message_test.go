package spatial

import (
	"regexp"
	"strings"
	"testing"

	"github.com/paulmach/orb"
)

// goFormatting matches what %v of orb types and floats printed in
// problem messages: exponents ("1.20071e+06") and brackets or braces
// ("[620288 1.20071e+06]", "frame {[600000.5 1.191e+06] ...}").
var goFormatting = regexp.MustCompile(`e\+0|[\[{]`)

// TestProblemCoordinates: a point or extent in a problem is shown to the
// millimetre with X the northing and Y the easting, as survey tables do,
// never in Go's formatting (issue 13).
func TestProblemCoordinates(t *testing.T) {
	bowtie := orb.MultiPolygon{{{{620488.25, 1200710}, {620512, 1200690}, {620512, 1200710}, {620488.25, 1200690}, {620488.25, 1200710}}}}
	spike := orb.MultiPolygon{{{{620000, 1200000}, {620020, 1200000}, {620010, 1200000}, {620010, 1200010}, {620000, 1200000}}}}
	open := orb.MultiPolygon{{{{620000, 1200000}, {620010, 1200000}, {620010, 1200010}, {620000, 1200000.5}}}}
	for name, c := range map[string]struct {
		g    orb.MultiPolygon
		want string
	}{
		"bowtie": {bowtie, "X 1200710.000 Y 620488.250"},
		"spike":  {spike, "X 1200000.000 Y 620020.000"},
		"open":   {open, "X 1200000.500 Y 620000.000"},
	} {
		errs := ValidateGeometry(c.g)
		if len(errs) == 0 {
			t.Errorf("%s: no problem", name)
			continue
		}
		var msgs []string
		for _, e := range errs {
			msgs = append(msgs, e.Error())
		}
		msg := strings.Join(msgs, "; ")
		if !strings.Contains(msg, c.want) || goFormatting.MatchString(msg) {
			t.Errorf("%s: %q, want %q and no Go formatting", name, msg, c.want)
		}
	}

	// A grid sheet whose frame is off its cell by half a metre.
	s := testSheet(t)
	s.Frame[0][0][0][0] += 0.5
	s.Frame[0][0][len(s.Frame[0][0])-1][0] += 0.5
	s.Frame[0][0][3][0] += 0.5
	err := (&Batch{Sheets: []*Sheet{s}}).Check(nil)
	var frame string
	for _, p := range ProblemsOf(err) {
		if strings.HasSuffix(p.Field, "frame") {
			frame = p.Reason
		}
	}
	if !strings.Contains(frame, ".500..") || !strings.Contains(frame, "X ") || goFormatting.MatchString(frame) {
		t.Errorf("frame off its cell: %q (%v), want X/Y ranges to the millimetre and no Go formatting", frame, err)
	}
}
