package gpkg

import (
	"fmt"

	"cadastre/spatial"
)

// A file is one transaction written in chunks, so a key may appear in two
// chunks: Batch.Check sees one chunk only, and the store would take the
// second appearance as a new version of the first. keySet remembers the
// keys of every chunk given to Write: a bitmap of plot numbers per sheet
// (spatial.PlotKeySet), about one bit a plot; retirements (few) go into a
// plain map.

type keySet struct {
	written spatial.PlotKeySet
	retired map[spatial.PlotKey]struct{}
}

func newKeySet() *keySet {
	return &keySet{retired: map[spatial.PlotKey]struct{}{}}
}

func (s *keySet) isWritten(k spatial.PlotKey) bool { return s.written.Has(k) }

func (s *keySet) isRetired(k spatial.PlotKey) bool {
	_, ok := s.retired[k]
	return ok
}

func (s *keySet) record(b *spatial.Batch) {
	for _, p := range b.Plots {
		s.written.Add(p.Key)
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
