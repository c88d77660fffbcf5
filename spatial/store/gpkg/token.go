package gpkg

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"errors"
	"strings"
	"time"

	"cadastre/spatial"
)

var _ spatial.Tokens = (*Store)(nil)

// API tokens live in the attributes table tokens: who holds the token, its
// role, and the SHA-256 hash of its secret. The secret itself is never
// stored; it is shown once, when the token is made.
const tokensDDL = `CREATE TABLE IF NOT EXISTS tokens (
  id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
  name TEXT NOT NULL,
  role TEXT NOT NULL,
  hash BLOB NOT NULL UNIQUE,
  created_at TEXT NOT NULL,
  created_by TEXT NOT NULL)`

const tokensDescription = "API tokens: holder, role and the SHA-256 hash of the secret (never the secret)"

// CreateToken stores t (its hash, never a secret) and sets its ID, and its
// CreatedAt when zero. A bad role, an empty name or a hash that is not
// SHA-256 sized is KindInvalid; a hash already stored is KindConflict.
func (s *Store) CreateToken(ctx context.Context, t *spatial.Token) error {
	const msg = "gpkg: storing the token failed"
	if err := checkToken(t); err != nil {
		return err
	}
	at := t.CreatedAt
	if at.IsZero() {
		at = time.Now()
	}
	at = at.UTC().Round(0)
	res, err := s.db.ExecContext(ctx, `INSERT INTO tokens (name, role, hash, created_at, created_by) VALUES (?, ?, ?, ?, ?)`,
		t.Name, string(t.Role), t.Hash, formatTime(at), t.CreatedBy)
	if isUniqueViolation(err) {
		return spatial.Wrap(spatial.KindConflict, err, "gpkg: a token with that secret already exists")
	}
	if err != nil {
		return storeError(ctx, err, msg)
	}
	id, err := res.LastInsertId()
	if err != nil {
		return storeError(ctx, err, msg)
	}
	t.ID, t.CreatedAt = id, at
	return nil
}

func checkToken(t *spatial.Token) error {
	var probs []spatial.Problem
	if strings.TrimSpace(t.Name) == "" {
		probs = append(probs, spatial.Problem{Index: -1, Field: "name", Reason: "a token needs the name of its holder"})
	}
	if _, err := spatial.ParseRole(string(t.Role)); err != nil {
		probs = append(probs, spatial.Problem{Index: -1, Field: "role", Reason: err.Error()})
	}
	if len(t.Hash) != sha256.Size {
		probs = append(probs, spatial.Problem{Index: -1, Field: "hash", Reason: "want the 32-byte SHA-256 hash of the secret"})
	}
	if len(probs) > 0 {
		return spatial.Invalid("bad token", probs)
	}
	return nil
}

// TokenByHash returns the token with that SHA-256 hash of its secret;
// KindNotFound if none.
func (s *Store) TokenByHash(ctx context.Context, hash []byte) (*spatial.Token, error) {
	const msg = "gpkg: reading a token failed"
	var t spatial.Token
	var role, created string
	err := s.db.QueryRowContext(ctx, `SELECT id, name, role, hash, created_at, created_by FROM tokens WHERE hash = ?`, hash).
		Scan(&t.ID, &t.Name, &role, &t.Hash, &created, &t.CreatedBy)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, spatial.Errorf(spatial.KindNotFound, "token not found")
	}
	if err != nil {
		return nil, storeError(ctx, err, msg)
	}
	t.Role = spatial.Role(role)
	if t.CreatedAt, err = parseTime(created); err != nil {
		return nil, storeError(ctx, err, msg)
	}
	return &t, nil
}
