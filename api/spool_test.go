package api

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"cadastre/spatial"
	"cadastre/spatial/store/gpkg"
)

// lockedBuffer is a log sink safe for the server's goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// spoolServer is a server over a real GeoPackage with an admin token,
// its log in logs.
func spoolServer(t *testing.T, o Options) (srv *httptest.Server, s *Server, admin string, logs *lockedBuffer) {
	t.Helper()
	st, err := gpkg.Open(context.Background(), filepath.Join(t.TempDir(), "s.gpkg"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	secret, hash, err := spatial.NewTokenSecret()
	if err != nil {
		t.Fatal(err)
	}
	if err := st.CreateToken(context.Background(), &spatial.Token{Name: "admin", Role: spatial.RoleAdmin, Hash: hash, CreatedBy: "test"}); err != nil {
		t.Fatal(err)
	}
	logs = &lockedBuffer{}
	o.Store, o.Log = st, slog.New(slog.NewTextHandler(logs, nil))
	s = New(o)
	srv = httptest.NewServer(s)
	t.Cleanup(srv.Close)
	return srv, s, secret, logs
}

func upload(t *testing.T, srv *httptest.Server, admin string, body io.Reader) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, srv.URL+"/api/v1/ingest?name=units.json", body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+admin)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

const unitsBody = `[{"code":"90001","name":"Xã Thử Nghiệm","province":"Tỉnh Mẫu","epsg":9210}]`

// An upload whose spool file cannot be written (a full disk: the spool
// file is /dev/full, whose writes fail with ENOSPC) is 507 and logged,
// not 400 as if the client had sent a bad body; the file the server did
// not create is not removed.
func TestSpoolDiskFull(t *testing.T) {
	if _, err := os.Stat("/dev/full"); err != nil {
		t.Fatalf("/dev/full is needed (Linux): %v", err)
	}
	srv, s, admin, logs := spoolServer(t, Options{SpoolDir: t.TempDir()})
	s.spoolOpen = func() (*os.File, error) { return os.OpenFile("/dev/full", os.O_RDWR, 0) }
	code, body := upload(t, srv, admin, strings.NewReader(unitsBody))
	if code != http.StatusInsufficientStorage || !strings.Contains(body, "disk is full") {
		t.Errorf("upload onto a full disk: got %d %s, want 507 saying the disk is full", code, body)
	}
	if !strings.Contains(logs.String(), "cannot spool the upload") || !strings.Contains(logs.String(), "no space left on device") {
		t.Errorf("the spool failure is not logged with its cause:\n%s", logs)
	}
	if _, err := os.Stat("/dev/full"); err != nil {
		t.Errorf("/dev/full: %v", err)
	}
}

// A spool directory that cannot be made (its path is a file) is 503 and
// logged; a working one takes the upload and keeps nothing after it.
func TestSpoolUnusableAndClean(t *testing.T) {
	notDir := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(notDir, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	srv, _, admin, logs := spoolServer(t, Options{SpoolDir: filepath.Join(notDir, "spool")})
	if code, body := upload(t, srv, admin, strings.NewReader(unitsBody)); code != http.StatusServiceUnavailable || strings.Contains(body, "internal error") {
		t.Errorf("upload with an unusable spool directory: got %d %s, want 503 saying why", code, body)
	}
	if !strings.Contains(logs.String(), "cannot spool the upload") {
		t.Errorf("the spool failure is not logged:\n%s", logs)
	}
	dir := filepath.Join(t.TempDir(), "spool")
	srv, _, admin, _ = spoolServer(t, Options{SpoolDir: dir})
	if code, body := upload(t, srv, admin, strings.NewReader(unitsBody)); code != http.StatusOK {
		t.Fatalf("upload: got %d %s", code, body)
	}
	if left, err := os.ReadDir(dir); err != nil || len(left) != 0 {
		t.Errorf("spool directory after the upload: %v, %v; want empty", left, err)
	}
}

// A spool directory other users could read or replace is refused (503),
// never used: uploads are land data before they are checked.
func TestSpoolDirOpenToOthers(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "spool")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	srv, _, admin, _ := spoolServer(t, Options{SpoolDir: dir})
	if code, body := upload(t, srv, admin, strings.NewReader(unitsBody)); code != http.StatusServiceUnavailable {
		t.Errorf("upload into a 0777 spool directory: got %d %s, want 503", code, body)
	}
	if _, err := CleanSpool(dir, nil); err == nil || !strings.Contains(err.Error(), "open to other users") {
		t.Errorf("CleanSpool of a 0777 directory: got %v, want it refused", err)
	}
	link := filepath.Join(t.TempDir(), "link")
	if err := os.Symlink(t.TempDir(), link); err != nil {
		t.Fatal(err)
	}
	if err := checkSpoolDir(link); err == nil {
		t.Error("a symbolic link as the spool directory: accepted, want refused")
	}
}

// CleanSpool goes by the file's lock, not the pid in its name: a file
// named with this very pid (a container's pid 1 after a restart) that no
// one holds is removed; a file held open and locked is kept.
func TestCleanSpoolByLock(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "spool")
	s := &Server{spoolDir: dir}
	held, err := s.openSpool()
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	stale := filepath.Join(dir, spoolPrefix+strconv.Itoa(os.Getpid())+"-stale")
	if err := os.WriteFile(stale, []byte("left by a killed server"), 0o600); err != nil {
		t.Fatal(err)
	}
	n, err := CleanSpool(dir, nil)
	if err != nil || n != 1 {
		t.Fatalf("CleanSpool: %d, %v; want 1 removed", n, err)
	}
	if _, err := os.Stat(stale); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the unheld file with this pid is still there: %v", err)
	}
	if _, err := os.Stat(held.Name()); err != nil {
		t.Errorf("the held spool file was removed: %v", err)
	}
}
