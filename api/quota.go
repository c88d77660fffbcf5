package api

import (
	"fmt"
	"net/http"
	"time"

	"cadastre/spatial"
)

// DefaultExtractQuota is how many bytes of extract submissions one token
// may store per day: a boundary of a few hundred points is a few
// kilobytes, so thousands of extracts a day.
const DefaultExtractQuota = 64 << 20

// quotaZone is the clock of the quota's days: Vietnam's (UTC+7, no
// daylight saving), where the land offices work.
var quotaZone = time.FixedZone("ICT", 7*3600)

// chargeExtract counts an extract's stored bytes against its token's
// daily quota (a surveyor cannot grow the store without bound); over it,
// 429 with Retry-After at the next day. The charge is made before the
// extract is stored: a submission that then fails still counted.
func (s *Server) chargeExtract(r *http.Request, tok *spatial.Token, n int64) error {
	if s.extractQuota < 0 {
		return nil // unlimited
	}
	ts, ok := s.store.(spatial.Tokens)
	if !ok {
		return spatial.Errorf(spatial.KindInternal, "store keeps no tokens")
	}
	now := time.Now().In(quotaZone)
	total, err := ts.ChargeExtractBytes(r.Context(), tok.ID, now, n, s.extractQuota)
	if spatial.KindOf(err) != spatial.KindConflict {
		return err
	}
	next := time.Date(now.Year(), now.Month(), now.Day()+1, 0, 0, 0, 0, quotaZone)
	s.log.WarnContext(r.Context(), "extract quota exceeded", "token_id", tok.ID, "stored_today", total, "asked", n, "quota", s.extractQuota)
	return &tooManyError{retryAfter: next.Sub(now), msg: fmt.Sprintf(
		"this token's quota of %d bytes of extracts a day is used up: %d bytes stored today (%s, UTC+7), this extract has %d; try again after midnight or ask for a larger quota",
		s.extractQuota, total, now.Format(time.DateOnly), n)}
}
