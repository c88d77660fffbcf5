package postgis_test

import (
	"testing"

	"cadastre/spatial/extract/extracttest"
)

func TestPostGISExtracts(t *testing.T) {
	extracttest.Run(t, open(t))
}

func TestPostGISDecideInTx(t *testing.T) {
	extracttest.RunTx(t, open(t))
}

func TestPostGISAcceptOverlaps(t *testing.T) {
	extracttest.RunAcceptOverlaps(t, open(t))
}
