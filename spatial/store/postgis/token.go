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
	rows, err := s.pool.Query(ctx, `SELECT id, name, role, hash, created_at, created_by
		FROM tokens WHERE hash = $1`, hash)
	if err != nil {
		return nil, translate(err, "read token")
	}
	t, err := pgx.CollectExactlyOneRow(rows, func(row pgx.CollectableRow) (*spatial.Token, error) {
		t := &spatial.Token{}
		return t, row.Scan(&t.ID, &t.Name, &t.Role, &t.Hash, &t.CreatedAt, &t.CreatedBy)
	})
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, spatial.Errorf(spatial.KindNotFound, "token not found")
	}
	return t, translate(err, "read token")
}
