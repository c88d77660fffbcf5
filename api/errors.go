package api

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"

	"cadastre/spatial"
)

// statusOf maps error kinds to HTTP statuses: the one table of the API
// (pkgsite's derrors.ToStatus habit).
var statusOf = map[spatial.Kind]int{
	spatial.KindInternal:     http.StatusInternalServerError,
	spatial.KindInvalid:      http.StatusBadRequest,
	spatial.KindNotFound:     http.StatusNotFound,
	spatial.KindConflict:     http.StatusConflict,
	spatial.KindUnauthorized: http.StatusUnauthorized,
	spatial.KindForbidden:    http.StatusForbidden,
	spatial.KindUnavailable:  http.StatusServiceUnavailable,
}

// Problem is an RFC 9457 problem detail, with the input problems of the
// domain as an extension member.
type Problem struct {
	Type     string            `json:"type"`
	Title    string            `json:"title"`
	Status   int               `json:"status"`
	Detail   string            `json:"detail,omitempty"`
	Instance string            `json:"instance,omitempty"`
	Errors   []spatial.Problem `json:"errors,omitempty"`
	// Report is the whole report of a refused ingest: the problems
	// counted by kind, and the warnings (issue 13).
	Report any `json:"report,omitempty"`
}

// problemType is the stable type URI of a kind.
func problemType(k spatial.Kind) string { return "urn:cadastre:problem:" + k.String() }

// writeError answers err as application/problem+json. Internal errors are
// logged with their cause and answered with a generic message: clients
// never see SQL or driver text.
func writeError(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error) {
	writeErrorStatus(w, r, log, err, 0)
}

// writeErrorStatus is writeError with the status of the kind replaced
// (e.g. 422 for input that parsed but breaks the land rules); 0 keeps it.
func writeErrorStatus(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error, status int) {
	var tm *tooManyError
	if errors.As(err, &tm) {
		writeTooMany(w, r, tm)
		return
	}
	writeProblem(w, r, log, err, status, nil)
}

// writeProblem is writeErrorStatus with an extension member (report).
func writeProblem(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error, status int, report any) {
	kind := spatial.KindOf(err)
	if status == 0 {
		status = statusOf[kind]
	}
	var mbe *http.MaxBytesError
	if errors.Is(err, errTooLarge) || errors.As(err, &mbe) {
		status = http.StatusRequestEntityTooLarge
	}
	p := Problem{Type: problemType(kind), Title: http.StatusText(status), Status: status, Instance: r.URL.Path}
	var de *spatial.Error
	if kind == spatial.KindInternal || !errors.As(err, &de) {
		log.ErrorContext(r.Context(), "request failed", "method", r.Method, "path", r.URL.Path, "err", err)
		p.Detail = "internal error; see the server log"
	} else {
		if kind == spatial.KindUnavailable {
			log.WarnContext(r.Context(), "dependency unavailable", "path", r.URL.Path, "err", err)
		}
		p.Detail = de.Message
		p.Errors = de.Problems
		p.Report = report
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Cache-Control", "no-store")
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="cadastre"`)
	}
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(p) // the client may have gone; nothing to do then
}

// writeJSON answers v as JSON with status 200.
func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v) // the client may have gone; nothing to do then
}

// writeTooMany answers 429 with Retry-After (RFC 6585 section 4).
func writeTooMany(w http.ResponseWriter, r *http.Request, e *tooManyError) {
	p := Problem{Type: "urn:cadastre:problem:too_many_requests", Title: http.StatusText(http.StatusTooManyRequests),
		Status: http.StatusTooManyRequests, Detail: e.msg, Instance: r.URL.Path}
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Retry-After", e.retryAfterSeconds())
	w.WriteHeader(p.Status)
	_ = json.NewEncoder(w).Encode(p) // the client may have gone; nothing to do then
}
