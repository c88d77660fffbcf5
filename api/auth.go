package api

import (
	"net/http"
	"strings"

	"cadastre/spatial"
)

// authorize checks the request's bearer token and role: 401 when it is
// missing, unknown or revoked, 403 when its role is not the one needed.
func (s *Server) authorize(r *http.Request, role spatial.Role) (*spatial.Token, error) {
	h := r.Header.Get("Authorization")
	secret, ok := strings.CutPrefix(h, "Bearer ")
	if !ok || strings.TrimSpace(secret) == "" {
		return nil, spatial.Errorf(spatial.KindUnauthorized, "this endpoint needs an 'Authorization: Bearer TOKEN' header with a %s token (cadastre token create)", role)
	}
	ts, ok := s.store.(spatial.Tokens)
	if !ok {
		return nil, spatial.Errorf(spatial.KindInternal, "store keeps no tokens")
	}
	tok, err := ts.TokenByHash(r.Context(), spatial.HashToken(strings.TrimSpace(secret)))
	if spatial.KindOf(err) == spatial.KindNotFound {
		return nil, spatial.Errorf(spatial.KindUnauthorized, "unknown token")
	}
	if err != nil {
		return nil, err
	}
	if tok.Revoked() {
		return nil, spatial.Errorf(spatial.KindUnauthorized, "token %q was revoked on %s", tok.Name, tok.RevokedAt.UTC().Format("2006-01-02 15:04 MST"))
	}
	if tok.Role != role {
		return nil, spatial.Errorf(spatial.KindForbidden, "token %q has role %s; this endpoint needs %s", tok.Name, tok.Role, role)
	}
	return tok, nil
}
