package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
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

	// The README's decision lines, in order: the plain acceptance is 409
	// naming the overlapped neighbours, the override is 200 with a new
	// plot version whose reason names them.
	registrar, err := run(t, "token", "create", "--role", "registrar", "--name", "readme registrar")
	if err != nil {
		t.Fatal(err)
	}
	var decisions []string
	for _, l := range strings.Split(string(readme), "\n") {
		if i := strings.Index(l, `-d '{"accept"`); i >= 0 && strings.HasPrefix(l, "curl ") {
			body := l[i+len(`-d '`):]
			decisions = append(decisions, body[:strings.Index(body, "'")])
		}
	}
	if len(decisions) != 2 {
		t.Fatalf("README decision lines: got %q, want the 409 and the override", decisions)
	}
	decide := func(body string) (int, string) {
		req, err := http.NewRequest(http.MethodPost, base+"/api/v1/extracts/"+strconv.FormatInt(rec.ID, 10)+"/decision", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+strings.TrimSpace(registrar))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, out := decide(decisions[0]); code != http.StatusConflict || !strings.Contains(out, "27002/2/439") || !strings.Contains(out, "27002/2/440") {
		t.Errorf("README decision %s: got %d %s, want 409 naming 27002/2/439 and 27002/2/440", decisions[0], code, out)
	}
	if code, out := decide(decisions[1]); code != http.StatusOK || !strings.Contains(out, `"status":"accepted"`) {
		t.Fatalf("README decision %s: got %d %s, want 200 accepted", decisions[1], code, out)
	}
	resp, err = http.Get(base + "/api/v1/plots/27002/2/458")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var h struct {
		Version  int
		Versions []struct{ Reason string }
	}
	if err := json.NewDecoder(resp.Body).Decode(&h); err != nil || h.Version != 2 || len(h.Versions) != 2 ||
		!strings.Contains(h.Versions[0].Reason, "allowing overlaps with 27002/2/439") || !strings.Contains(h.Versions[0].Reason, "27002/2/440") {
		t.Errorf("plot 27002/2/458 after the README's override: got %+v (%v), want version 2 naming both neighbours in its reason", h, err)
	}
}
