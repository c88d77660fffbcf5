package ingest

import (
	"cmp"
	"fmt"
	"hash/maphash"
	"regexp"
	"slices"
	"sort"

	"cadastre/spatial"
)

// DefaultMaxProblems is how many problems of each kind a report lists by
// default; the others are only counted (Summary).
const DefaultMaxProblems = 100

// Summary counts the problems (or warnings) of a job by kind, including
// those the report does not list.
type Summary struct {
	Rows     int                    `json:"rows"`     // problems found
	Features int                    `json:"features"` // features (plots, sheets, units) with at least one
	Kinds    map[string]KindSummary `json:"kinds,omitempty"`
}

// KindSummary counts the problems of one kind (Problem.Check, or the field
// when no check is named): rows, the features they concern (an overlap row
// is about two plots), and how many the report lists.
type KindSummary struct {
	Rows     int `json:"rows"`
	Features int `json:"features"`
	Listed   int `json:"listed"`
}

// collector keeps the first max problems of each kind, by input position,
// and counts them all: a file of a million bad features does not make a
// report of a million rows, nor hold them in memory (issue 13).
type collector struct {
	max    int
	order  map[string]int // input name -> ordinal
	kinds  map[string]*kindAcc
	all    map[uint64]struct{} // every feature with a problem
	seed   maphash.Seed
	nInput int
}

type kindAcc struct {
	rows  int
	feats map[uint64]struct{}
	kept  []spatial.Problem
}

func newCollector(max int, inputs []Input) *collector {
	if max <= 0 {
		max = DefaultMaxProblems
	}
	c := &collector{max: max, order: map[string]int{}, kinds: map[string]*kindAcc{}, all: map[uint64]struct{}{}, seed: maphash.MakeSeed(), nInput: len(inputs)}
	for i, in := range inputs {
		if _, ok := c.order[in.Name]; !ok {
			c.order[in.Name] = i
		}
	}
	return c
}

var fieldIndex = regexp.MustCompile(`\[\d+\]|\s*\(row \d+\)`)

// kindOf is the kind a problem is counted under: its check, else its
// field without positions ("units[3].code" -> "units.code").
func kindOf(p spatial.Problem) string {
	if p.Check != "" {
		return p.Check
	}
	if p.Field != "" {
		return fieldIndex.ReplaceAllString(p.Field, "")
	}
	return "input"
}

// ids are the features a problem is about: its position, and for an
// overlap the other plot too (OtherIndex, or its key when stored).
func (c *collector) ids(p spatial.Problem) []uint64 {
	id := func(input string, index int, key string) uint64 {
		if index >= 0 {
			return uint64(c.order[input])<<40 | uint64(index)
		}
		return maphash.String(c.seed, key) | 1<<63
	}
	out := []uint64{id(p.Input, p.Index, p.Feature+"|")}
	if p.Other != "" {
		idx := -1
		if p.OtherIndex != nil {
			idx = *p.OtherIndex
		}
		out = append(out, id(p.OtherInput, idx, p.Other+"|"))
	}
	return out
}

func (c *collector) add(p spatial.Problem) {
	k := kindOf(p)
	a := c.kinds[k]
	if a == nil {
		a = &kindAcc{feats: map[uint64]struct{}{}}
		c.kinds[k] = a
	}
	a.rows++
	for _, id := range c.ids(p) {
		a.feats[id] = struct{}{}
		c.all[id] = struct{}{}
	}
	a.kept = append(a.kept, p)
	if len(a.kept) >= 2*c.max {
		c.sort(a.kept)
		a.kept = a.kept[:c.max]
	}
}

func (c *collector) empty() bool { return len(c.kinds) == 0 }

// rank orders problems by input, then position; those of the batch as a
// whole (no position) come last.
func (c *collector) sort(ps []spatial.Problem) {
	rank := func(p spatial.Problem) (int, int) {
		if p.Index < 0 {
			return c.nInput, 0
		}
		return c.order[p.Input], p.Index
	}
	slices.SortStableFunc(ps, func(a, b spatial.Problem) int {
		ai, ax := rank(a)
		bi, bx := rank(b)
		return cmp.Or(cmp.Compare(ai, bi), cmp.Compare(ax, bx))
	})
}

// result returns the listed problems (the first max of each kind, in
// input order) and the summary.
func (c *collector) result() ([]spatial.Problem, Summary) {
	var out []spatial.Problem
	sum := Summary{Features: len(c.all), Kinds: map[string]KindSummary{}}
	names := make([]string, 0, len(c.kinds))
	for k := range c.kinds {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		a := c.kinds[k]
		c.sort(a.kept)
		if len(a.kept) > c.max {
			a.kept = a.kept[:c.max]
		}
		out = append(out, a.kept...)
		sum.Rows += a.rows
		sum.Kinds[k] = KindSummary{Rows: a.rows, Features: len(a.feats), Listed: len(a.kept)}
	}
	c.sort(out)
	if len(sum.Kinds) == 0 {
		sum.Kinds = nil
	}
	return out, sum
}

// String renders the summary on one line: "12 problems in 9 features
// (geometry 3, overlap 4 rows / 6 plots...)".
func (s Summary) String() string {
	if s.Rows == 0 {
		return "none"
	}
	names := make([]string, 0, len(s.Kinds))
	for k := range s.Kinds {
		names = append(names, k)
	}
	sort.Strings(names)
	out := fmt.Sprintf("%d in %d feature(s):", s.Rows, s.Features)
	for i, k := range names {
		ks := s.Kinds[k]
		sep := ","
		if i == 0 {
			sep = ""
		}
		out += fmt.Sprintf("%s %s %d", sep, k, ks.Features)
		if ks.Rows != ks.Features {
			out += fmt.Sprintf(" (%d rows)", ks.Rows)
		}
		if ks.Listed < ks.Rows {
			out += fmt.Sprintf(" [first %d listed]", ks.Listed)
		}
	}
	return out
}

// positions remembers where each plot given to the transaction stands in
// the inputs, so that an overlap found at the end names the file
// positions of the plots of this batch. Plot numbers on a sheet run from
// 1 to n, so a sheet's positions are a slice indexed by plot number: four
// bytes a plot (the input ordinal and the position packed); a number far
// beyond the others goes to a map instead.
type positions struct {
	sheets map[spatial.SheetKey]*sheetPos
}

type sheetPos struct {
	dense  []uint32         // by plot number - 1: ref + 1, 0 = not given
	sparse map[int32]uint32 // plot numbers too far out for dense
}

const posIndexBits = 26

func (ps *positions) add(k spatial.PlotKey, input, index int) {
	if input >= 1<<(32-posIndexBits) || index >= 1<<posIndexBits-1 || k.Plot <= 0 {
		return // the position is unknown in the report
	}
	if ps.sheets == nil {
		ps.sheets = map[spatial.SheetKey]*sheetPos{}
	}
	sp := ps.sheets[k.SheetKey()]
	if sp == nil {
		sp = &sheetPos{}
		ps.sheets[k.SheetKey()] = sp
	}
	// A key given twice keeps its first position: the later one is the
	// duplicate, refused, and the first the plot an overlap is about.
	ref := uint32(input)<<posIndexBits | uint32(index) + 1
	switch i := k.Plot - 1; {
	case i < len(sp.dense):
		if sp.dense[i] == 0 {
			sp.dense[i] = ref
		}
	case i < 2*len(sp.dense)+1024:
		sp.dense = append(sp.dense, make([]uint32, i+1-len(sp.dense))...)
		sp.dense[i] = ref
	default:
		if sp.sparse == nil {
			sp.sparse = map[int32]uint32{}
		}
		if _, dup := sp.sparse[int32(k.Plot)]; !dup {
			sp.sparse[int32(k.Plot)] = ref
		}
	}
}

// find returns the input ordinal and position of a plot given to the
// transaction.
func (ps *positions) find(k spatial.PlotKey) (input, index int, ok bool) {
	sp := ps.sheets[k.SheetKey()]
	if sp == nil {
		return 0, 0, false
	}
	var ref uint32
	if i := k.Plot - 1; i >= 0 && i < len(sp.dense) {
		ref = sp.dense[i]
	}
	if ref == 0 {
		ref = sp.sparse[int32(k.Plot)]
	}
	if ref == 0 {
		return 0, 0, false
	}
	ref--
	return int(ref >> posIndexBits), int(ref & (1<<posIndexBits - 1)), true
}
