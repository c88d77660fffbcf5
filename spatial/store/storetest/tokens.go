package storetest

import (
	"context"
	"testing"

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
