package spatial

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Renumbering schemes of a commune merger (issue 18).
const (
	// SchemeKeep keeps the former numbers under the former survey unit
	// (the model since the 2025 mergers): keys do not change, plots take
	// the current commune.
	SchemeKeep = "keep"
	// SchemeContinue renumbers the absorbed units' sheets after the
	// highest sheet number of the current commune, former units by code,
	// sheets by number; plot numbers are kept.
	SchemeContinue = "continue"
)

// KeyMapping says that from On, the plot known as From is To (the same
// key under SchemeKeep). Note is how a land office writes it.
type KeyMapping struct {
	From PlotKey   `json:"from"`
	To   PlotKey   `json:"to"`
	On   time.Time `json:"on"`
	Note string    `json:"note"`
}

// SheetMapping is KeyMapping for a map sheet.
type SheetMapping struct {
	From SheetKey  `json:"from"`
	To   SheetKey  `json:"to"`
	On   time.Time `json:"on"`
	Note string    `json:"note"`
}

// MergePlan is what `cadastre merge` will write for one current commune:
// the mappings, and the batch (new sheets and plots under their new keys,
// the former keys retired) that carries them, in one transaction.
type MergePlan struct {
	Commune string         `json:"commune"`
	Scheme  string         `json:"scheme"`
	On      time.Time      `json:"on"`
	Sheets  []SheetMapping `json:"sheets"`
	Plots   []KeyMapping   `json:"plots"`
	Batch   *Batch         `json:"-"`

	current AdminUnit // the commune, for the notes
}

// PlanMerge plans the merger of the units whose successor is commune,
// given the stored units and the current sheets and plots of the commune
// and of those units. on is the date the merger took effect (zero: the
// units' MergedOn).
func PlanMerge(scheme, commune string, on time.Time, units []AdminUnit, sheets []*Sheet, plots []*Plot) (*MergePlan, error) {
	if scheme != SchemeKeep && scheme != SchemeContinue {
		return nil, Errorf(KindInvalid, "renumbering scheme %q: want %s or %s", scheme, SchemeKeep, SchemeContinue)
	}
	var former []AdminUnit
	var current AdminUnit
	found := false
	for _, u := range units {
		if u.Code == commune && u.Current() {
			found, current = true, u
		}
		if u.Successor == commune {
			former = append(former, u)
			if on.IsZero() {
				on = u.MergedOn
			}
		}
	}
	switch {
	case !found:
		return nil, Errorf(KindNotFound, "commune %s: no current unit with that code", commune)
	case len(former) == 0:
		return nil, Errorf(KindInvalid, "commune %s: no former unit names it as successor", commune)
	case on.IsZero():
		return nil, Errorf(KindInvalid, "commune %s: the merger date is unknown (give one)", commune)
	}
	slices.SortFunc(former, func(a, b AdminUnit) int { return cmp.Compare(a.Code, b.Code) })
	plan := &MergePlan{Commune: commune, Scheme: scheme, On: on, Batch: &Batch{}, current: current}
	next := 0
	for _, s := range sheets {
		if s.Key.Unit == commune {
			next = max(next, s.Key.Number)
		}
	}
	bySheet := map[SheetKey][]*Plot{}
	for _, p := range plots {
		bySheet[p.Key.SheetKey()] = append(bySheet[p.Key.SheetKey()], p)
	}
	for _, u := range former {
		var own []*Sheet
		for _, s := range sheets {
			if s.Key.Unit == u.Code {
				own = append(own, s)
			}
		}
		slices.SortFunc(own, func(a, b *Sheet) int { return cmp.Compare(a.Key.Number, b.Key.Number) })
		for _, s := range own {
			to := s.Key
			if scheme == SchemeContinue {
				next++
				to = SheetKey{Unit: commune, Number: next}
			}
			plan.addSheet(s, to, u, bySheet[s.Key])
		}
	}
	return plan, nil
}

// addSheet plans one former sheet: its new key, and its plots'.
func (m *MergePlan) addSheet(s *Sheet, to SheetKey, u AdminUnit, plots []*Plot) {
	d := m.On.Format("02/01/2006")
	slices.SortFunc(plots, func(a, b *Plot) int { return cmp.Compare(a.Key.Plot, b.Key.Plot) })
	if to != s.Key {
		note := fmt.Sprintf("Trước ngày %s là tờ bản đồ số %d %s", d, s.Key.Number, unitName(u))
		m.Sheets = append(m.Sheets, SheetMapping{From: s.Key, To: to, On: m.On, Note: note})
		ns := *s
		ns.Key, ns.Version = to, Version{}
		ns.Note = note
		m.Batch.Sheets = append(m.Batch.Sheets, &ns)
	}
	for _, p := range plots {
		k := PlotKey{Unit: to.Unit, Sheet: to.Number, Plot: p.Key.Plot}
		note := fmt.Sprintf("Trước ngày %s là thửa đất số %d tờ bản đồ số %d %s", d, p.Key.Plot, s.Key.Number, unitName(u))
		if k == p.Key {
			note = fmt.Sprintf("Từ ngày %s thuộc %s; giữ số tờ bản đồ số %d %s", d, unitName(m.current), s.Key.Number, unitName(u))
		}
		m.Plots = append(m.Plots, KeyMapping{From: p.Key, To: k, On: m.On, Note: note})
		if k == p.Key && p.Commune == m.Commune {
			continue // nothing to write: today's model already
		}
		np := *p
		np.Key, np.Commune, np.Version = k, m.Commune, Version{}
		np.LandUse = slices.Clone(p.LandUse)
		np.Note = note
		m.Batch.Plots = append(m.Batch.Plots, &np)
		if k != p.Key {
			m.Batch.Retire = append(m.Batch.Retire, p.Key)
		}
	}
}

// unitName writes a unit as land offices do ("xã Tân Phú"): its name with
// the kind in lower case, "xã" when the name has none.
func unitName(u AdminUnit) string {
	for _, kind := range []string{"Xã ", "Phường ", "Thị trấn ", "Đặc khu "} {
		if strings.HasPrefix(u.Name, kind) {
			return strings.ToLower(kind) + strings.TrimPrefix(u.Name, kind)
		}
	}
	return "xã " + u.Name
}

// Lineage is implemented by stores that keep the identity mappings of
// mergers (PostGIS migrations/0014, GeoPackage plot_lineage).
type Lineage interface {
	// Successor returns the mapping from the former key k; KindNotFound
	// when k was never renumbered.
	Successor(ctx context.Context, k PlotKey) (KeyMapping, error)
	// Former lists the mappings to the key k (its former identities).
	Former(ctx context.Context, k PlotKey) ([]KeyMapping, error)
	// SheetSuccessor returns the mapping from the former sheet k;
	// KindNotFound when k was never renumbered.
	SheetSuccessor(ctx context.Context, k SheetKey) (SheetMapping, error)
}

// LineageTx is implemented by the write transactions of a Lineage store:
// the mappings are stored with the versions that renumber, or not at all.
// A mapping of a key already mapped is KindConflict.
type LineageTx interface {
	WriteLineage(ctx context.Context, plots []KeyMapping, sheets []SheetMapping) error
}

// ApplyMerge writes the plan in one transaction: the new sheet and plot
// versions, the former keys retired, the mappings. With dryRun it checks
// everything and stores nothing. On any error nothing is stored.
func ApplyMerge(ctx context.Context, w Writer, plan *MergePlan, c Change, dryRun bool) (res WriteResult, err error) {
	tx, err := w.Begin(ctx, c)
	if err != nil {
		return WriteResult{}, err
	}
	defer func() {
		if rerr := tx.Rollback(ctx); err == nil && rerr != nil && dryRun {
			err = rerr
		}
	}()
	lt, ok := tx.(LineageTx)
	if !ok {
		return WriteResult{}, Errorf(KindUnavailable, "this store keeps no merger lineage")
	}
	if dryRun {
		return WriteResult{}, tx.Check(ctx, plan.Batch)
	}
	if err := tx.Write(ctx, plan.Batch); err != nil {
		return WriteResult{}, err
	}
	if err := lt.WriteLineage(ctx, plan.Plots, plan.Sheets); err != nil {
		return WriteResult{}, err
	}
	return tx.Commit(ctx)
}

// PlanMergeIn reads what PlanMerge needs from a store: the units, the
// sheets, and the current plots of the commune's former units.
func PlanMergeIn(ctx context.Context, s Store, scheme, commune string, on time.Time) (*MergePlan, error) {
	units, err := s.Units(ctx)
	if err != nil {
		return nil, err
	}
	former := map[string]bool{}
	for _, u := range units {
		if u.Successor == commune {
			former[u.Code] = true
		}
	}
	sheets, err := s.Sheets(ctx, "")
	if err != nil {
		return nil, err
	}
	var plots []*Plot
	err = s.EachPlot(ctx, func(p *Plot) error {
		if former[p.Key.Unit] {
			plots = append(plots, p)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return PlanMerge(scheme, commune, on, units, sheets, plots)
}
