package gpkg

import (
	"fmt"

	"cadastre/spatial"
)

// A file is one transaction written in chunks, so a key may appear in two
// chunks: Batch.Check sees one chunk only, and the store would take the
// second appearance as a new version of the first. keySet remembers the
// keys of every chunk given to Write. A plot key packs into 8 bytes
// (5-digit unit, sheet < 2^20, plot < 2^27), so a million plots cost 10 to
// 20 MB; keys that do not pack, and retirements (few), go into plain maps.

type keySet struct {
	written map[uint64]struct{}
	other   map[spatial.PlotKey]struct{} // written keys that do not pack
	retired map[spatial.PlotKey]struct{}
}

func newKeySet() *keySet {
	return &keySet{written: map[uint64]struct{}{}, other: map[spatial.PlotKey]struct{}{}, retired: map[spatial.PlotKey]struct{}{}}
}

// packKey returns k in 64 bits: unit (17 bits), sheet (20), plot (27).
func packKey(k spatial.PlotKey) (uint64, bool) {
	if !spatial.ValidUnitCode(k.Unit) || k.Sheet <= 0 || k.Sheet >= 1<<20 || k.Plot <= 0 || k.Plot >= 1<<27 {
		return 0, false
	}
	var unit uint64
	for _, c := range []byte(k.Unit) {
		unit = unit*10 + uint64(c-'0')
	}
	return unit<<47 | uint64(k.Sheet)<<27 | uint64(k.Plot), true
}

func (s *keySet) isWritten(k spatial.PlotKey) bool {
	var ok bool
	if p, packed := packKey(k); packed {
		_, ok = s.written[p]
	} else {
		_, ok = s.other[k]
	}
	return ok
}

func (s *keySet) isRetired(k spatial.PlotKey) bool {
	_, ok := s.retired[k]
	return ok
}

func (s *keySet) record(b *spatial.Batch) {
	for _, p := range b.Plots {
		if packed, ok := packKey(p.Key); ok {
			s.written[packed] = struct{}{}
		} else {
			s.other[p.Key] = struct{}{}
		}
	}
	for _, k := range b.Retire {
		s.retired[k] = struct{}{}
	}
}

// problems lists the plots and retirements of b whose keys an earlier
// chunk of the transaction already carries.
func (s *keySet) problems(b *spatial.Batch) []spatial.Problem {
	var probs []spatial.Problem
	for i, p := range b.Plots {
		reason := ""
		switch {
		case s.isWritten(p.Key):
			reason = "duplicate plot key: an earlier part of this batch has it too"
		case s.isRetired(p.Key):
			reason = "plot is retired by an earlier part of this batch"
		}
		if reason != "" {
			probs = append(probs, spatial.Problem{Index: i, Feature: p.Key.String(), Field: "key", Reason: reason})
		}
	}
	for i, k := range b.Retire {
		reason := ""
		switch {
		case s.isWritten(k):
			reason = "plot is both written and retired in one batch (written by an earlier part)"
		case s.isRetired(k):
			reason = "plot is listed twice for retirement in one batch"
		}
		if reason != "" {
			probs = append(probs, spatial.Problem{Index: -1, Feature: k.String(), Field: fmt.Sprintf("retire[%d]", i), Reason: reason})
		}
	}
	return probs
}
