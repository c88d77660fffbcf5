package spatial

import (
	"math/bits"
	"math/rand/v2"
	"runtime"
	"testing"
)

func TestPlotKeySet(t *testing.T) {
	var s PlotKeySet
	if s.Has(PlotKey{Unit: "27001", Sheet: 1, Plot: 1}) || s.Len() != 0 {
		t.Fatal("zero set not empty")
	}
	ref := map[PlotKey]bool{}
	rng := rand.New(rand.NewPCG(1, 2))
	units := []string{"27001", "27004", "1234"} // a key that is not a 5-digit code still works
	for range 50000 {
		k := PlotKey{Unit: units[rng.IntN(len(units))], Sheet: 1 + rng.IntN(40), Plot: rng.IntN(3000)}
		switch rng.IntN(20) {
		case 0:
			k.Plot = denseLimit + rng.IntN(5) // sparse numbers
		case 1:
			k.Plot = -rng.IntN(3)
		}
		if got, want := s.Add(k), !ref[k]; got != want {
			t.Fatalf("Add(%v) = %v, want %v", k, got, want)
		}
		ref[k] = true
	}
	if s.Len() != len(ref) {
		t.Fatalf("Len = %d, want %d", s.Len(), len(ref))
	}
	for range 50000 {
		k := PlotKey{Unit: units[rng.IntN(len(units))], Sheet: 1 + rng.IntN(45), Plot: rng.IntN(3200)}
		if s.Has(k) != ref[k] {
			t.Fatalf("Has(%v) = %v, want %v", k, s.Has(k), ref[k])
		}
	}
	total := 0
	s.Sheets(func(sk SheetKey, has func(int) bool) {
		total += s.sheets[sk].count()
		for k := range ref {
			if k.SheetKey() == sk && !has(k.Plot) {
				t.Fatalf("sheet %v lacks %v", sk, k)
			}
		}
	})
	if total != len(ref) {
		t.Fatalf("sheets hold %d numbers, want %d", total, len(ref))
	}
}

// TestPlotKeySetMemory checks the point of the type: a million keys on
// 3,000 sheets cost well under 2 bytes each (a map of keys costs 40+).
func TestPlotKeySetMemory(t *testing.T) {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	var s PlotKeySet
	for sheet := 1; sheet <= 3000; sheet++ {
		for plot := 1; plot <= 334; plot++ {
			s.Add(PlotKey{Unit: "27001", Sheet: sheet, Plot: plot})
		}
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	perKey := float64(after.HeapAlloc-before.HeapAlloc) / float64(s.Len())
	if s.Len() != 1002000 || perKey > 2 {
		t.Fatalf("%d keys at %.2f bytes each", s.Len(), perKey)
	}
	runtime.KeepAlive(&s)
}

// count returns how many numbers are set.
func (ns *plotNumbers) count() int {
	c := len(ns.sparse)
	for _, w := range ns.words {
		c += bits.OnesCount64(w)
	}
	return c
}
