package gpkg

import (
	"context"
	"encoding/binary"
	"os"
	"path/filepath"
	"testing"
)

// TestHeaderWhileOpen: tools that read the GeoPackage header straight from
// the file (GDAL checks application_id that way) must see a GeoPackage
// while the store still has the file open.
func TestHeaderWhileOpen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "open.gpkg")
	s, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	b, err := os.ReadFile(path)
	if err != nil || len(b) < 100 {
		t.Fatalf("read header: %v (%d bytes)", err, len(b))
	}
	if app := binary.BigEndian.Uint32(b[68:72]); app != 0x47504B47 {
		t.Errorf("application_id in the file header: got %#x, want 0x47504B47 (GPKG)", app)
	}
	if uv := binary.BigEndian.Uint32(b[60:64]); uv != 10300 {
		t.Errorf("user_version in the file header: got %d, want 10300", uv)
	}
}
