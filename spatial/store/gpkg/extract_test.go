package gpkg_test

import (
	"context"
	"path/filepath"
	"testing"

	"cadastre/spatial/extract/extracttest"
	"cadastre/spatial/store/gpkg"
)

func TestGPKGExtracts(t *testing.T) {
	s, err := gpkg.Open(context.Background(), filepath.Join(t.TempDir(), "x.gpkg"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	extracttest.Run(t, s)
}

func TestGPKGDecideInTx(t *testing.T) {
	s, err := gpkg.Open(context.Background(), filepath.Join(t.TempDir(), "x.gpkg"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	extracttest.RunTx(t, s)
}

func TestGPKGAcceptOverlaps(t *testing.T) {
	s, err := gpkg.Open(context.Background(), filepath.Join(t.TempDir(), "x.gpkg"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	extracttest.RunAcceptOverlaps(t, s)
}
