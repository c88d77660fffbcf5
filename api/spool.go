package api

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"cadastre/spatial"
)

// An upload to POST /api/v1/ingest is spooled to a file of its own in the
// spool directory (Options.SpoolDir), named cadastre-spool-<pid>-<random>,
// and removed when the request ends. The server holds an exclusive flock
// on the file while it uses it; a server killed in the middle leaves the
// file behind unlocked (the kernel drops a dead process's locks), and
// CleanSpool, at the next start, removes the spool files no process holds.
// A lock, not the pid in the name, tells: in a container every server is
// pid 1, and pids are reused.

// DefaultSpoolDir is the spool directory when Options.SpoolDir is empty:
// one per user under the temporary directory (a directory made 0700 by
// one user's server would refuse another's).
func DefaultSpoolDir() string {
	return filepath.Join(os.TempDir(), "cadastre-spool-"+strconv.Itoa(os.Getuid()))
}

const spoolPrefix = "cadastre-spool-"

// errSpool marks an upload the server could not write down: its fault,
// not the client's (503, or 507 when the disk or quota is full).
var errSpool = errors.New("cannot spool the upload")

// spoolWriter remembers the error of the spool file, so that a failed
// write is told from a failed read of the body.
type spoolWriter struct {
	f   *os.File
	err error
}

func (w *spoolWriter) Write(p []byte) (int, error) {
	n, err := w.f.Write(p)
	if err != nil && w.err == nil {
		w.err = err
	}
	return n, err
}

// spool copies the body to a spool file, enforcing the size limit, and
// returns the file (at its start), the body's SHA-256 and its size. The
// caller closes the file and removes it (removeSpool).
func (s *Server) spool(r *http.Request) (*os.File, string, int64, error) {
	f, err := s.openSpool()
	if err != nil {
		return nil, "", 0, s.spoolFailed(r, "", err)
	}
	fail := func(err error) (*os.File, string, int64, error) {
		f.Close()
		s.removeSpool(f)
		return nil, "", 0, err
	}
	h := sha256.New()
	w := &spoolWriter{f: f}
	n, err := io.Copy(io.MultiWriter(w, h), http.MaxBytesReader(nil, r.Body, s.maxIngest))
	var tooBig *http.MaxBytesError
	switch {
	case w.err != nil:
		return fail(s.spoolFailed(r, f.Name(), w.err))
	case errors.As(err, &tooBig):
		return fail(&spatial.Error{Kind: spatial.KindInvalid, Message: fmt.Sprintf("upload larger than the limit of %d bytes", s.maxIngest), Err: errTooLarge})
	case err != nil:
		return fail(spatial.Wrap(spatial.KindInvalid, err, "could not read the request body"))
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return fail(s.spoolFailed(r, f.Name(), err))
	}
	return f, hex.EncodeToString(h.Sum(nil)), n, nil
}

// openSpool creates the request's spool file (the directory too).
func (s *Server) openSpool() (*os.File, error) {
	if s.spoolOpen != nil { // tests: a file that fails as a full disk does
		return s.spoolOpen()
	}
	if err := os.MkdirAll(s.spoolDir, 0o700); err != nil {
		return nil, err
	}
	if err := checkSpoolDir(s.spoolDir); err != nil {
		return nil, err
	}
	f, err := os.CreateTemp(s.spoolDir, spoolPrefix+strconv.Itoa(os.Getpid())+"-*")
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		os.Remove(f.Name())
		return nil, fmt.Errorf("locking spool file %s: %w", f.Name(), err)
	}
	return f, nil
}

// checkSpoolDir refuses a spool directory that another local user could
// read or replace: uploads are land data before they are checked. It must
// be a real directory (not a symbolic link), owned by this process's user,
// with no access for group or others. (A directory of that name made in
// the shared temporary directory by another user is refused, not used.)
func checkSpoolDir(dir string) error {
	fi, err := os.Lstat(dir)
	if err != nil {
		return err
	}
	if !fi.IsDir() {
		return fmt.Errorf("spool directory %s is not a directory (a symbolic link or a file)", dir)
	}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok && int(st.Uid) != os.Getuid() {
		return fmt.Errorf("spool directory %s belongs to user %d, not to this server's user %d", dir, st.Uid, os.Getuid())
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return fmt.Errorf("spool directory %s is open to other users (mode %v): want 0700", dir, fi.Mode().Perm())
	}
	return nil
}

// removeSpool removes a spool file, only if it is one of the spool
// directory's.
func (s *Server) removeSpool(f *os.File) {
	name := f.Name()
	if filepath.Dir(name) != filepath.Clean(s.spoolDir) || !strings.HasPrefix(filepath.Base(name), spoolPrefix) {
		return
	}
	if err := os.Remove(name); err != nil && !errors.Is(err, os.ErrNotExist) {
		s.log.Warn("removing a spool file failed", "file", name, "err", err)
	}
}

// spoolFailed logs a failure to write the upload down and returns its
// error: 507 when the disk or a quota is full, 503 otherwise.
func (s *Server) spoolFailed(r *http.Request, file string, err error) error {
	s.log.ErrorContext(r.Context(), "cannot spool the upload", "dir", s.spoolDir, "file", file, "err", err)
	msg := "the server cannot store the upload for checking now; retry later"
	if storageFull(err) {
		msg = "the server's disk is full: it cannot store the upload for checking"
	}
	return &spatial.Error{Kind: spatial.KindUnavailable, Message: msg, Err: errors.Join(errSpool, err)}
}

// storageFull reports a full disk or quota, or a file size limit.
func storageFull(err error) bool {
	return errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT) || errors.Is(err, syscall.EFBIG)
}

// spoolStatus is the status of a spool failure: 507 Insufficient Storage
// for a full disk, else the kind's (503).
func spoolStatus(err error) int {
	if errors.Is(err, errSpool) && storageFull(err) {
		return http.StatusInsufficientStorage
	}
	return 0
}

// CleanSpool removes from dir the spool files that no process holds (a
// server killed during an upload), and returns how many. Files locked by
// a running process (another server sharing the directory, this one's
// own) and files not named as spool files are left alone. A missing
// directory is no error; one that other users could use is refused.
func CleanSpool(dir string, log *slog.Logger) (int, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	if err := checkSpoolDir(dir); err != nil {
		return 0, err
	}
	n := 0
	for _, e := range entries {
		if _, ok := spoolPID(e.Name()); !ok || !e.Type().IsRegular() {
			continue
		}
		removed, err := removeIfUnheld(filepath.Join(dir, e.Name()))
		if err != nil {
			return n, err
		}
		if removed {
			n++
		}
	}
	if n > 0 && log != nil {
		log.Info("removed spool files left by a server that ended mid-upload", "dir", dir, "files", n)
	}
	return n, nil
}

// spoolPID reads the process id out of a spool file's name.
func spoolPID(name string) (int, bool) {
	rest, ok := strings.CutPrefix(name, spoolPrefix)
	if !ok {
		return 0, false
	}
	p, _, ok := strings.Cut(rest, "-")
	if !ok {
		return 0, false
	}
	pid, err := strconv.Atoi(p)
	return pid, err == nil && pid > 0
}

// removeIfUnheld removes the spool file at path when no process holds its
// lock (the lock is taken, then the file removed while it is held, so no
// server can start using it in between).
func removeIfUnheld(path string) (bool, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	defer f.Close()
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return false, nil // in use
		}
		return false, err
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return false, err
	}
	return true, nil
}
