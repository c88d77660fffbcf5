package api

import (
	"net/http"

	"cadastre/spatial"
)

// ogcWriter authorises a write through the OGC API (api/ogc, Part 4): a
// registrar or an admin token. It returns who writes, as the versions
// record it ("token:NAME", like an HTTP ingest).
func (s *Server) ogcWriter(r *http.Request) (string, error) {
	tok, err := s.authorize(r, spatial.RoleRegistrar)
	if spatial.KindOf(err) == spatial.KindForbidden {
		tok, err = s.authorize(r, spatial.RoleAdmin)
		if spatial.KindOf(err) == spatial.KindForbidden {
			return "", spatial.Errorf(spatial.KindForbidden, "this token may not edit plots: a registrar or admin token is needed")
		}
	}
	if err != nil {
		return "", err
	}
	return "token:" + tok.Name, nil
}
