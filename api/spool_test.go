package api

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
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
