package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"

	"cadastre/spatial"
	"cadastre/spatial/extract"
	"cadastre/spatial/extract/extracttest"
	"cadastre/spatial/store/storetest"
)

// stores are the two stores every extract test runs on.
var stores = []struct {
	name string
	open func(*testing.T) extractStore
}{{"gpkg", openGPKG}, {"postgis", openPostGIS}}

// TestExtractCases posts every re-measurement of extracttest.Cases to
// POST /api/v1/extracts on both stores and checks the verdict and the
// named items; an answer other than 201 must leave no extract submitted.
func TestExtractCases(t *testing.T) {
	for _, st := range stores {
		t.Run(st.name, func(t *testing.T) {
			env := newExtractEnvOn(t, st.open(t))
			for _, c := range extracttest.Cases() {
				t.Run(c.Name, func(t *testing.T) { c.Assert(t, env.outcome(t, c.Request(storetest.UnitA, 7, env.e0, env.n0))) })
			}
		})
	}
}

// outcome posts a request and reads the answer as an extracttest.Outcome;
// an extract stored but not validated must be refused, with the problems.
func (env *extractEnv) outcome(t *testing.T, req map[string]any) extracttest.Outcome {
	t.Helper()
	code, body, loc := env.postLoc(t, "/api/v1/extracts", env.surveyor, req)
	if code != http.StatusCreated {
		if loc != "" {
			resp, got := fetch(t, http.MethodGet, env.srv.URL+loc, "Authorization", "Bearer "+env.surveyor)
			var rec extract.Record
			if resp.StatusCode != http.StatusOK || json.Unmarshal(got, &rec) != nil || rec.Status != extract.StatusRefused || !strings.Contains(string(rec.Report), "problems") {
				t.Errorf("extract %s after a %d: got %d %s, want it refused with its problems", loc, code, resp.StatusCode, got)
			}
		}
		return extracttest.Outcome{Status: code, Text: string(body)}
	}
	var rec extract.Record
	var rep extract.Report
	if err := json.Unmarshal(body, &rec); err != nil || json.Unmarshal(rec.Report, &rep) != nil || rec.Status != extract.StatusValidated || rec.Verdict != rep.Verdict {
		t.Fatalf("submit: %v %s", err, body)
	}
	return extracttest.Outcome{Status: code, Report: &rep}
}

// postLoc is post returning the Location header too.
func (env *extractEnv) postLoc(t *testing.T, path, tok string, body any) (int, []byte, string) {
	t.Helper()
	b, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	return env.postRaw(t, path, tok, string(b))
}

func (env *extractEnv) postRaw(t *testing.T, path, tok, body string) (int, []byte, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, env.srv.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, out, resp.Header.Get("Location")
}

// TestExtractInputRefused: a typo in the decision ("acept") or a missing
// "accept" is refused and records nothing; NUL characters, coordinates
// outside the zone and too many points are 422, never 500, and no extract
// stays submitted (both stores).
func TestExtractInputRefused(t *testing.T) {
	for _, st := range stores {
		t.Run(st.name, func(t *testing.T) {
			env := newExtractEnvOn(t, st.open(t))
			code, body := env.post(t, "/api/v1/extracts", env.surveyor, env.request(env.table(0)))
			var rec extract.Record
			if code != http.StatusCreated || json.Unmarshal(body, &rec) != nil {
				t.Fatalf("submit: %d %s", code, body)
			}
			dec := fmt.Sprintf("/api/v1/extracts/%d/decision", rec.ID)
			for _, c := range []struct{ body, want string }{
				{`{"acept": true, "reason": "on site"}`, `"field":"acept"`},
				{`{"reason": "on site"}`, `"field":"accept"`},
				{`{"accept": "yes"}`, `"field":"accept"`},
				{`{"accept": false, "reason": "x\u0000"}`, `"field":"reason"`},
				{"{\"accept\": false, \"reason\": \"bad \xff\xfe\"}", `"field":"reason"`},
				{"{\"accept\": false, \"reason\": \"bad\"} \xff", `"field":"body"`},
			} {
				code, body, _ := env.postRaw(t, dec, env.registrar, c.body)
				if code/100 != 4 || !strings.Contains(string(body), c.want) || strings.Contains(string(body), "bool") {
					t.Errorf("decision %s: got %d %s, want 4xx naming %s", c.body, code, body, c.want)
				}
			}
			if _, got := fetch(t, http.MethodGet, env.srv.URL+fmt.Sprintf("/api/v1/extracts/%d", rec.ID), "Authorization", "Bearer "+env.surveyor); !strings.Contains(string(got), `"status":"validated"`) || !strings.Contains(string(got), `"decisions":[]`) {
				t.Errorf("after refused decisions: %s, want validated with no decision", got)
			}

			for _, tail := range []string{` {"second":1} trailing`, ` }`, ` x`} {
				code, body, loc := env.postRaw(t, "/api/v1/extracts", env.surveyor, mustJSON(t, env.request(env.table(0)))+tail)
				if code/100 != 4 || !strings.Contains(string(body), "trailing data") || loc != "" {
					t.Errorf("submission followed by %q: got %d %s (Location %q), want 4xx naming the trailing data, nothing stored", tail, code, body, loc)
				}
				code, body, _ = env.postRaw(t, dec, env.registrar, `{"accept": false, "reason": "r"}`+tail)
				if code/100 != 4 || !strings.Contains(string(body), "trailing data") {
					t.Errorf("decision followed by %q: got %d %s, want 4xx naming the trailing data", tail, code, body)
				}
			}

			far := "point,x,y\n1,3000000,600000\n2,3000000,600010\n3,3000010,600010\n"
			var many strings.Builder
			many.WriteString("point,x,y\n")
			for i := range extract.MaxVertices + 1 {
				a := 2 * math.Pi * float64(i) / float64(extract.MaxVertices+1)
				fmt.Fprintf(&many, "%d,%.4f,%.4f\n", i+1, env.n0+10+10*math.Sin(a), env.e0+10+10*math.Cos(a))
			}
			for _, c := range []struct {
				name, body, want string
			}{
				{"NUL in a point number", strings.Replace(mustJSON(t, env.request(env.table(0))), `101,`, `1\u000001,`, 1), `contains a NUL`},
				{"outside the zone", mustJSON(t, env.request(far)), `outside the plane of EPSG:9210`},
				{"too many points", mustJSON(t, env.request(many.String())), fmt.Sprintf("at most %d", extract.MaxVertices)},
				{"invalid UTF-8 in a reason", strings.Replace(mustJSON(t, env.request(env.table(0))), `{`, "{\"scale_reason\":\"ab\xff\xfecd\",", 1), `"field":"scale_reason"`},
			} {
				code, body, loc := env.postRaw(t, "/api/v1/extracts", env.surveyor, c.body)
				if code != http.StatusUnprocessableEntity || !strings.Contains(string(body), c.want) {
					t.Errorf("%s: got %d %s, want 422 with %q", c.name, code, body, c.want)
				}
				if strings.HasPrefix(c.name, "invalid UTF-8") && loc != "" {
					t.Errorf("%s: stored as %s, want refused before anything is stored", c.name, loc)
				}
				if loc != "" {
					if _, got := fetch(t, http.MethodGet, env.srv.URL+loc, "Authorization", "Bearer "+env.surveyor); !strings.Contains(string(got), `"status":"refused"`) {
						t.Errorf("%s: extract %s is not refused: %.300s", c.name, loc, got)
					}
				}
			}
		})
	}
}

// TestExtractConfirmation: accepting an extract whose boundary is the
// stored one, started at another vertex and turned the other way, records
// the confirmation and writes no new plot version (both stores).
func TestExtractConfirmation(t *testing.T) {
	for _, st := range stores {
		t.Run(st.name, func(t *testing.T) {
			env := newExtractEnvOn(t, st.open(t))
			e, n := env.e0, env.n0
			table := fmt.Sprintf("point,x,y\n1,%.3f,%.3f\n2,%.3f,%.3f\n3,%.3f,%.3f\n4,%.3f,%.3f\n", n+20.2, e+20, n, e+20, n, e, n+20.2, e)
			code, body := env.post(t, "/api/v1/extracts", env.surveyor, env.request(table))
			var rec extract.Record
			if code != http.StatusCreated || json.Unmarshal(body, &rec) != nil || rec.Verdict != extract.WithinTolerance {
				t.Fatalf("submit: %d %s", code, body)
			}
			code, body = env.post(t, fmt.Sprintf("/api/v1/extracts/%d/decision", rec.ID), env.registrar, map[string]any{"accept": true, "reason": "checked on site"})
			if code != http.StatusOK || json.Unmarshal(body, &rec) != nil || rec.Status != extract.StatusAccepted || len(rec.Decisions) != 1 ||
				rec.Decisions[0].PlotVersion != 1 || !strings.HasPrefix(rec.Decisions[0].Reason, "confirmed: ") || !strings.HasSuffix(rec.Decisions[0].Reason, "checked on site") {
				t.Fatalf("accept: got %d %+v, want accepted, one decision confirming version 1", code, rec)
			}
			_, body = get(t, env.srv.URL+"/api/v1/plots/90001/7/1")
			var h struct {
				Version  int `json:"version"`
				Versions []json.RawMessage
			}
			if err := json.Unmarshal(body, &h); err != nil || h.Version != 1 || len(h.Versions) != 1 {
				t.Errorf("plot after a confirmation: got %s, want version 1 only", body)
			}
		})
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestExtractConcurrentAcceptances: two extracts checked against the same
// plot version are accepted at the same time; one becomes version 2, the
// other is 409 (the store checks the version in the transaction that
// writes), and no version 3 appears (both stores).
func TestExtractConcurrentAcceptances(t *testing.T) {
	for _, st := range stores {
		t.Run(st.name, func(t *testing.T) {
			env := newExtractEnvOn(t, st.open(t))
			var ids []int64
			for _, de := range []float64{-0.05, -0.06} {
				code, body := env.post(t, "/api/v1/extracts", env.surveyor, env.request(env.table(de)))
				var rec extract.Record
				if code != http.StatusCreated || json.Unmarshal(body, &rec) != nil || rec.Verdict != extract.WithinTolerance {
					t.Fatalf("submit: %d %s", code, body)
				}
				ids = append(ids, rec.ID)
			}
			codes := make([]int, len(ids))
			bodies := make([][]byte, len(ids))
			var wg sync.WaitGroup
			start := make(chan struct{})
			for i, id := range ids {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					codes[i], bodies[i], _ = env.postRaw(t, fmt.Sprintf("/api/v1/extracts/%d/decision", id), env.registrar, `{"accept": true, "reason": "checked on site"}`)
				}()
			}
			close(start)
			wg.Wait()
			slices.Sort(codes)
			if codes[0] != http.StatusOK || codes[1] != http.StatusConflict {
				t.Errorf("two acceptances against version 1: got %v (%s | %s), want one 200 and one 409", codes, bodies[0], bodies[1])
			}
			_, body := get(t, env.srv.URL+"/api/v1/plots/90001/7/1")
			var h struct {
				Version  int `json:"version"`
				Versions []json.RawMessage
			}
			if err := json.Unmarshal(body, &h); err != nil || h.Version != 2 || len(h.Versions) != 2 {
				t.Errorf("plot after two acceptances: got %.300s, want version 2 of 2", body)
			}
		})
	}
}

// TestExtractOwnerByTokenID: a surveyor's extract is read by the token
// that submitted it, not by its name: after "sur" is revoked and a new
// token is given the same name, the new holder gets 404 for the old
// holder's extract, and a registrar still reads it (both stores).
func TestExtractOwnerByTokenID(t *testing.T) {
	for _, st := range stores {
		t.Run(st.name, func(t *testing.T) {
			env := newExtractEnvOn(t, st.open(t))
			ctx := context.Background()
			named := func() (string, *spatial.Token) {
				secret, hash, err := spatial.NewTokenSecret()
				if err != nil {
					t.Fatal(err)
				}
				tok := &spatial.Token{Name: "sur", Role: spatial.RoleSurveyor, Hash: hash, CreatedBy: "test"}
				if err := env.st.CreateToken(ctx, tok); err != nil {
					t.Fatal(err)
				}
				return secret, tok
			}
			oldSecret, old := named()
			code, body := env.post(t, "/api/v1/extracts", oldSecret, env.request(env.table(0)))
			var rec extract.Record
			if code != http.StatusCreated || json.Unmarshal(body, &rec) != nil {
				t.Fatalf("submit: %d %s", code, body)
			}
			path := env.srv.URL + fmt.Sprintf("/api/v1/extracts/%d", rec.ID)
			if resp, got := fetch(t, http.MethodGet, path, "Authorization", "Bearer "+oldSecret); resp.StatusCode != http.StatusOK {
				t.Fatalf("the submitter: got %d %.200s, want 200", resp.StatusCode, got)
			}
			if _, err := env.st.RevokeToken(ctx, old.ID, "test"); err != nil {
				t.Fatal(err)
			}
			newSecret, _ := named()
			if resp, got := fetch(t, http.MethodGet, path, "Authorization", "Bearer "+newSecret); resp.StatusCode != http.StatusNotFound {
				t.Errorf("a new token named as the revoked submitter: got %d %.200s, want 404", resp.StatusCode, got)
			}
			if resp, got := fetch(t, http.MethodGet, path, "Authorization", "Bearer "+env.registrar); resp.StatusCode != http.StatusOK {
				t.Errorf("a registrar: got %d %.200s, want 200", resp.StatusCode, got)
			}
		})
	}
}
