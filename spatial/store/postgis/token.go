package postgis

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"cadastre/spatial"
)

var _ spatial.Tokens = (*Store)(nil)

// CreateToken stores t (its hash, never a secret) and sets t.ID and
// t.CreatedAt (the database clock when t.CreatedAt is zero). KindInvalid
// for a missing name, an unknown role or a hash that is not SHA-256;
// KindConflict when a token with the same hash exists.
func (s *Store) CreateToken(ctx context.Context, t *spatial.Token) error {
	if probs := checkToken(t); len(probs) > 0 {
		return spatial.Invalid("token refused", probs)
	}
	var at, expires *time.Time
	if !t.CreatedAt.IsZero() {
		at = &t.CreatedAt
	}
	if !t.ExpiresAt.IsZero() {
		expires = &t.ExpiresAt
	}
	err := s.pool.QueryRow(ctx, `INSERT INTO tokens (name, role, hash, created_by, created_at, expires_at)
		VALUES ($1, $2, $3, $4, coalesce($5, now()), $6) RETURNING id, created_at`,
		t.Name, string(t.Role), t.Hash, t.CreatedBy, at, expires).Scan(&t.ID, &t.CreatedAt)
	var pgErr0 *pgconn.PgError
	if errors.As(err, &pgErr0) && pgErr0.ConstraintName == "tokens_expiry" {
		return spatial.Invalid("token refused", []spatial.Problem{{Index: -1, Feature: "token " + t.Name, Field: "expires_at", Reason: "the expiry must be after the creation"}})
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "23505" {
		return spatial.Wrap(spatial.KindConflict, err, "create token: a token with this secret exists")
	}
	return translate(err, "create token")
}

func checkToken(t *spatial.Token) []spatial.Problem {
	var probs []spatial.Problem
	at := func(field, reason string) {
		probs = append(probs, spatial.Problem{Index: -1, Feature: "token " + t.Name, Field: field, Reason: reason})
	}
	if t.Name == "" {
		at("name", "a token needs a name saying who holds it")
	}
	if _, err := spatial.ParseRole(string(t.Role)); err != nil {
		at("role", fmt.Sprintf("unknown role %q: want admin, registrar, surveyor or monitor", t.Role))
	}
	if len(t.Hash) != sha256.Size {
		at("hash", fmt.Sprintf("hash has %d bytes, want a %d-byte SHA-256", len(t.Hash), sha256.Size))
	}
	return probs
}

// TokenByHash returns the token whose secret hashes to hash; KindNotFound
// if none.
func (s *Store) TokenByHash(ctx context.Context, hash []byte) (*spatial.Token, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+tokenColumns+` FROM tokens LEFT JOIN token_uses u ON u.token_id = id WHERE hash = $1`, hash)
	if err != nil {
		return nil, translate(err, "read token")
	}
	t, err := pgx.CollectExactlyOneRow(rows, scanToken)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, spatial.Errorf(spatial.KindNotFound, "token not found")
	}
	return t, translate(err, "read token")
}

// tokenColumns are read from tokens LEFT JOIN token_uses u.
const tokenColumns = "id, name, role, hash, created_at, created_by, revoked_at, coalesce(revoked_by, ''), expires_at, u.last_used_at"

func scanToken(row pgx.CollectableRow) (*spatial.Token, error) {
	t := &spatial.Token{}
	var revoked, expires, used *time.Time
	err := row.Scan(&t.ID, &t.Name, &t.Role, &t.Hash, &t.CreatedAt, &t.CreatedBy, &revoked, &t.RevokedBy, &expires, &used)
	for _, f := range []struct {
		src *time.Time
		dst *time.Time
	}{{revoked, &t.RevokedAt}, {expires, &t.ExpiresAt}, {used, &t.LastUsedAt}} {
		if f.src != nil {
			*f.dst = *f.src
		}
	}
	return t, err
}

// ListTokens returns every token, revoked ones too, by id.
func (s *Store) ListTokens(ctx context.Context) ([]*spatial.Token, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+tokenColumns+` FROM tokens LEFT JOIN token_uses u ON u.token_id = id ORDER BY id`)
	if err != nil {
		return nil, translate(err, "list tokens")
	}
	ts, err := pgx.CollectRows(rows, scanToken)
	return ts, translate(err, "list tokens")
}

// RevokeToken marks token id revoked by who, at the database clock; the
// row stays (migrations/0007 allows no other change). KindNotFound for an
// unknown id, KindConflict for a token already revoked.
func (s *Store) RevokeToken(ctx context.Context, id int64, by string) (*spatial.Token, error) {
	if by == "" {
		return nil, spatial.Errorf(spatial.KindInvalid, "revoking a token needs the name of who revokes it")
	}
	rows, err := s.pool.Query(ctx, `UPDATE tokens SET revoked_at = now(), revoked_by = $2
		FROM (SELECT $1::bigint AS tid) AS k LEFT JOIN token_uses u ON u.token_id = k.tid
		WHERE id = $1 AND revoked_at IS NULL RETURNING `+tokenColumns, id, by)
	if err != nil {
		return nil, translate(err, "revoke token")
	}
	t, err := pgx.CollectExactlyOneRow(rows, scanToken)
	if !errors.Is(err, pgx.ErrNoRows) {
		return t, translate(err, "revoke token")
	}
	var revokedAt *time.Time
	err = s.pool.QueryRow(ctx, `SELECT revoked_at FROM tokens WHERE id = $1`, id).Scan(&revokedAt)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return nil, spatial.Errorf(spatial.KindNotFound, "no token with id %d", id)
	case err != nil:
		return nil, translate(err, "revoke token")
	case revokedAt == nil: // not revoked, yet the update matched nothing
		return nil, spatial.Errorf(spatial.KindConflict, "token %d could not be revoked; try again", id)
	}
	return nil, spatial.Errorf(spatial.KindConflict, "token %d was already revoked on %s", id, revokedAt.UTC().Format(time.RFC3339))
}

// TouchToken records that token id was used at at; a later use already
// stored wins.
func (s *Store) TouchToken(ctx context.Context, id int64, at time.Time) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO token_uses (token_id, last_used_at) VALUES ($1, $2)
		ON CONFLICT (token_id) DO UPDATE SET last_used_at = greatest(token_uses.last_used_at, excluded.last_used_at)`, id, at)
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "23503" {
		return spatial.Errorf(spatial.KindNotFound, "no token with id %d", id)
	}
	return translate(err, "record token use")
}

// ChargeExtractBytes adds n to token id's extract bytes of day unless the
// total would pass limit; one statement, so concurrent charges serialize
// on the row.
func (s *Store) ChargeExtractBytes(ctx context.Context, id int64, day time.Time, n, limit int64) (int64, error) {
	d := time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, time.UTC)
	if n < 0 {
		return 0, spatial.Errorf(spatial.KindInvalid, "cannot charge %d bytes", n)
	}
	var total int64
	err := s.pool.QueryRow(ctx, `INSERT INTO token_extract_bytes AS b (token_id, day, bytes) SELECT $1::bigint, $2::date, $3::bigint WHERE $3::bigint <= $4::bigint
		ON CONFLICT (token_id, day) DO UPDATE SET bytes = b.bytes + excluded.bytes WHERE b.bytes + excluded.bytes <= $4::bigint
		RETURNING bytes`, id, d, n, limit).Scan(&total)
	var pgErr *pgconn.PgError
	switch {
	case errors.As(err, &pgErr) && pgErr.Code == "23503":
		return 0, spatial.Errorf(spatial.KindNotFound, "no token with id %d", id)
	case errors.Is(err, pgx.ErrNoRows): // over the limit: nothing added
		err = s.pool.QueryRow(ctx, `SELECT coalesce((SELECT bytes FROM token_extract_bytes WHERE token_id = $1 AND day = $2), 0)`, id, d).Scan(&total)
		if err != nil {
			return 0, translate(err, "read extract quota")
		}
		return total, spatial.Errorf(spatial.KindConflict, "the quota of %d extract bytes a day would be passed: %d stored on %s, %d more asked", limit, total, d.Format(time.DateOnly), n)
	}
	return total, translate(err, "charge extract quota")
}
