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
  created_by TEXT NOT NULL,
  revoked_at TEXT,
  revoked_by TEXT)`

// tokenRevocationColumns are the columns a file made before tokens could
// be revoked lacks; initSchema adds them.
var tokenRevocationColumns = []string{"revoked_at TEXT", "revoked_by TEXT"}

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
	t, err := scanToken(s.db.QueryRowContext(ctx, `SELECT `+tokenColumns+` FROM tokens WHERE hash = ?`, hash))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, spatial.Errorf(spatial.KindNotFound, "token not found")
	}
	if err != nil {
		return nil, storeError(ctx, err, msg)
	}
	return t, nil
}

const tokenColumns = "id, name, role, hash, created_at, created_by, coalesce(revoked_at, ''), coalesce(revoked_by, '')"

// scanToken reads a row of tokenColumns.
func scanToken(row interface{ Scan(...any) error }) (*spatial.Token, error) {
	var t spatial.Token
	var role, created, revoked string
	if err := row.Scan(&t.ID, &t.Name, &role, &t.Hash, &created, &t.CreatedBy, &revoked, &t.RevokedBy); err != nil {
		return nil, err
	}
	t.Role = spatial.Role(role)
	var err error
	if t.CreatedAt, err = parseTime(created); err != nil {
		return nil, err
	}
	if revoked != "" {
		if t.RevokedAt, err = parseTime(revoked); err != nil {
			return nil, err
		}
	}
	return &t, nil
}

// ListTokens returns every token, revoked ones too, by id.
func (s *Store) ListTokens(ctx context.Context) ([]*spatial.Token, error) {
	const msg = "gpkg: listing the tokens failed"
	rows, err := s.db.QueryContext(ctx, `SELECT `+tokenColumns+` FROM tokens ORDER BY id`)
	if err != nil {
		return nil, storeError(ctx, err, msg)
	}
	defer rows.Close()
	var out []*spatial.Token
	for rows.Next() {
		t, err := scanToken(rows)
		if err != nil {
			return nil, storeError(ctx, err, msg)
		}
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, storeError(ctx, err, msg)
	}
	return out, nil
}

// RevokeToken marks token id revoked by who, now; the row stays.
// KindNotFound for an unknown id, KindConflict for a token already
// revoked.
func (s *Store) RevokeToken(ctx context.Context, id int64, by string) (*spatial.Token, error) {
	const msg = "gpkg: revoking the token failed"
	if by == "" {
		return nil, spatial.Errorf(spatial.KindInvalid, "revoking a token needs the name of who revokes it")
	}
	at := time.Now().UTC().Round(0)
	res, err := s.db.ExecContext(ctx, `UPDATE tokens SET revoked_at = ?, revoked_by = ? WHERE id = ? AND revoked_at IS NULL`,
		formatTime(at), by, id)
	if err != nil {
		return nil, storeError(ctx, err, msg)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return nil, storeError(ctx, err, msg)
	}
	t, err := scanToken(s.db.QueryRowContext(ctx, `SELECT `+tokenColumns+` FROM tokens WHERE id = ?`, id))
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return nil, spatial.Errorf(spatial.KindNotFound, "no token with id %d", id)
	case err != nil:
		return nil, storeError(ctx, err, msg)
	case n == 0 && !t.Revoked():
		return nil, spatial.Errorf(spatial.KindConflict, "token %d could not be revoked; try again", id)
	case n == 0:
		return nil, spatial.Errorf(spatial.KindConflict, "token %d was already revoked on %s", id, t.RevokedAt.Format(time.RFC3339))
	}
	return t, nil
}
