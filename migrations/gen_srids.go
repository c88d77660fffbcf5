//go:build ignore

// gen_srids writes 0001_vn2000_srids.sql from the crs zone table. Run it
// with `go generate` in this folder after the crs data changes.
package main

import (
	"fmt"
	"os"

	"cadastre/migrations"
)

func main() {
	if err := os.WriteFile(migrations.SRIDsFile, migrations.SRIDsSQL(), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "gen_srids:", err)
		os.Exit(1)
	}
}
