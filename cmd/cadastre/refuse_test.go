package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
)

// postBody uploads body to /api/v1/ingest with query and returns the
// status and answer.
func postBody(t *testing.T, base, token, query, body string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, base+"/api/v1/ingest?"+query, bytes.NewReader([]byte(body)))
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(out)
}

const refusePlot = `{"type":"Feature","properties":{"unit":"27001","sheet":1,"plot":9001,"land_use":"LUC","address":ADDR},` +
	`"geometry":{"type":"Polygon","coordinates":[[[600100,1192000],[600110,1192000],[600110,1192015],[600100,1192000]]]}}`

func refuseFC(addr string) string {
	return `{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"EPSG:9210"}},"features":[` +
		strings.Replace(refusePlot, "ADDR", addr, 1) + `]}`
}

// TestIngestRefusesAlteredInput: over HTTP on both stores, input that was
// ignored, altered or answered 500 is a 422 naming what is wrong, nothing
// is stored, and an empty collection records no change (issue 13).
func TestIngestRefusesAlteredInput(t *testing.T) {
	for _, k := range storeKinds {
		t.Run(k.name, func(t *testing.T) {
			flags := k.flag(t)
			secret, err := run(t, append([]string{"token", "create", "--role", "admin", "--name", "a"}, flags...)...)
			if err != nil {
				t.Fatal(err)
			}
			tok := strings.TrimSpace(secret)
			base, stop, _ := startServe(t, append(flags, "--max-vertices", "50")...)
			var big strings.Builder
			for i := range 60 {
				if i > 0 {
					big.WriteByte(',')
				}
				big.WriteString(`[600100,1192000]`)
			}
			for _, c := range []struct{ name, query, body, want string }{
				{"second document", "name=a.geojson", refuseFC(`"x"`) + refuseFC(`"x"`), "more than one JSON document"},
				{"trailing bytes", "name=a.geojson", refuseFC(`"x"`) + "xyz", "after the GeoJSON object"},
				{"empty object", "name=a.geojson", `{}`, "no type"},
				{"NUL in a property", "name=a.geojson", refuseFC(`"Th\u00f4n\u0000 1"`), `"field":"address"`},
				{"invalid UTF-8", "name=a.geojson", refuseFC("\"Th\xf4n\""), "invalid UTF-8"},
				{"NUL in reason", "name=a.geojson&reason=ok%00", refuseFC(`"x"`), `"field":"reason"`},
				{"invalid UTF-8 in name", "name=a%ff.geojson", refuseFC(`"x"`), `"field":"name"`},
				{"vertex limit", "name=a.geojson", strings.Replace(refuseFC(`"x"`), `[[600100,1192000],[600110,1192000],[600110,1192015],[600100,1192000]]`, "["+big.String()+"]", 1), "more than 50 vertices"},
			} {
				status, out := postBody(t, base, tok, c.query, c.body)
				if status != http.StatusUnprocessableEntity || !strings.Contains(out, c.want) {
					t.Errorf("%s: got %d %s, want 422 with %q", c.name, status, out, c.want)
				}
			}
			status, out := postBody(t, base, tok, "name=empty.geojson", `{"type":"FeatureCollection","features":[]}`)
			if status != http.StatusOK || !strings.Contains(out, `"inserted":0`) {
				t.Errorf("empty collection: got %d %s, want 200 storing nothing", status, out)
			}
			if err := stop(); err != nil {
				t.Fatal(err)
			}
			s := k.open(t, flags)
			defer s.Close()
			n, err := s.(interface {
				ChangeCount(context.Context) (int, error)
			}).ChangeCount(context.Background())
			units, _ := s.Units(context.Background())
			// The sample load is one change; nothing else may have left a row.
			if err != nil || n != 1 || len(units) == 0 {
				t.Errorf("changes after the refusals and an empty collection: got %d (%v), want 1 (the sample)", n, err)
			}
			if p := allPlots(t, s); len(p) == 0 {
				t.Errorf("sample missing")
			}
		})
	}
}
