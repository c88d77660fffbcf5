package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// Spool files left by a server killed mid-upload are removed when the
// next server starts; a running process's spool file (another server
// sharing the directory: pid 1 stands for it) and other files stay.
func TestServeRemovesSpoolFilesOfDeadServers(t *testing.T) {
	gone := exec.Command(os.Args[0], "-test.run=^$")
	if err := gone.Run(); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	dead := fmt.Sprintf("cadastre-spool-%d-4711", gone.Process.Pid)
	for _, name := range []string{dead, "cadastre-spool-1-4712", "notes.txt"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("{"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	_, stop, logs := startServe(t, "--gpkg", filepath.Join(t.TempDir(), "c.gpkg"), "--load-sample=false", "--spool-dir", dir)
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var left []string
	for _, e := range entries {
		left = append(left, e.Name())
	}
	if !slices.Equal(left, []string{"cadastre-spool-1-4712", "notes.txt"}) {
		t.Errorf("spool directory after start: %v, want the dead server's %s gone and the others kept", left, dead)
	}
	if !strings.Contains(logs.String(), "removed spool files") {
		t.Errorf("the clean-up is not logged:\n%s", logs)
	}
}
