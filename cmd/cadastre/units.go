package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"cadastre/spatial"
	"cadastre/spatial/crs"
	"cadastre/spatial/index"
)

// parseUnits reads --units: comma-separated 5-digit unit codes or
// province names (anything not made of digits), checked without the
// store; resolveUnits turns the names into codes.
func parseUnits(s string) (codes, provinces []string, err error) {
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		if strings.Trim(f, "0123456789") != "" {
			provinces = append(provinces, f)
			continue
		}
		if !spatial.ValidUnitCode(f) {
			return nil, nil, fmt.Errorf("--units: %q is neither a 5-digit unit code nor a province name", f)
		}
		codes = append(codes, f)
	}
	return codes, provinces, nil
}

// resolveUnits returns the unit codes of --units: its codes, and every
// unit (former ones too) the store lists under each province name given.
// A province the store has no unit of is an error naming it.
func resolveUnits(ctx context.Context, s string, store spatial.Store) ([]string, error) {
	codes, provinces, err := parseUnits(s)
	if err != nil || len(provinces) == 0 {
		return codes, err
	}
	units, err := store.Units(ctx)
	if err != nil {
		return nil, fmt.Errorf("--units: read the units: %w", err)
	}
	for _, p := range provinces {
		n := 0
		for _, u := range units {
			if strings.EqualFold(u.Province, p) {
				codes = append(codes, u.Code)
				n++
			}
		}
		if n == 0 {
			return nil, fmt.Errorf("--units: the store has no unit of province %q", p)
		}
	}
	return codes, nil
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
