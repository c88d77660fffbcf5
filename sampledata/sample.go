package sampledata

import (
	"embed"
	"io/fs"

	"cadastre/spatial"
)

// sampleFS is the committed sample: WriteGeoJSON(DefaultConfig(), "sample"),
// kept up to date by TestCommittedSampleUpToDate.
//
//go:embed sample
var sampleFS embed.FS

// Sample returns the committed sample (DefaultConfig), read from the copy
// embedded in the binary, so a server can load it with no files around.
func Sample() (*spatial.Batch, error) {
	sub, err := fs.Sub(sampleFS, "sample")
	if err != nil {
		return nil, err
	}
	return readFS(sub)
}
