package main

import (
	"os"
	"os/exec"
	"testing"
	"time"
)

// TestProcTimesChildren checks that a child's CPU, once waited for,
// counts in its parent's children times and not in its own: the floor
// and ogr2ogr rows of the ingest benchmark add PostgreSQL's exited
// backends this way.
func TestProcTimesChildren(t *testing.T) {
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Skip("no /proc on this system")
	}
	before, beforeOwn := procTimes(0, true), procTimes(0, false)
	cmd := exec.Command("sh", "-c", "i=0; while [ $i -lt 300000 ]; do i=$((i+1)); done")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	child := cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	if child < 50*time.Millisecond {
		t.Fatalf("child used only %v of CPU; the test needs more", child)
	}
	gotChildren := (procTimes(0, true) - before) - (procTimes(0, false) - beforeOwn)
	// cutime and cstime are whole 10 ms ticks each, and this process's own
	// time may tick between the paired reads.
	if d := gotChildren - child; d < -40*time.Millisecond || d > 40*time.Millisecond {
		t.Errorf("children CPU grew by %v, the child used %v", gotChildren, child)
	}
}
