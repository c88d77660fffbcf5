package api

import (
	"fmt"
	"net/http"
	"strings"

	"cadastre/spatial"
	"cadastre/spatial/extract"
)

// Level is who may read a group of routes.
type Level string

// The levels of read access.
const (
	Public Level = "public" // anyone
	Token  Level = "token"  // any valid token (for metrics: role monitor or admin)
	Owner  Level = "owner"  // extracts: the submitting token, registrars and admins
)

// Access says who may read each group of routes (docs/SECURITY.md). The
// zero value means DefaultAccess.
type Access struct {
	// Map is the map data: tiles and TileJSON, the lookups, a plot's
	// geometry, land use and area, the map page. Default public (the
	// cadastral map is public record); token breaks the map page, which
	// sends no token.
	Map Level
	// History is who changed each plot version (changed_by) and from
	// which source file; without access a plot's versions come with them
	// blank. Default token.
	History Level
	// Extracts are the surveyors' submissions, their reports and
	// drawings. Default owner.
	Extracts Level
	// Metrics is /metrics on the main listener. Default token (roles
	// monitor and admin); cmd/cadastre can serve it on a listen address
	// of its own instead.
	Metrics Level
}

// DefaultAccess is the access of a service configured with none.
var DefaultAccess = Access{Map: Public, History: Token, Extracts: Owner, Metrics: Token}

// ParseAccess reads "map=public,history=token,extracts=owner,metrics=token";
// groups not named keep their default.
func ParseAccess(s string) (Access, error) {
	a := DefaultAccess
	for _, part := range strings.Split(s, ",") {
		if part = strings.TrimSpace(part); part == "" {
			continue
		}
		group, level, ok := strings.Cut(part, "=")
		l := Level(strings.TrimSpace(level))
		var dst *Level
		allowed := []Level{Public, Token}
		switch strings.TrimSpace(group) {
		case "map":
			dst = &a.Map
		case "history":
			dst = &a.History
		case "extracts":
			dst, allowed = &a.Extracts, []Level{Public, Token, Owner}
		case "metrics":
			dst = &a.Metrics
		default:
			return a, fmt.Errorf("read access %q: want GROUP=LEVEL with GROUP map, history, extracts or metrics", part)
		}
		if !ok || !contains(allowed, l) {
			return a, fmt.Errorf("read access %q: the level of %s is one of %v", part, group, allowed)
		}
		*dst = l
	}
	return a, nil
}

func contains(ls []Level, l Level) bool {
	for _, x := range ls {
		if x == l {
			return true
		}
	}
	return false
}

// String is the form ParseAccess reads.
func (a Access) String() string {
	return fmt.Sprintf("map=%s,history=%s,extracts=%s,metrics=%s", a.Map, a.History, a.Extracts, a.Metrics)
}

// withDefaults fills groups left empty.
func (a Access) withDefaults() Access {
	for _, f := range []struct {
		dst *Level
		def Level
	}{{&a.Map, DefaultAccess.Map}, {&a.History, DefaultAccess.History},
		{&a.Extracts, DefaultAccess.Extracts}, {&a.Metrics, DefaultAccess.Metrics}} {
		if *f.dst == "" {
			*f.dst = f.def
		}
	}
	return a
}

// anyRole is every role: a read that needs "a token" takes any.
var anyRole = []spatial.Role{spatial.RoleAdmin, spatial.RoleRegistrar, spatial.RoleSurveyor, spatial.RoleMonitor}

// guard wraps a handler of a group with its level: Token answers 401
// without a valid token.
func (s *Server) guard(level Level, roles []spatial.Role, next http.Handler) http.Handler {
	if level == Public {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodOptions {
			next.ServeHTTP(w, r) // a CORS preflight carries no credentials
			return
		}
		if _, err := s.authorize(r, roles...); err != nil {
			writeError(w, r, s.log, err)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// mapGuard is guard for the map data group.
func (s *Server) mapGuard(next http.Handler) http.Handler {
	return s.guard(s.access.Map, anyRole, next)
}

// mayReadHistory reports whether the request may see who changed a plot:
// always under History public; with a valid token otherwise. A request
// without a token gets false (the public view); one with a bad token an
// error (401), not a quiet public view.
func (s *Server) mayReadHistory(r *http.Request) (bool, error) {
	if s.access.History == Public {
		return true, nil
	}
	if _, ok := bearer(r); !ok {
		return false, nil
	}
	if _, err := s.authorize(r, anyRole...); err != nil {
		return false, err
	}
	return true, nil
}

// canReadExtract checks that the request may read extract rec: under
// Owner, the token that submitted it, a registrar or an admin; another
// surveyor is answered as if the extract did not exist, so that extract
// ids cannot be probed.
func (s *Server) canReadExtract(r *http.Request, rec *extract.Record) error {
	switch s.access.Extracts {
	case Public:
		return nil
	case Token:
		_, err := s.authorize(r, anyRole...)
		return err
	}
	tok, err := s.authorize(r, spatial.RoleSurveyor, spatial.RoleRegistrar, spatial.RoleAdmin)
	if err != nil {
		return err
	}
	// By the token's id, not its name: a new token given a revoked one's
	// name does not read the old holder's extracts. Records from before
	// the id was kept ("token:NAME") are read by registrars and admins.
	if tok.Role == spatial.RoleSurveyor && rec.SubmittedBy != submitter(tok) {
		return spatial.Errorf(spatial.KindNotFound, "no extract %d", rec.ID)
	}
	return nil
}

// submitter is how an extract records the token that submitted it:
// "token:NAME#ID". The name is for people; the id is what canReadExtract
// compares, since a name can be given again after a revocation.
func submitter(tok *spatial.Token) string {
	return fmt.Sprintf("token:%s#%d", tok.Name, tok.ID)
}
