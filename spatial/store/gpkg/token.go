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
  revoked_by TEXT,
  expires_at TEXT)`

// tokenUsesDDL holds when each token last authorized a request: updated
// in place, so apart from the token's record.
const tokenUsesDDL = `CREATE TABLE IF NOT EXISTS token_uses (
  token_id INTEGER PRIMARY KEY NOT NULL REFERENCES tokens (id),
  last_used_at TEXT NOT NULL)`

// tokenExtractBytesDDL holds what each token stored in extracts per day
// (ChargeExtractBytes).
const tokenExtractBytesDDL = `CREATE TABLE IF NOT EXISTS token_extract_bytes (
  token_id INTEGER NOT NULL REFERENCES tokens (id),
  day TEXT NOT NULL,
  bytes INTEGER NOT NULL CHECK (bytes >= 0),
  PRIMARY KEY (token_id, day))`

// tokenExpiryColumns is the column a file made before tokens could
// expire lacks (issue 15); initSchema adds it.
var tokenExpiryColumns = []string{"expires_at TEXT"}

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
	var expires any
	if !t.ExpiresAt.IsZero() {
		if !t.ExpiresAt.After(at) {
			return spatial.Invalid("bad token", []spatial.Problem{{Index: -1, Field: "expires_at", Reason: "the expiry must be after the creation"}})
		}
		expires = formatTime(t.ExpiresAt.UTC().Round(0))
	}
	res, err := s.db.ExecContext(ctx, `INSERT INTO tokens (name, role, hash, created_at, created_by, expires_at) VALUES (?, ?, ?, ?, ?, ?)`,
		t.Name, string(t.Role), t.Hash, formatTime(at), t.CreatedBy, expires)
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
	if !t.ExpiresAt.IsZero() {
		t.ExpiresAt = t.ExpiresAt.UTC().Round(0)
	}
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
	t, err := scanToken(s.db.QueryRowContext(ctx, `SELECT `+tokenColumns+tokenFrom+` WHERE hash = ?`, hash))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, spatial.Errorf(spatial.KindNotFound, "token not found")
	}
	if err != nil {
		return nil, storeError(ctx, err, msg)
	}
	return t, nil
}

// tokenColumns are read from tokens LEFT JOIN token_uses u.
const tokenColumns = "tokens.id, name, role, hash, created_at, created_by, coalesce(revoked_at, ''), coalesce(revoked_by, ''), coalesce(expires_at, ''), coalesce(u.last_used_at, '')"

// tokenFrom is the FROM clause of tokenColumns.
const tokenFrom = ` FROM tokens LEFT JOIN token_uses u ON u.token_id = tokens.id`

// scanToken reads a row of tokenColumns.
func scanToken(row interface{ Scan(...any) error }) (*spatial.Token, error) {
	var t spatial.Token
	var role, created, revoked, expires, used string
	if err := row.Scan(&t.ID, &t.Name, &role, &t.Hash, &created, &t.CreatedBy, &revoked, &t.RevokedBy, &expires, &used); err != nil {
		return nil, err
	}
	t.Role = spatial.Role(role)
	var err error
	if t.CreatedAt, err = parseTime(created); err != nil {
		return nil, err
	}
	for _, f := range []struct {
		src string
		dst *time.Time
	}{{revoked, &t.RevokedAt}, {expires, &t.ExpiresAt}, {used, &t.LastUsedAt}} {
		if f.src != "" {
			if *f.dst, err = parseTime(f.src); err != nil {
				return nil, err
			}
		}
	}
	return &t, nil
}

// ListTokens returns every token, revoked ones too, by id.
func (s *Store) ListTokens(ctx context.Context) ([]*spatial.Token, error) {
	const msg = "gpkg: listing the tokens failed"
	rows, err := s.db.QueryContext(ctx, `SELECT `+tokenColumns+tokenFrom+` ORDER BY tokens.id`)
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
	t, err := scanToken(s.db.QueryRowContext(ctx, `SELECT `+tokenColumns+tokenFrom+` WHERE tokens.id = ?`, id))
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

// TouchToken records that token id was used at at; a later use already
// stored wins.
func (s *Store) TouchToken(ctx context.Context, id int64, at time.Time) error {
	const msg = "gpkg: recording the token's use failed"
	res, err := s.db.ExecContext(ctx, `INSERT INTO token_uses (token_id, last_used_at) SELECT id, ? FROM tokens WHERE id = ?
		ON CONFLICT (token_id) DO UPDATE SET last_used_at = max(last_used_at, excluded.last_used_at)`, formatTime(at.UTC().Round(0)), id)
	if err != nil {
		return storeError(ctx, err, msg)
	}
	if n, err := res.RowsAffected(); err != nil {
		return storeError(ctx, err, msg)
	} else if n == 0 {
		return spatial.Errorf(spatial.KindNotFound, "no token with id %d", id)
	}
	return nil
}

// ChargeExtractBytes adds n to token id's extract bytes of day unless the
// total would pass limit; one statement, atomic under SQLite's write lock.
func (s *Store) ChargeExtractBytes(ctx context.Context, id int64, day time.Time, n, limit int64) (int64, error) {
	const msg = "gpkg: charging the extract quota failed"
	if n < 0 {
		return 0, spatial.Errorf(spatial.KindInvalid, "cannot charge %d bytes", n)
	}
	d := day.Format(time.DateOnly)
	var known int
	if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM tokens WHERE id = ?`, id).Scan(&known); err != nil {
		return 0, storeError(ctx, err, msg)
	}
	if known == 0 {
		return 0, spatial.Errorf(spatial.KindNotFound, "no token with id %d", id)
	}
	var total int64
	err := s.db.QueryRowContext(ctx, `INSERT INTO token_extract_bytes AS b (token_id, day, bytes) SELECT ?1, ?2, ?3 WHERE ?3 <= ?4
		ON CONFLICT (token_id, day) DO UPDATE SET bytes = b.bytes + excluded.bytes WHERE b.bytes + excluded.bytes <= ?4
		RETURNING bytes`, id, d, n, limit).Scan(&total)
	if errors.Is(err, sql.ErrNoRows) {
		if err := s.db.QueryRowContext(ctx, `SELECT coalesce((SELECT bytes FROM token_extract_bytes WHERE token_id = ? AND day = ?), 0)`, id, d).Scan(&total); err != nil {
			return 0, storeError(ctx, err, msg)
		}
		return total, spatial.Errorf(spatial.KindConflict, "the quota of %d extract bytes a day would be passed: %d stored on %s, %d more asked", limit, total, d, n)
	}
	if err != nil {
		return 0, storeError(ctx, err, msg)
	}
	return total, nil
}
