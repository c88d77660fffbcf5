package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"cadastre/spatial"
	"cadastre/spatial/crs"
	"cadastre/spatial/index"
)

// parseUnits reads --units: comma-separated 5-digit unit codes.
func parseUnits(s string) ([]string, error) {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		if !spatial.ValidUnitCode(f) {
			return nil, fmt.Errorf("--units: %q is not a 5-digit unit code", f)
		}
		out = append(out, f)
	}
	return out, nil
}

// unitsHeader names the units an instance with --units holds, on every
// answer, so that a client or a router in front of several instances
// sees which instance holds what.
const unitsHeader = "Cadastre-Units"

// heldUnits wraps h for an instance whose read model holds only some
// units (serve --units): every answer names them in Cadastre-Units; a
// plot of another unit (/api/v1/plots/{unit}/...) and a point lookup by
// lon/lat outside the held units' bounds are answered 421 Misdirected
// Request, a problem naming the units this instance holds. The TileJSON
// bounds are the read model's, so the held units' too.
func heldUnits(h http.Handler, ix *index.Index) http.Handler {
	held := ix.Held()
	if held == nil {
		return h
	}
	list := strings.Join(held, ",")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set(unitsHeader, list)
		if rest, ok := strings.CutPrefix(r.URL.Path, "/api/v1/plots/"); ok {
			unit, _, _ := strings.Cut(rest, "/")
			if spatial.ValidUnitCode(unit) && !ix.Holds(unit) {
				misdirected(w, r, held, fmt.Sprintf("unit %s is not held by this instance", unit))
				return
			}
		}
		if r.URL.Path == "/api/v1/plots/at" || r.URL.Path == "/api/v1/sheets/at" {
			if outside, lon, lat := outsideHeld(r, ix); outside {
				misdirected(w, r, held, fmt.Sprintf("lon %g lat %g is outside the units this instance holds", lon, lat))
				return
			}
		}
		h.ServeHTTP(w, r)
	})
}

// outsideHeld reports whether a lookup by lon/lat falls outside the Web
// Mercator bounds of what the read model holds (nothing held: outside).
// Plane coordinates and malformed values are left to the handler.
func outsideHeld(r *http.Request, ix *index.Index) (bool, float64, float64) {
	q := r.URL.Query()
	lon, err1 := strconv.ParseFloat(q.Get("lon"), 64)
	lat, err2 := strconv.ParseFloat(q.Get("lat"), 64)
	if err1 != nil || err2 != nil || lon < -180 || lon > 180 || lat < -85 || lat > 85 || !ix.Ready() {
		return false, lon, lat
	}
	b, ok := ix.Snapshot().MercBounds()
	if !ok {
		return true, lon, lat
	}
	x, y := crs.LonLatToMercator(lon, lat)
	if m := q.Get("nearest"); m != "" {
		if d, err := strconv.ParseFloat(m, 64); err == nil && d > 0 {
			b = b.Pad(4 * d) // Web Mercator metres are longer than ground metres: 1/cos(lat) < 4 below 75°
		}
	}
	return !b.Contains([2]float64{x, y}), lon, lat
}

// misdirected answers 421 with a problem naming the held units.
func misdirected(w http.ResponseWriter, r *http.Request, held []string, why string) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(http.StatusMisdirectedRequest)
	json.NewEncoder(w).Encode(map[string]any{
		"type":   "urn:cadastre:problem:misdirected",
		"title":  http.StatusText(http.StatusMisdirectedRequest),
		"status": http.StatusMisdirectedRequest, "instance": r.URL.Path,
		"detail": why + "; this instance holds units " + strings.Join(held, ", "),
		"units":  held,
	})
}
