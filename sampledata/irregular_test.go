package sampledata

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// TestIrregularDeterministic: the irregular set is the same bytes for the
// same seed, and another seed draws other shapes.
func TestIrregularDeterministic(t *testing.T) {
	read := func(seed int64) []byte {
		dir := t.TempDir()
		if _, err := WriteIrregular(IrregularConfig{Seed: seed}, dir); err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(filepath.Join(dir, PlotsFile))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	a, b, c := read(1), read(1), read(2)
	if !bytes.Equal(a, b) {
		t.Error("seed 1 twice: the plots differ")
	}
	if bytes.Equal(a, c) {
		t.Error("seeds 1 and 2: the same plots")
	}
}
