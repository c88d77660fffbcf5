// Package web is the map page of the service (issue 7): its own files,
// embedded in the binary, and MapLibre GL JS, whose dist files are read at
// run time from node_modules as `npm ci` installs them from the committed
// lockfile. No third-party code is copied into the repository, and the
// page loads nothing from other hosts: text labels are HTML markers, so no
// glyph server is needed.
package web

import (
	"embed"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
)

//go:embed static
var static embed.FS

// VendorPrefix is where MapLibre's dist directory appears in the FS.
const VendorPrefix = "vendor/maplibre-gl/"

// maplibreFiles are the dist files the page needs (ESM build, its worker,
// the stylesheet); nothing else of node_modules is served.
var maplibreFiles = map[string]bool{
	"maplibre-gl.mjs": true, "maplibre-gl-worker.mjs": true, "maplibre-gl-shared.mjs": true, "maplibre-gl.css": true,
}

// FS returns the files of the page: index.html, app.js, app.css, i18n.js
// at the root and MapLibre under VendorPrefix, read from
// dir/node_modules/maplibre-gl/dist. The error says when MapLibre is not
// installed; the returned FS then still serves the page's own files.
func FS(dir string) (fs.FS, error) {
	own, err := fs.Sub(static, "static")
	if err != nil {
		return nil, err
	}
	dist := filepath.Join(dir, "node_modules", "maplibre-gl", "dist")
	f := &assets{own: own, dist: os.DirFS(dist)}
	if _, err := fs.Stat(f.dist, "maplibre-gl.mjs"); err != nil {
		return f, fmt.Errorf("MapLibre GL JS not found in %s (run `npm ci` in %s): %w", dist, dir, err)
	}
	return f, nil
}

// assets overlays the vendored dist directory on the embedded files.
type assets struct {
	own, dist fs.FS
}

// Open implements fs.FS.
func (a *assets) Open(name string) (fs.File, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrInvalid}
	}
	if rest, ok := strings.CutPrefix(name, VendorPrefix); ok {
		if !maplibreFiles[path.Clean(rest)] {
			return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
		}
		return a.dist.Open(rest)
	}
	if strings.HasPrefix(name, "vendor") {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
	return a.own.Open(name)
}
