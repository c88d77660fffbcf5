package spatial

import (
	"strings"
	"unicode/utf8"
)

// TextProblem says why a text may not be stored, or "" when it may: it
// must be valid UTF-8 without NUL characters. PostgreSQL refuses NUL in
// text and SQLite would keep it, and invalid UTF-8 would come back with
// replacement characters instead of what was sent; both stores refuse
// alike instead (issue 13).
func TextProblem(s string) string {
	if !utf8.ValidString(s) {
		return "not valid UTF-8"
	}
	if strings.IndexByte(s, 0) >= 0 {
		return "contains a NUL character"
	}
	return ""
}

// Check refuses a change whose who, why or source text cannot be stored
// (TextProblem), naming the field.
func (c Change) Check() error {
	var probs []Problem
	for _, f := range []struct{ name, v string }{{"changed_by", c.By}, {"reason", c.Reason}, {"source", c.Source}} {
		if p := TextProblem(f.v); p != "" {
			probs = append(probs, Problem{Index: -1, Field: f.name, Reason: p})
		}
	}
	if len(probs) > 0 {
		return Invalid("change refused: its text cannot be stored", probs)
	}
	return nil
}
