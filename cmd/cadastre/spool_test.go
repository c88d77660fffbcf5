package main

import (
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

// A server killed (SIGKILL) in the middle of an upload leaves its spool
// file; the next server to start on that spool directory removes it. A
// running process's spool file (another server sharing the directory:
// pid 1 stands for it) and other files stay.
func TestServeRemovesSpoolFilesOfKilledServer(t *testing.T) {
	dir := t.TempDir()
	spool := filepath.Join(dir, "spool")
	store := []string{"--gpkg", filepath.Join(dir, "c.gpkg")}
	secret, err := run(t, append([]string{"token", "create", "--role", "admin", "--name", "uploader"}, store...)...)
	if err != nil {
		t.Fatal(err)
	}
	addr := freeAddr(t)
	args := append([]string{"serve", "--addr", addr, "--load-sample=false", "--spool-dir", spool}, store...)
	child := exec.Command(os.Args[0], "-test.run=^$")
	child.Env = append(os.Environ(), "CADASTRE_TEST_MAIN="+strings.Join(args, "\x1f"))
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	defer child.Process.Kill()
	waitReady(t, "http://"+addr)
	// An upload that never ends: the server spools what arrives.
	body, feed := io.Pipe()
	defer feed.Close()
	req, err := http.NewRequest(http.MethodPost, "http://"+addr+"/api/v1/ingest?name=plots.geojson", body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+strings.TrimSpace(secret))
	go func() {
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
		}
	}()
	go func() {
		chunk := []byte(`{"type":"FeatureCollection","features":[` + strings.Repeat(" ", 64<<10))
		for {
			if _, err := feed.Write(chunk); err != nil {
				return
			}
			chunk = []byte(strings.Repeat(" ", 64<<10))
			time.Sleep(10 * time.Millisecond)
		}
	}()
	var left []string
	for deadline := time.Now().Add(10 * time.Second); len(left) == 0; {
		left = spoolFiles(t, spool)
		if time.Now().After(deadline) {
			t.Fatal("no spool file appeared during the upload")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := child.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	child.Wait()
	if got := spoolFiles(t, spool); !slices.Equal(got, left) {
		t.Fatalf("after the kill the spool directory holds %v, want the killed server's %v", got, left)
	}
	for _, name := range []string{"cadastre-spool-1-4712", "notes.txt"} {
		if err := os.WriteFile(filepath.Join(spool, name), []byte("{"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	// cadastre-spool-1-4712 stands for the upload of another server
	// sharing the directory: it holds the file's lock (pid 1 is alive
	// too, but the lock, not the pid, is what counts).
	held, err := os.Open(filepath.Join(spool, "cadastre-spool-1-4712"))
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	if err := syscall.Flock(int(held.Fd()), syscall.LOCK_EX); err != nil {
		t.Fatal(err)
	}
	_, stop, logs := startServe(t, append([]string{"--load-sample=false", "--spool-dir", spool}, store...)...)
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if got := spoolFiles(t, spool); !slices.Equal(got, []string{"cadastre-spool-1-4712", "notes.txt"}) {
		t.Errorf("spool directory after the next start: %v, want the killed server's %v gone and the others kept", got, left)
	}
	if !strings.Contains(logs.String(), "removed spool files") {
		t.Errorf("the clean-up is not logged:\n%s", logs)
	}
}

func spoolFiles(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

// waitReady waits for /readyz of a server in another process.
func waitReady(t *testing.T, base string) {
	t.Helper()
	for deadline := time.Now().Add(60 * time.Second); ; {
		if resp, err := http.Get(base + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatal("the server is not ready after 60 s")
		}
		time.Sleep(50 * time.Millisecond)
	}
}
