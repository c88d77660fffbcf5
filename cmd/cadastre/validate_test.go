package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"cadastre/spatial"
	"cadastre/spatial/extract"
	"cadastre/spatial/extract/extracttest"
	"cadastre/spatial/store/gpkg"
	"cadastre/spatial/store/storetest"
)

// TestValidateCommand checks a coordinate table offline against a plot
// of a GeoPackage: a faithful re-measurement, one at another scale than
// the sheet's (refused without a reason), one pushing into the neighbour
// (the overlap reported, as the API does), then one with a point repeated.
func TestValidateCommand(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "v.gpkg")
	st, err := gpkg.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	sh := storetest.SheetAt(t, storetest.UnitA, 7, storetest.ZoneA, 601234, 1191876)
	e, n := sh.Frame.Bound().Min[0]+5, sh.Frame.Bound().Min[1]+5
	p := storetest.Square(storetest.UnitA, 7, 1, storetest.ZoneA, e, n, 20)
	p2 := storetest.Square(storetest.UnitA, 7, 2, storetest.ZoneA, e+20, n, 20)
	if _, err := st.Write(context.Background(), &spatial.Batch{Units: storetest.Units(), Sheets: []*spatial.Sheet{sh}, Plots: []*spatial.Plot{p, p2}, Change: spatial.Change{By: "t", Reason: "t"}}); err != nil {
		t.Fatal(err)
	}
	st.Close()
	table := fmt.Sprintf("point,x,y\n1,%.3f,%.3f\n2,%.3f,%.3f\n3,%.3f,%.3f\n4,%.3f,%.3f\n", n, e, n+0.01, e+20, n+20.2, e+20, n+20.2, e)
	good := filepath.Join(dir, "good.csv")
	svg := filepath.Join(dir, "good.svg")
	if err := os.WriteFile(good, []byte(table), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := run(t, "validate", "--gpkg", path, "--plot", "90001/7/1", "--scale", "1:1000", "--svg", svg, good)
	if err != nil || !strings.Contains(out, "within_tolerance") || !strings.Contains(out, "1-2") {
		t.Errorf("validate: got %v\n%s", err, out)
	}
	if _, err := run(t, "validate", "--gpkg", path, "--plot", "90001/7/1", "--scale", "1:500", good); err == nil || !strings.Contains(err.Error(), "mapped at 1:1000") {
		t.Errorf("validate at 1:500 on a 1:1000 sheet: got %v, want a refusal naming the sheet's scale", err)
	}
	if out, err := run(t, "validate", good, "--gpkg", path, "--plot", "90001/7/1", "--scale", "1:500", "--scale-reason", "densified survey"); err != nil || !strings.Contains(out, "stated reason: densified survey") {
		t.Errorf("validate at 1:500 with a reason (flags after the file): got %v\n%s", err, out)
	}
	pushed := filepath.Join(dir, "pushed.csv")
	if err := os.WriteFile(pushed, []byte(fmt.Sprintf("point,x,y\n1,%.3f,%.3f\n2,%.3f,%.3f\n3,%.3f,%.3f\n4,%.3f,%.3f\n", n, e, n, e+20.5, n+20.2, e+20.5, n+20.2, e)), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := run(t, "validate", "--gpkg", path, "--plot", "90001/7/1", "--scale", "1:1000", pushed); err != nil || !strings.Contains(out, "overlaps neighbouring plot 90001/7/2 by 10.10 m²") {
		t.Errorf("validate pushed into plot 2: got %v\n%s", err, out)
	}
	if b, err := os.ReadFile(svg); err != nil || !strings.Contains(string(b), "<svg") {
		t.Errorf("--svg: %v %.100s", err, b)
	}
	bad := filepath.Join(dir, "bad.csv")
	if err := os.WriteFile(bad, []byte(strings.Replace(table, "\n4,", "\n3,", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err = run(t, "validate", "--gpkg", path, "--plot", "90001/7/1", "--scale", "1:1000", bad)
	if err == nil || !strings.Contains(err.Error(), "point 3") || exitCode(err) != 1 {
		t.Errorf("repeated point: got %v (exit %d)\n%s", err, exitCode(err), out)
	}
	missing := filepath.Join(dir, "none.gpkg")
	if _, err := run(t, "validate", "--gpkg", missing, "--plot", "90001/7/1", "--scale", "1:1000", good); err == nil {
		t.Errorf("validate against a missing GeoPackage: no error")
	}
	if _, err := os.Stat(missing); err == nil {
		t.Errorf("validate created %s", missing)
	}
	if _, err := run(t, "validate", "--gpkg", path, "--plot", "90001/7", "--scale", "1:500", good); exitCode(err) != 2 {
		t.Errorf("bad plot key: got %v, want a usage error", err)
	}
}

// TestValidateCases runs the re-measurements of extracttest.Cases through
// `cadastre validate` on a GeoPackage holding the case plots: the same
// verdicts and named items as POST /api/v1/extracts (api
// TestExtractCases), neighbours included. A refusal is KindInvalid (422
// over HTTP), an unknown plot KindNotFound (404).
func TestValidateCases(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "cases.gpkg")
	st, err := gpkg.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	sh := storetest.SheetAt(t, storetest.UnitA, 7, storetest.ZoneA, 601234, 1191876)
	e0, n0 := sh.Frame.Bound().Min[0]+5, sh.Frame.Bound().Min[1]+5
	plots := extracttest.CasePlots(storetest.UnitA, 7, storetest.ZoneA, e0, n0)
	if _, err := st.Write(context.Background(), &spatial.Batch{Units: storetest.Units(), Sheets: []*spatial.Sheet{sh}, Plots: plots, Change: spatial.Change{By: "t", Reason: "t"}}); err != nil {
		t.Fatal(err)
	}
	st.Close()
	for i, c := range extracttest.Cases() {
		t.Run(c.Name, func(t *testing.T) {
			req := c.Request(storetest.UnitA, 7, e0, n0)
			file := filepath.Join(dir, fmt.Sprintf("case%d.csv", i))
			if err := os.WriteFile(file, []byte(req["table"].(string)), 0o644); err != nil {
				t.Fatal(err)
			}
			key := fmt.Sprint(req["plot"])
			if k, ok := req["plot"].(spatial.PlotKey); ok {
				key = k.String()
			}
			args := []string{"validate", "--gpkg", path, "--json", "--plot", key, "--scale", req["scale"].(string)}
			for flagName, field := range map[string]string{"--crs": "crs", "--scale-reason": "scale_reason"} {
				if v, ok := req[field].(string); ok {
					args = append(args, flagName, v)
				}
			}
			if req["agricultural"] == true {
				args = append(args, "--agricultural")
			}
			var out, errb bytes.Buffer
			err := Main(context.Background(), append(args, file), &out, &errb)
			o := extracttest.Outcome{Status: http.StatusCreated}
			switch {
			case err != nil && spatial.KindOf(err) == spatial.KindNotFound:
				o = extracttest.Outcome{Status: http.StatusNotFound, Text: err.Error()}
			case err != nil && spatial.KindOf(err) == spatial.KindInvalid:
				b, _ := json.Marshal(map[string]any{"detail": err.Error(), "errors": spatial.ProblemsOf(err)})
				o = extracttest.Outcome{Status: http.StatusUnprocessableEntity, Text: string(b)}
			case err != nil:
				t.Fatalf("validate: %v\n%s", err, errb.String())
			default:
				o.Report = &extract.Report{}
				if err := json.Unmarshal(out.Bytes(), o.Report); err != nil {
					t.Fatalf("--json output: %v\n%s", err, out.String())
				}
			}
			c.Assert(t, o)
		})
	}
}
