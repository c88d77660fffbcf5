package gpkg

import (
	"bufio"
	"context"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"cadastre/spatial"
)

// The crash test: a child process (this test binary, re-run with
// crashFileEnv set) writes chunk after chunk into one transaction and
// reports each one on stdout; the parent kills it with SIGKILL once the
// write-ahead log holds uncommitted pages, then opens the file. SQLite
// spills a transaction's pages to the log when its page cache is full; the
// child runs on one connection with a 1 MB cache so that this happens
// after a few chunks, not after 32 MB (which takes minutes under -race).

const crashFileEnv = "CADASTRE_GPKG_CRASH_FILE"

// crashChunks is how many chunks the child writes at most (crashPlots
// plots each); it never commits.
const (
	crashChunks = 200
	crashPlots  = 500
)

// crashChunk is chunk c of the child's file: one sheet of unit B, placed
// on a 40-sheet-wide band of grid cells, and 500 of its plots.
func crashChunk(t testing.TB, c int) *spatial.Batch {
	g := newPlotGrid(t, 100+c, 601234+float64(c%40)*500, 1192376+float64(c/40)*500, 2, uint64(c))
	return &spatial.Batch{Sheets: []*spatial.Sheet{g.sheet}, Plots: g.plots(0, crashPlots)}
}

// TestHelperIngestChild is the child: it does nothing unless crashFileEnv
// names a file.
func TestHelperIngestChild(t *testing.T) {
	path := os.Getenv(crashFileEnv)
	if path == "" {
		t.Skip("helper process for TestCrashMidTransaction")
	}
	ctx := context.Background()
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	s.db.SetMaxOpenConns(1)
	if _, err := s.db.ExecContext(ctx, "PRAGMA cache_size = -1000"); err != nil {
		t.Fatal(err)
	}
	tx, err := s.Begin(ctx, change("killed midway"))
	if err != nil {
		t.Fatal(err)
	}
	for c := range crashChunks {
		if err := tx.Write(ctx, crashChunk(t, c)); err != nil {
			t.Fatal(err)
		}
		fmt.Printf("chunk %d\n", c)
	}
	fmt.Println("all chunks written")
	time.Sleep(time.Minute) // killed long before; never commits
}

func TestCrashMidTransaction(t *testing.T) {
	path := fixtureFile(t)
	before := tableCounts(t, path)
	child := exec.Command(os.Args[0], "-test.run=^TestHelperIngestChild$", "-test.count=1")
	child.Env = append(os.Environ(), crashFileEnv+"="+path)
	child.Stderr = os.Stderr
	out, err := child.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = child.Process.Kill() }) // fails when the test has killed it already
	chunks, wal := waitForSpill(t, bufio.NewScanner(out), path)
	if err := child.Process.Kill(); err != nil { // SIGKILL on Unix
		t.Fatalf("kill: %v", err)
	}
	if err := child.Wait(); err == nil || !strings.Contains(err.Error(), "killed") {
		t.Fatalf("child: got %v, want killed", err)
	}
	t.Logf("killed the child after %d chunks (%d plots), with %d uncommitted bytes in the WAL", chunks, chunks*crashPlots, wal)
	checkAfterCrash(t, path, before)
}

// waitForSpill reads the child's progress until the WAL has grown past a
// megabyte, and returns the chunks written and the WAL size.
func waitForSpill(t *testing.T, lines *bufio.Scanner, path string) (chunks int, wal int64) {
	t.Helper()
	for lines.Scan() {
		if !strings.HasPrefix(lines.Text(), "chunk ") {
			break
		}
		chunks++
		if fi, err := os.Stat(path + "-wal"); err == nil && fi.Size() > 1<<20 && chunks >= 3 {
			return chunks, fi.Size()
		}
	}
	t.Fatalf("the child stopped (%q, err %v) after %d chunks before the WAL grew", lines.Text(), lines.Err(), chunks)
	return 0, 0
}

// checkAfterCrash opens the file as the next process would: it holds what
// it held before the child, passes SQLite's integrity check, and takes a
// new chunked write.
func checkAfterCrash(t *testing.T, path string, before map[string]int) {
	t.Helper()
	ctx := context.Background()
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatalf("Open after the crash: %v", err)
	}
	defer s.Close()
	if got := tableCounts(t, path); !maps.Equal(got, before) {
		t.Errorf("after the crash: got tables %v, want %v", got, before)
	}
	var check string
	if err := s.db.QueryRowContext(ctx, "PRAGMA integrity_check").Scan(&check); err != nil || check != "ok" {
		t.Errorf("integrity_check: got %q (err %v), want ok", check, err)
	}
	tx, err := s.Begin(ctx, change("after the crash"))
	if err != nil {
		t.Fatalf("Begin after the crash: %v", err)
	}
	for c := range 2 {
		if err := tx.Write(ctx, crashChunk(t, c)); err != nil {
			t.Fatalf("Write after the crash: %v", err)
		}
	}
	res, err := tx.Commit(ctx)
	if err != nil || res.Inserted != 2*crashPlots {
		t.Fatalf("Commit after the crash: got %+v (err %v), want %d inserted", res, err, 2*crashPlots)
	}
	if got, want := tableCounts(t, path)["plots_9210"], before["plots_9210"]+res.Inserted; got != want {
		t.Errorf("plots after the new write: got %d, want %d", got, want)
	}
}
