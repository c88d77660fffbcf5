package api

import (
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"

	"cadastre/spatial"
	"cadastre/spatial/crs"
	"cadastre/spatial/ingest"
)

// DefaultMaxIngestBytes is the default size limit of one upload.
const DefaultMaxIngestBytes = 2 << 30

// IngestResponse is the answer to a successful (or dry) ingest.
type IngestResponse struct {
	*ingest.Report
	SHA256 string `json:"sha256"`
	Bytes  int64  `json:"bytes"`
}

// handleIngest answers POST /api/v1/ingest (role admin). The body is one
// file (GeoJSON, coordinate table or units JSON, `format=`); it is spooled
// to a file of the spool directory (api/spool.go) while its checksum is computed, so neither a 1 GB
// upload nor a slow client is held in memory or inside a database
// transaction; then it is ingested in one transaction.
func (s *Server) handleIngest(w http.ResponseWriter, r *http.Request) {
	tok, err := s.authorize(r, spatial.RoleAdmin)
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	s.extendIngestDeadline(w, r) // only now: no long deadline without a token
	if err := ingestTextProblems(r); err != nil {
		writeErrorStatus(w, r, s.log, err, http.StatusUnprocessableEntity)
		return
	}
	set, inputName, format, err := parseIngestQuery(r)
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	set.Decode.Limits = s.ingestLimits
	spool, sum, n, err := s.spool(r)
	if err != nil {
		writeErrorStatus(w, r, s.log, err, spoolStatus(err))
		return
	}
	defer s.removeSpool(spool)
	defer spool.Close()
	rep, err := s.ingestSpooled(r, tok, spool, sum, inputName, format, set)
	if spatial.KindOf(err) == spatial.KindInvalid {
		var report any
		if rep != nil {
			report = rep
		}
		writeProblem(w, r, s.log, err, http.StatusUnprocessableEntity, report)
		return
	}
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	writeJSON(w, IngestResponse{Report: rep, SHA256: sum, Bytes: n})
}

func (s *Server) ingestSpooled(r *http.Request, tok *spatial.Token, f *os.File, sum, name string, format ingest.Format, set ingest.Settings) (*ingest.Report, error) {
	wr, ok := s.store.(spatial.Writer)
	if !ok {
		return nil, errors.New("store cannot take chunked writes")
	}
	units, err := s.store.Units(r.Context())
	if err != nil {
		return nil, err
	}
	reason := r.URL.Query().Get("reason")
	if reason == "" {
		reason = "HTTP ingest of " + name
	}
	change := spatial.Change{By: "token:" + tok.Name, Reason: reason, Source: fmt.Sprintf("%s sha256:%s", name, sum[:16])}
	rep, err := ingest.Run(r.Context(), wr, change, units, []ingest.Input{{Name: name, Format: format, R: f}}, set)
	if err != nil || set.DryRun {
		return rep, err
	}
	s.afterWrite(r, rep.Result)
	return rep, nil
}

var errTooLarge = errors.New("request body too large")

// ingestTextProblems refuses query texts that would be stored (the file
// name in the version's source, the reason) when they are not valid UTF-8
// or hold a NUL (spatial.TextProblem): percent-decoding lets a client send
// any byte. Both stores would refuse them too (Change.Check); this names
// the parameter before the upload is spooled.
func ingestTextProblems(r *http.Request) error {
	var q queryProblems
	v := r.URL.Query()
	for _, name := range []string{"name", "reason", "format", "crs"} {
		if why := spatial.TextProblem(v.Get(name)); why != "" {
			q.add(name, "%s", why)
		}
	}
	return q.err()
}

func parseIngestQuery(r *http.Request) (ingest.Settings, string, ingest.Format, error) {
	var q queryProblems
	v := r.URL.Query()
	set := ingest.Settings{}
	name := filepath.Base(v.Get("name"))
	if name == "." || name == "/" {
		name = "upload"
	}
	format := ingest.FormatOf(name)
	if fs := v.Get("format"); fs != "" {
		f, err := ingest.ParseFormat(fs)
		if err != nil {
			q.add("format", "%v", err)
		}
		format = f
	}
	if cs := v.Get("crs"); cs != "" {
		epsg, err := crs.ParseCRS(cs)
		if err != nil {
			q.add("crs", "unknown CRS %q", cs)
		}
		set.Decode.CRS = epsg
	}
	set.AllowOverlaps = q.bool(v.Get("allow_overlaps"), "allow_overlaps")
	set.RetireMissing = q.bool(v.Get("retire_missing"), "retire_missing")
	set.DryRun = q.bool(v.Get("dry_run"), "dry_run")
	if mp := v.Get("max_problems"); mp != "" {
		n, err := strconv.Atoi(mp)
		if err != nil || n <= 0 {
			q.add("max_problems", "%q is not a positive whole number", mp)
		}
		set.MaxProblems = n
	}
	return set, name, format, q.err()
}

func (q *queryProblems) bool(s, name string) bool {
	if s == "" {
		return false
	}
	b, err := strconv.ParseBool(s)
	if err != nil {
		q.add(name, "%q is not true or false", s)
	}
	return b
}
