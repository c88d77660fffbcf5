package web

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fakeDist makes dir/node_modules/maplibre-gl/dist with the given files.
func fakeDist(t *testing.T, names ...string) string {
	t.Helper()
	dir := t.TempDir()
	dist := filepath.Join(dir, "node_modules", "maplibre-gl", "dist")
	if err := os.MkdirAll(dist, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, n := range names {
		if err := os.WriteFile(filepath.Join(dist, n), []byte("// "+n), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestFS(t *testing.T) {
	dir := fakeDist(t, "maplibre-gl.mjs", "maplibre-gl-worker.mjs", "maplibre-gl.css", "maplibre-gl.mjs.map", "maplibre-gl-dev.mjs")
	f, err := FS(dir)
	if err != nil {
		t.Fatalf("FS with MapLibre installed: %v", err)
	}
	for _, name := range []string{"index.html", "app.js", "app.css", "i18n.js", VendorPrefix + "maplibre-gl.mjs", VendorPrefix + "maplibre-gl-worker.mjs", VendorPrefix + "maplibre-gl.css"} {
		if _, err := fs.ReadFile(f, name); err != nil {
			t.Errorf("open %s: got %v, want the file", name, err)
		}
	}
	// Only the dist files the page needs; nothing else of node_modules.
	for _, name := range []string{VendorPrefix + "maplibre-gl.mjs.map", VendorPrefix + "maplibre-gl-dev.mjs", VendorPrefix + "../package.json", "vendor/other/x.js", "../web.go", "web.go"} {
		if _, err := fs.ReadFile(f, name); !errors.Is(err, fs.ErrNotExist) && !errors.Is(err, fs.ErrInvalid) {
			t.Errorf("open %s: got %v, want not found", name, err)
		}
	}
}

func TestFSWithoutMapLibre(t *testing.T) {
	f, err := FS(t.TempDir())
	if err == nil || !strings.Contains(err.Error(), "npm ci") {
		t.Errorf("FS without node_modules: got error %v, want one saying to run npm ci", err)
	}
	if f == nil {
		t.Fatal("FS without MapLibre: got no FS, want the page's own files")
	}
	if _, err := fs.ReadFile(f, "index.html"); err != nil {
		t.Errorf("index.html without MapLibre: %v", err)
	}
}

// The page loads nothing from other hosts: no absolute URL in its files
// (the browser test checks the running page; this catches it earlier).
func TestNoOtherHosts(t *testing.T) {
	for _, name := range []string{"index.html", "app.js", "app.css", "i18n.js"} {
		b, err := fs.ReadFile(static, "static/"+name)
		if err != nil {
			t.Fatal(err)
		}
		for _, bad := range []string{"http://", "https://", "//fonts.", "glyphs", "sprite"} {
			if strings.Contains(string(b), bad) {
				t.Errorf("%s contains %q: the page must load everything from the service", name, bad)
			}
		}
	}
}
