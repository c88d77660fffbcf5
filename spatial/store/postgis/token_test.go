package postgis_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"cadastre/spatial"
	"cadastre/spatial/store/storetest"
)

// TestPostGISTokens stores a token's hash, never its secret, finds it by
// hash, and refuses bad or duplicate tokens.
func TestPostGISTokens(t *testing.T) {
	s, pool := openWithPool(t)
	secret, hash, err := spatial.NewTokenSecret()
	if err != nil {
		t.Fatal(err)
	}
	tok := &spatial.Token{Name: "land office ingest", Role: spatial.RoleAdmin, Hash: hash, CreatedBy: "ops"}
	if err := s.CreateToken(ctx(t), tok); err != nil {
		t.Fatalf("CreateToken: %v", err)
	}
	if tok.ID == 0 || tok.CreatedAt.IsZero() {
		t.Errorf("CreateToken: got id %d, created %v; want both set", tok.ID, tok.CreatedAt)
	}
	got, err := s.TokenByHash(ctx(t), spatial.HashToken(secret))
	if err != nil {
		t.Fatalf("TokenByHash: %v", err)
	}
	if got.ID != tok.ID || got.Name != tok.Name || got.Role != tok.Role || !bytes.Equal(got.Hash, hash) ||
		got.CreatedBy != "ops" || !got.CreatedAt.Equal(tok.CreatedAt) {
		t.Errorf("TokenByHash: got %+v, want %+v", got, tok)
	}
	var dump string
	if err := pool.QueryRow(ctx(t), "SELECT string_agg(t::text, ' ') FROM tokens t").Scan(&dump); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(dump, secret) || strings.Contains(dump, strings.TrimPrefix(secret, "cad_")) {
		t.Errorf("the tokens table holds the secret: %s", dump)
	}

	if _, err := s.TokenByHash(ctx(t), spatial.HashToken("cad_unknown")); spatial.KindOf(err) != spatial.KindNotFound {
		t.Errorf("TokenByHash of an unknown secret: got %v, want KindNotFound", err)
	}
	dup := &spatial.Token{Name: "again", Role: spatial.RoleSurveyor, Hash: hash, CreatedBy: "ops"}
	if err := s.CreateToken(ctx(t), dup); spatial.KindOf(err) != spatial.KindConflict {
		t.Errorf("CreateToken with a used hash: got %v, want KindConflict", err)
	}
	bad := []*spatial.Token{
		{Name: "x", Role: "root", Hash: spatial.HashToken("a"), CreatedBy: "ops"},
		{Name: "", Role: spatial.RoleRegistrar, Hash: spatial.HashToken("b"), CreatedBy: "ops"},
		{Name: "x", Role: spatial.RoleRegistrar, Hash: []byte("short"), CreatedBy: "ops"},
	}
	for i, b := range bad {
		if err := s.CreateToken(ctx(t), b); spatial.KindOf(err) != spatial.KindInvalid {
			t.Errorf("bad token #%d: got %v, want KindInvalid", i, err)
		}
	}
}

func TestPostGISTokenRevocation(t *testing.T) {
	s, _ := openWithPool(t)
	storetest.RunTokens(t, s)
}

func TestPostGISTokenUse(t *testing.T) {
	s, _ := openWithPool(t)
	storetest.RunTokenUse(t, s)
}

// TestPostGISTokenRowsKept: migrations/0007 keeps token rows: no delete,
// no change but the one revocation, whatever the client.
func TestPostGISTokenRowsKept(t *testing.T) {
	s, pool := openWithPool(t)
	_, hash, _ := spatial.NewTokenSecret()
	tok := &spatial.Token{Name: "desk", Role: spatial.RoleRegistrar, Hash: hash, CreatedBy: "ops"}
	if err := s.CreateToken(ctx(t), tok); err != nil {
		t.Fatal(err)
	}
	refused := []string{
		"DELETE FROM tokens WHERE id = $1",
		"TRUNCATE tokens",
		"TRUNCATE tokens CASCADE", // token_uses and token_extract_bytes refer to it (0011): the trigger still refuses
		"UPDATE tokens SET revoked_at = now(), revoked_by = '' WHERE id = $1",
		"UPDATE tokens SET role = 'admin' WHERE id = $1",
		"UPDATE tokens SET revoked_at = now(), revoked_by = 'x', name = 'other' WHERE id = $1",
		"UPDATE tokens SET revoked_at = now() WHERE id = $1", // revoked_by missing: tokens_revoked
	}
	for _, q := range refused {
		var args []any
		if strings.Contains(q, "$1") {
			args = append(args, tok.ID)
		}
		_, err := pool.Exec(ctx(t), q, args...)
		var pgErr *pgconn.PgError
		// restrict_violation, check_violation; 0A000: a TRUNCATE of a
		// table others refer to, refused before the trigger runs.
		if !errors.As(err, &pgErr) || (pgErr.Code != "23001" && pgErr.Code != "23514" && !(q == "TRUNCATE tokens" && pgErr.Code == "0A000")) {
			t.Errorf("%s: got %v, want refused by the trigger or a check", q, err)
		}
	}
	if _, err := pool.Exec(ctx(t), "UPDATE tokens SET revoked_at = now(), revoked_by = 'ops' WHERE id = $1", tok.ID); err != nil {
		t.Fatalf("revocation refused: %v", err)
	}
	for _, q := range []string{"UPDATE tokens SET revoked_at = NULL, revoked_by = NULL WHERE id = $1", "UPDATE tokens SET revoked_by = 'y' WHERE id = $1"} {
		if _, err := pool.Exec(ctx(t), q, tok.ID); err == nil {
			t.Errorf("%s after the revocation: accepted, want refused", q)
		}
	}
}
