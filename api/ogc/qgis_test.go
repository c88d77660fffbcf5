package ogc_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// qgisPython returns a Python interpreter that imports qgis.core (Debian's
// python3-qgis installs it for /usr/bin/python3), or skips; with
// CADASTRE_REQUIRE_QGIS set a missing QGIS fails instead.
func qgisPython(t *testing.T) string {
	t.Helper()
	for _, py := range []string{"/usr/bin/python3", "python3"} {
		if exec.Command(py, "-c", "import qgis.core").Run() == nil {
			return py
		}
	}
	if os.Getenv("CADASTRE_REQUIRE_QGIS") != "" {
		t.Fatal("QGIS required (CADASTRE_REQUIRE_QGIS set) but python3 cannot import qgis.core (apt-get install python3-qgis)")
	}
	t.Skip("QGIS not installed (apt-get install python3-qgis)")
	return ""
}

// QGIS's OAPIF provider, headless, loads the plots layer, counts it
// (numberMatched) and reads every plot through paging.
func TestQGISOAPIF(t *testing.T) {
	py := qgisPython(t)
	f := newFixture(t)
	cmd := exec.Command(py, "testdata/qgis_check.py", f.srv.URL+"/ogc", "unused")
	run := t.TempDir()
	if err := os.Chmod(run, 0o700); err != nil {
		t.Fatal(err)
	}
	cmd.Env = append(os.Environ(), "QT_QPA_PLATFORM=offscreen", "XDG_RUNTIME_DIR="+run)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("qgis_check.py: %v\n%s", err, stderr.String())
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	var got struct {
		QGIS     string
		Valid    bool
		Count    int
		Iterated int
		CanEdit  bool `json:"can_edit"`
	}
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &got); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if !got.Valid || got.Count != f.total || got.Iterated != f.total {
		t.Errorf("QGIS %s: valid %v, count %d, read %d; the store has %d", got.QGIS, got.Valid, got.Count, got.Iterated, f.total)
	}
	t.Logf("QGIS %s: %d plots; provider can edit: %v (OAPIF editing needs QGIS 3.28+)", got.QGIS, got.Count, got.CanEdit)
}
