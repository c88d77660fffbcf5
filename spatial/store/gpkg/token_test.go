package gpkg

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"cadastre/spatial"
	"cadastre/spatial/store/storetest"
)

func TestTokens(t *testing.T) {
	s := openTemp(t)
	ctx := context.Background()
	secret, hash, err := spatial.NewTokenSecret()
	if err != nil {
		t.Fatal(err)
	}
	tok := &spatial.Token{Name: "land office GIS desk", Role: spatial.RoleAdmin, Hash: hash, CreatedBy: "gpkg-test"}
	if err := s.CreateToken(ctx, tok); err != nil {
		t.Fatalf("CreateToken: %v", err)
	}
	if tok.ID == 0 || tok.CreatedAt.IsZero() {
		t.Errorf("CreateToken: got ID %d, CreatedAt %v; want both set", tok.ID, tok.CreatedAt)
	}
	got, err := s.TokenByHash(ctx, spatial.HashToken(secret))
	if err != nil {
		t.Fatalf("TokenByHash: %v", err)
	}
	if got.ID != tok.ID || got.Name != tok.Name || got.Role != tok.Role || !bytes.Equal(got.Hash, hash) ||
		!got.CreatedAt.Equal(tok.CreatedAt) || got.CreatedBy != tok.CreatedBy {
		t.Errorf("TokenByHash: got %+v, want %+v", got, tok)
	}
	if _, err := s.TokenByHash(ctx, spatial.HashToken("cad_wrong")); spatial.KindOf(err) != spatial.KindNotFound {
		t.Errorf("TokenByHash(unknown): got %v, want KindNotFound", err)
	}
	again := *tok
	if err := s.CreateToken(ctx, &again); spatial.KindOf(err) != spatial.KindConflict {
		t.Errorf("CreateToken with a stored hash: got %v, want KindConflict", err)
	}
	for name, bad := range map[string]spatial.Token{
		"role":  {Name: "x", Role: "root", Hash: spatial.HashToken("a")},
		"name":  {Name: " ", Role: spatial.RoleSurveyor, Hash: spatial.HashToken("b")},
		"hash":  {Name: "x", Role: spatial.RoleSurveyor, Hash: []byte("short")},
		"empty": {},
	} {
		if err := s.CreateToken(ctx, &bad); spatial.KindOf(err) != spatial.KindInvalid {
			t.Errorf("CreateToken with a bad %s: got %v, want KindInvalid", name, err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	checkSecretNotStored(t, s.Path(), secret)
	db := openRaw(t, s.Path())
	if n := queryInt(t, db, "SELECT count(*) FROM gpkg_contents WHERE table_name = 'tokens' AND data_type = 'attributes'"); n != 1 {
		t.Errorf("tokens in gpkg_contents: got %d rows, want 1 attributes row", n)
	}
}

func TestTokenCreatedAtKept(t *testing.T) {
	s := openTemp(t)
	defer s.Close()
	at := time.Date(2025, 7, 1, 8, 30, 0, 123456789, time.FixedZone("ICT", 7*3600))
	tok := &spatial.Token{Name: "registrar", Role: spatial.RoleRegistrar, Hash: spatial.HashToken("c"), CreatedAt: at}
	if err := s.CreateToken(context.Background(), tok); err != nil {
		t.Fatal(err)
	}
	got, err := s.TokenByHash(context.Background(), tok.Hash)
	if err != nil || !got.CreatedAt.Equal(at) {
		t.Errorf("CreatedAt: got %v (err %v), want %v", got.CreatedAt, err, at)
	}
}

// checkSecretNotStored looks for the secret (with or without its prefix)
// in the file and any log left beside it.
func checkSecretNotStored(t *testing.T, path, secret string) {
	t.Helper()
	for _, suffix := range []string{"", "-wal", "-journal"} {
		data, err := os.ReadFile(path + suffix)
		if errors.Is(err, os.ErrNotExist) && suffix != "" {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(data, []byte(secret)) || bytes.Contains(data, []byte(secret[4:])) {
			t.Errorf("the secret is stored in %s", path+suffix)
		}
	}
}

func TestTokenRevocation(t *testing.T) {
	s := openTemp(t)
	defer s.Close()
	storetest.RunTokens(t, s)
}

func TestTokenUse(t *testing.T) {
	s := openTemp(t)
	defer s.Close()
	storetest.RunTokenUse(t, s)
}

// TestTokenColumnsAdded: a file made before tokens could be revoked (its
// tokens table without revoked_at and revoked_by) or expire (without
// expires_at, token_uses and token_extract_bytes) gets the columns and
// tables when opened; its tokens stay valid, can be used and revoked.
func TestTokenColumnsAdded(t *testing.T) {
	path := filepath.Join(t.TempDir(), "old.gpkg")
	s, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	secret, hash, _ := spatial.NewTokenSecret()
	for _, q := range []string{
		"ALTER TABLE tokens DROP COLUMN revoked_at",
		"ALTER TABLE tokens DROP COLUMN revoked_by",
		"ALTER TABLE tokens DROP COLUMN expires_at", // and the tables of issue 15
		"DROP TABLE token_uses",
		"DROP TABLE token_extract_bytes",
		"DELETE FROM gpkg_contents WHERE table_name IN ('token_uses', 'token_extract_bytes')",
		"INSERT INTO tokens (name, role, hash, created_at, created_by) VALUES ('old desk', 'admin', ?, '2026-01-02T03:04:05Z', 'ops')",
	} {
		var args []any
		if strings.Contains(q, "?") {
			args = append(args, hash)
		}
		if _, err := db.Exec(q, args...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	db.Close()
	s, err = Open(context.Background(), path)
	if err != nil {
		t.Fatalf("Open of a file without the revocation columns: %v", err)
	}
	defer s.Close()
	old, err := s.TokenByHash(context.Background(), spatial.HashToken(secret))
	if err != nil || old.Name != "old desk" || old.Revoked() {
		t.Fatalf("the old token: got %+v (err %v), want it valid", old, err)
	}
	if err := s.TouchToken(context.Background(), old.ID, time.Now()); err != nil {
		t.Errorf("recording a use of the old token: %v", err)
	}
	if _, err := s.ChargeExtractBytes(context.Background(), old.ID, time.Now(), 10, 100); err != nil {
		t.Errorf("charging the old token's quota: %v", err)
	}
	if got, err := s.RevokeToken(context.Background(), old.ID, "ops"); err != nil || !got.Revoked() || !got.ExpiresAt.IsZero() {
		t.Errorf("revoking the old token: got %+v (err %v)", got, err)
	}
}
