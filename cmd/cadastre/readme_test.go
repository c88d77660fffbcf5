package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"cadastre/sampledata"
	"cadastre/spatial"
	"cadastre/spatial/extract"
	"cadastre/spatial/store/gpkg"
)

// TestReadmeExtractExamples runs the README's `cadastre validate` line as
// written, from the repository root, against a GeoPackage holding the
// sample commune, then posts docs/examples/extract-submission.json to a
// server on the same store: both must check plot 27002/2/458 within
// tolerance.
func TestReadmeExtractExamples(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	var line string
	for _, l := range strings.Split(string(readme), "\n") {
		if strings.HasPrefix(l, "cadastre validate ") {
			line = l
			break
		}
	}
	if line == "" {
		t.Fatal("README has no `cadastre validate` line")
	}
	args := strings.Fields(strings.SplitN(line, "#", 2)[0])[1:]

	path := filepath.Join(t.TempDir(), "cadastre.gpkg")
	st, err := gpkg.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	b, err := sampledata.Sample()
	if err != nil {
		t.Fatal(err)
	}
	b.Change = spatial.Change{By: "test", Reason: "sample"}
	if _, err := st.Write(context.Background(), b); err != nil {
		t.Fatal(err)
	}
	st.Close()
	t.Setenv("CADASTRE_GPKG", path)
	t.Chdir("../..")

	out, err := run(t, args...)
	if err != nil || !strings.Contains(out, "plot 27002/2/458 v1, 1:2000, circular-26-2024: within_tolerance") {
		t.Fatalf("README line %q: got %v\n%s", line, err, out)
	}

	secret, err := run(t, "token", "create", "--role", "surveyor", "--name", "readme surveyor")
	if err != nil {
		t.Fatal(err)
	}
	base, stop, _ := startServe(t, "--load-sample=false")
	defer func() {
		if err := stop(); err != nil {
			t.Error(err)
		}
	}()
	body, err := os.ReadFile("docs/examples/extract-submission.json")
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequest(http.MethodPost, base+"/api/v1/extracts", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+strings.TrimSpace(secret))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var rec extract.Record
	if err := json.NewDecoder(resp.Body).Decode(&rec); err != nil || resp.StatusCode != http.StatusCreated || rec.Verdict != extract.WithinTolerance || rec.Plot.String() != "27002/2/458" {
		t.Fatalf("POST the example submission: got %d %+v (%v), want 201 within_tolerance for 27002/2/458", resp.StatusCode, rec, err)
	}
}
