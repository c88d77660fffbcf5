package audit

import (
	"cmp"
	"context"

	"cadastre/spatial"
	"cadastre/spatial/index"
)

// FromSnapshot builds the input of an audit from the read model: every
// current plot and sheet, or those of one unit (a current commune with
// the former units merged into it, or one survey unit) when unit is set.
// store answers which missing numbers were retired (nil: none were).
func FromSnapshot(snap *index.Snapshot, units []spatial.AdminUnit, unit string, store spatial.Store) Input {
	communeOf := map[string]string{}
	for _, u := range units {
		communeOf[u.Code] = cmp.Or(u.Successor, u.Code)
	}
	in := Input{Units: units}
	snap.EachSheet(func(s *index.Sheet) bool {
		if unit == "" || s.Key.Unit == unit || communeOf[s.Key.Unit] == unit {
			in.Sheets = append(in.Sheets, s)
		}
		return true
	})
	snap.EachPlot(func(p *index.Plot) bool {
		if unit == "" || p.Commune == unit || p.Key.Unit == unit {
			in.Plots = append(in.Plots, p)
		}
		return true
	})
	in.Near = func(p *index.Plot, fn func(*index.Plot) bool) { snap.SearchPlots(p.Merc, fn) }
	if store != nil {
		in.Retired = func(ctx context.Context, k spatial.PlotKey) (bool, error) {
			_, err := store.Plot(ctx, k)
			if spatial.KindOf(err) == spatial.KindNotFound {
				return false, nil
			}
			return err == nil, err
		}
		if lin, ok := store.(spatial.Lineage); ok {
			in.Renumbered = func(ctx context.Context, k spatial.SheetKey) (bool, error) {
				_, err := lin.SheetSuccessor(ctx, k)
				if spatial.KindOf(err) == spatial.KindNotFound {
					return false, nil
				}
				return err == nil, err
			}
		}
	}
	return in
}

// CheckUnit returns KindInvalid for a malformed code and KindNotFound for
// a code that names no unit; "" (every unit) is fine.
func CheckUnit(units []spatial.AdminUnit, unit string) error {
	if unit == "" {
		return nil
	}
	if !spatial.ValidUnitCode(unit) {
		return spatial.Errorf(spatial.KindInvalid, "unit %q: want a 5-digit commune code", unit)
	}
	for _, u := range units {
		if u.Code == unit {
			return nil
		}
	}
	return spatial.Errorf(spatial.KindNotFound, "unit %s: no such administrative unit", unit)
}
