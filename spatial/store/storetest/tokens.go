package storetest

import (
	"context"
	"testing"
	"time"

	"cadastre/spatial"
)

// RunTokens is the token contract beyond creation: tokens are listed by
// id, revoked ones too; a revocation records who and when, keeps the row,
// happens once, and names an existing token.
func RunTokens(t *testing.T, s spatial.Tokens) {
	ctx := context.Background()
	var made []*spatial.Token
	for _, r := range []spatial.Role{spatial.RoleAdmin, spatial.RoleSurveyor} {
		_, hash, err := spatial.NewTokenSecret()
		if err != nil {
			t.Fatal(err)
		}
		tok := &spatial.Token{Name: "holder " + string(r), Role: r, Hash: hash, CreatedBy: "ops"}
		if err := s.CreateToken(ctx, tok); err != nil {
			t.Fatalf("CreateToken: %v", err)
		}
		made = append(made, tok)
	}
	list, err := s.ListTokens(ctx)
	if err != nil || len(list) != 2 || list[0].ID != made[0].ID || list[1].ID != made[1].ID || list[0].Revoked() || list[1].Revoked() {
		t.Fatalf("ListTokens: got %v (err %v), want the two tokens by id, neither revoked", list, err)
	}
	got, err := s.RevokeToken(ctx, made[0].ID, "security officer")
	if err != nil {
		t.Fatalf("RevokeToken: %v", err)
	}
	if !got.Revoked() || got.RevokedBy != "security officer" || got.ID != made[0].ID || got.Name != made[0].Name || got.RevokedAt.Before(got.CreatedAt) {
		t.Errorf("RevokeToken: got %+v, want token %d revoked by the officer", got, made[0].ID)
	}
	byHash, err := s.TokenByHash(ctx, made[0].Hash)
	if err != nil || !byHash.Revoked() || !byHash.RevokedAt.Equal(got.RevokedAt) || byHash.RevokedBy != "security officer" {
		t.Errorf("TokenByHash after revocation: got %+v (err %v), want it revoked at %v", byHash, err, got.RevokedAt)
	}
	if other, err := s.TokenByHash(ctx, made[1].Hash); err != nil || other.Revoked() {
		t.Errorf("the other token: got %+v (err %v), want it valid", other, err)
	}
	if _, err := s.RevokeToken(ctx, made[0].ID, "someone else"); spatial.KindOf(err) != spatial.KindConflict {
		t.Errorf("revoking twice: got %v, want KindConflict", err)
	}
	if again, err := s.TokenByHash(ctx, made[0].Hash); err != nil || again.RevokedBy != "security officer" {
		t.Errorf("a second revocation changed the record: %+v (err %v)", again, err)
	}
	if _, err := s.RevokeToken(ctx, made[1].ID+1000, "security officer"); spatial.KindOf(err) != spatial.KindNotFound {
		t.Errorf("revoking an unknown id: got %v, want KindNotFound", err)
	}
	if _, err := s.RevokeToken(ctx, made[1].ID, ""); spatial.KindOf(err) != spatial.KindInvalid {
		t.Errorf("revoking without saying who: got %v, want KindInvalid", err)
	}
	list, err = s.ListTokens(ctx)
	if err != nil || len(list) != 2 || !list[0].Revoked() || list[1].Revoked() {
		t.Errorf("ListTokens after revocation: got %v (err %v), want the first revoked, the second valid", list, err)
	}
}

// RunTokenUse is the contract of expiry, last use and the extract quota
// (issue 15): an expiry is kept as given and must follow the creation; a
// use is recorded and a later one wins; a charge adds up per token and
// day, and one that would pass the limit adds nothing.
func RunTokenUse(t *testing.T, s spatial.Tokens) {
	ctx := context.Background()
	mk := func(name string, expires time.Time) *spatial.Token {
		t.Helper()
		_, hash, err := spatial.NewTokenSecret()
		if err != nil {
			t.Fatal(err)
		}
		tok := &spatial.Token{Name: name, Role: spatial.RoleSurveyor, Hash: hash, CreatedBy: "ops", ExpiresAt: expires}
		if err := s.CreateToken(ctx, tok); err != nil {
			t.Fatalf("CreateToken %s: %v", name, err)
		}
		return tok
	}
	exp := time.Now().Add(30 * 24 * time.Hour).UTC().Truncate(time.Second)
	a, b := mk("expiring", exp), mk("forever", time.Time{})
	got, err := s.TokenByHash(ctx, a.Hash)
	if err != nil || !got.ExpiresAt.Equal(exp) || got.Expired(time.Now()) || !got.Expired(exp) || !got.LastUsedAt.IsZero() {
		t.Errorf("token with expiry: got %+v (err %v), want expiry %v, not expired now, expired then, never used", got, err, exp)
	}
	if got, err := s.TokenByHash(ctx, b.Hash); err != nil || !got.ExpiresAt.IsZero() || got.Expired(time.Now().Add(1e6*time.Hour)) {
		t.Errorf("token without expiry: got %+v (err %v), want it never to expire", got, err)
	}
	_, hash, _ := spatial.NewTokenSecret()
	past := &spatial.Token{Name: "born expired", Role: spatial.RoleSurveyor, Hash: hash, CreatedBy: "ops", ExpiresAt: time.Now().Add(-time.Hour)}
	if err := s.CreateToken(ctx, past); spatial.KindOf(err) != spatial.KindInvalid {
		t.Errorf("a token expiring before its creation: got %v, want KindInvalid", err)
	}

	used := time.Now().UTC().Truncate(time.Second)
	if err := s.TouchToken(ctx, a.ID, used); err != nil {
		t.Fatalf("TouchToken: %v", err)
	}
	if err := s.TouchToken(ctx, a.ID, used.Add(-time.Hour)); err != nil { // an older use, recorded late
		t.Fatalf("TouchToken earlier: %v", err)
	}
	if got, err := s.TokenByHash(ctx, a.Hash); err != nil || !got.LastUsedAt.Equal(used) {
		t.Errorf("last use: got %+v (err %v), want %v", got, err, used)
	}
	list, err := s.ListTokens(ctx)
	if err != nil || len(list) < 2 || !list[0].LastUsedAt.Equal(used) || !list[1].LastUsedAt.IsZero() || !list[0].ExpiresAt.Equal(exp) {
		t.Errorf("ListTokens: got %+v (err %v), want the first used at %v expiring %v, the second never used", list, err, used, exp)
	}
	if err := s.TouchToken(ctx, b.ID+1000, used); spatial.KindOf(err) != spatial.KindNotFound {
		t.Errorf("TouchToken of an unknown id: got %v, want KindNotFound", err)
	}
	if revoked, err := s.RevokeToken(ctx, a.ID, "ops"); err != nil || !revoked.LastUsedAt.Equal(used) || !revoked.ExpiresAt.Equal(exp) {
		t.Errorf("RevokeToken keeps expiry and last use: got %+v (err %v)", revoked, err)
	}

	day := time.Date(2026, 12, 8, 10, 0, 0, 0, time.UTC)
	for i, c := range []struct {
		id       int64
		day      time.Time
		n, total int64
		kind     spatial.Kind
	}{
		{b.ID, day, 600, 600, 0},
		{b.ID, day.Add(3 * time.Hour), 400, 1000, 0}, // the same day: up to the limit exactly
		{b.ID, day, 1, 1000, spatial.KindConflict},   // over: nothing added
		{b.ID, day.Add(24 * time.Hour), 1, 1, 0},     // the next day starts afresh
		{a.ID, day, 1000, 1000, 0},                   // per token
		{a.ID, day.Add(24 * time.Hour), 1001, 0, spatial.KindConflict},
		{b.ID + 1000, day, 1, 0, spatial.KindNotFound},
	} {
		total, err := s.ChargeExtractBytes(ctx, c.id, c.day, c.n, 1000)
		if spatial.KindOf(err) != c.kind && !(c.kind == 0 && err == nil) || (c.kind != spatial.KindNotFound && total != c.total) {
			t.Errorf("charge #%d (%d bytes): got total %d, err %v; want %d, kind %v", i, c.n, total, err, c.total, c.kind)
		}
	}
}
