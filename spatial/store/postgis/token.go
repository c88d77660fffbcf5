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
	var at *time.Time
	if !t.CreatedAt.IsZero() {
		at = &t.CreatedAt
	}
	err := s.pool.QueryRow(ctx, `INSERT INTO tokens (name, role, hash, created_by, created_at)
		VALUES ($1, $2, $3, $4, coalesce($5, now())) RETURNING id, created_at`,
		t.Name, string(t.Role), t.Hash, t.CreatedBy, at).Scan(&t.ID, &t.CreatedAt)
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
		at("role", fmt.Sprintf("unknown role %q: want admin, registrar or surveyor", t.Role))
	}
	if len(t.Hash) != sha256.Size {
		at("hash", fmt.Sprintf("hash has %d bytes, want a %d-byte SHA-256", len(t.Hash), sha256.Size))
	}
	return probs
}

// TokenByHash returns the token whose secret hashes to hash; KindNotFound
// if none.
func (s *Store) TokenByHash(ctx context.Context, hash []byte) (*spatial.Token, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+tokenColumns+` FROM tokens WHERE hash = $1`, hash)
	if err != nil {
		return nil, translate(err, "read token")
	}
	t, err := pgx.CollectExactlyOneRow(rows, scanToken)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, spatial.Errorf(spatial.KindNotFound, "token not found")
	}
	return t, translate(err, "read token")
}

const tokenColumns = "id, name, role, hash, created_at, created_by, revoked_at, coalesce(revoked_by, '')"

func scanToken(row pgx.CollectableRow) (*spatial.Token, error) {
	t := &spatial.Token{}
	var revoked *time.Time
	err := row.Scan(&t.ID, &t.Name, &t.Role, &t.Hash, &t.CreatedAt, &t.CreatedBy, &revoked, &t.RevokedBy)
	if revoked != nil {
		t.RevokedAt = *revoked
	}
	return t, err
}

// ListTokens returns every token, revoked ones too, by id.
func (s *Store) ListTokens(ctx context.Context) ([]*spatial.Token, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+tokenColumns+` FROM tokens ORDER BY id`)
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
