package spatial

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"time"
)

// Role is what an API token may do.
type Role string

// Roles of the service.
const (
	RoleAdmin     Role = "admin"     // ingest sheets and plots
	RoleRegistrar Role = "registrar" // decide on extracts
	RoleSurveyor  Role = "surveyor"  // submit extracts
	RoleMonitor   Role = "monitor"   // read /metrics, nothing else
)

// ParseRole checks a role name.
func ParseRole(s string) (Role, error) {
	switch r := Role(s); r {
	case RoleAdmin, RoleRegistrar, RoleSurveyor, RoleMonitor:
		return r, nil
	}
	return "", Errorf(KindInvalid, "unknown role %q: want admin, registrar, surveyor or monitor", s)
}

// Token is an API credential. Only the hash of its secret is stored; the
// secret is shown once, at creation.
type Token struct {
	ID        int64
	Name      string // who holds it (a person's role or a system, never a citizen ID)
	Role      Role
	Hash      []byte // SHA-256 of the secret
	CreatedAt time.Time
	CreatedBy string
	RevokedAt time.Time // zero while the token is valid
	RevokedBy string
	ExpiresAt time.Time // zero: never; from then on it authorizes nothing
	// LastUsedAt is when the token last authorized a request (zero:
	// never), kept apart from the token's record; the API records it at
	// most once a minute per token.
	LastUsedAt time.Time
}

// Expired reports whether the token's expiry has passed at now.
func (t *Token) Expired(now time.Time) bool { return !t.ExpiresAt.IsZero() && !now.Before(t.ExpiresAt) }

// Revoked reports whether the token was revoked: it then authorizes
// nothing, and its row stays as a record.
func (t *Token) Revoked() bool { return !t.RevokedAt.IsZero() }

// NewTokenSecret returns a fresh random secret and its hash.
func NewTokenSecret() (secret string, hash []byte, err error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", nil, fmt.Errorf("token: %w", err)
	}
	secret = "cad_" + base64.RawURLEncoding.EncodeToString(b)
	return secret, HashToken(secret), nil
}

// HashToken returns the stored form of a secret.
func HashToken(secret string) []byte {
	h := sha256.Sum256([]byte(secret))
	return h[:]
}
