package audit

import (
	"slices"
	"time"

	"cadastre/spatial"
	"cadastre/spatial/index"
)

// Point is one step of the campaign's progress: at the end of Day, how
// many plots existed and how many of them passed the rules one plot can
// fail alone (geometry, land use, legal area, frame). Overlaps, gaps and
// numbering need the whole sheet at that date and are not replayed.
type Point struct {
	Day        string  `json:"day"` // YYYY-MM-DD, UTC
	Plots      int     `json:"plots"`
	CleanPlots int     `json:"clean_plots"`
	CleanShare float64 `json:"clean_share"`
}

// Progress replays the versions of plots (every version, as the store's
// history gives them) and returns a point for every day a version starts
// or ends. sheets gives each plot's sheet (for the scale and frame); a
// plot whose sheet is unknown gets only the rules that need no sheet.
func Progress(hist []*spatial.PlotHistory, sheets func(spatial.SheetKey) *index.Sheet, o Options) []Point {
	type event struct {
		at    time.Time
		clean int // +1 / -1
		alive int
	}
	var evs []event
	for _, h := range hist {
		for _, v := range h.Versions {
			if v.Retired {
				continue
			}
			ip := &index.Plot{Key: v.Key, Commune: v.Commune, LandUse: v.LandUse, LegalArea: v.LegalArea, Area: v.Area, EPSG: int32(v.EPSG), Geometry: v.Geometry}
			ps, _ := plotRules(ip, sheets(v.Key.SheetKey()), o)
			c := 0
			if len(ps) == 0 {
				c = 1
			}
			evs = append(evs, event{at: day(v.ValidFrom), clean: c, alive: 1})
			if !v.ValidTo.IsZero() {
				evs = append(evs, event{at: day(v.ValidTo), clean: -c, alive: -1})
			}
		}
	}
	slices.SortFunc(evs, func(a, b event) int { return a.at.Compare(b.at) })
	var out []Point
	alive, clean := 0, 0
	for i, e := range evs {
		alive, clean = alive+e.alive, clean+e.clean
		if i+1 < len(evs) && evs[i+1].at.Equal(e.at) {
			continue
		}
		p := Point{Day: e.at.Format(time.DateOnly), Plots: alive, CleanPlots: clean, CleanShare: 1}
		if alive > 0 {
			p.CleanShare = float64(clean) / float64(alive)
		}
		out = append(out, p)
	}
	return out
}

// day truncates to the UTC day: a version valid from 10:00 counts for the
// day it started, as a land office's daily report would.
func day(t time.Time) time.Time {
	t = t.UTC()
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}
