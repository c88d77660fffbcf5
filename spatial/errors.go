package spatial

import (
	"errors"
	"fmt"
	"strings"
)

// Kind classifies an error so that the API can map it to an HTTP status in
// one table, and so that stores can report driver failures without leaking
// driver text.
type Kind int

// The error kinds of the service.
const (
	KindInternal     Kind = iota // a bug or an unexpected failure
	KindInvalid                  // the input is wrong; see Problems
	KindNotFound                 // no such plot, sheet, unit...
	KindConflict                 // the request clashes with stored state
	KindUnauthorized             // no or bad credentials
	KindForbidden                // credentials lack the role
	KindUnavailable              // a dependency (database) is down
)

var kindNames = [...]string{"internal", "invalid", "not_found", "conflict", "unauthorized", "forbidden", "unavailable"}

// String returns the stable name of the kind, used in problem+json types.
func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("kind(%d)", int(k))
}

// Problem is one defect of one input feature: which feature (its position
// in the input and its key when known), which field, and why.
type Problem struct {
	Input   string `json:"input,omitempty"`   // the file (or upload) the feature came from
	Index   int    `json:"index"`             // 0-based position of the feature in its input, -1 if none
	Feature string `json:"feature,omitempty"` // the key (e.g. "26734/12/345") when known
	Field   string `json:"field,omitempty"`
	Reason  string `json:"reason"`
	// Check names the check that failed when the field alone does not
	// ("invalid_geometry", "outside_frame", "overlap"): reports count
	// problems by it.
	Check string `json:"check,omitempty"`
	// Other is the other plot of an overlap (its key), with its position
	// when it is a feature of the same ingest (OtherIndex -1 when stored).
	Other      string `json:"other,omitempty"`
	OtherInput string `json:"other_input,omitempty"`
	OtherIndex *int   `json:"other_index,omitempty"`
}

// String renders the problem on one line.
func (p Problem) String() string {
	var b strings.Builder
	if p.Input != "" {
		b.WriteString(p.Input)
	}
	if p.Index >= 0 {
		fmt.Fprintf(&b, "#%d", p.Index)
	}
	if b.Len() > 0 {
		b.WriteByte(' ')
	}
	if p.Feature != "" {
		fmt.Fprintf(&b, "%s ", p.Feature)
	}
	if p.Field != "" {
		fmt.Fprintf(&b, "%s: ", p.Field)
	}
	b.WriteString(p.Reason)
	return b.String()
}

// Checks named in Problem.Check.
const (
	CheckInvalidGeometry = "invalid_geometry" // rings that are not a valid polygon (OGC simple features)
	CheckOutsideFrame    = "outside_frame"    // a plot beyond its sheet's frame and extension
	CheckOverlap         = "overlap"          // two plots sharing area
)

// Error is the error type of the domain. Message is safe to show to a
// client; Err (the cause) is for logs only.
type Error struct {
	Kind     Kind
	Message  string
	Problems []Problem
	Err      error
}

// Error implements error.
func (e *Error) Error() string {
	msg := e.Message
	if len(e.Problems) > 0 {
		parts := make([]string, 0, len(e.Problems))
		for i, p := range e.Problems {
			if i == 10 {
				parts = append(parts, fmt.Sprintf("... and %d more", len(e.Problems)-10))
				break
			}
			parts = append(parts, p.String())
		}
		msg += ": " + strings.Join(parts, "; ")
	}
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error of the given kind with a formatted message.
func Errorf(kind Kind, format string, args ...any) *Error {
	return &Error{Kind: kind, Message: fmt.Sprintf(format, args...)}
}

// Wrap returns an *Error of the given kind whose cause is err; message is
// what a client may see.
func Wrap(kind Kind, err error, message string) *Error {
	return &Error{Kind: kind, Message: message, Err: err}
}

// Invalid returns a KindInvalid error carrying the problems.
func Invalid(message string, problems []Problem) *Error {
	return &Error{Kind: KindInvalid, Message: message, Problems: problems}
}

// KindOf returns the kind of err: the Kind of the first *Error in its chain,
// KindInternal otherwise.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return KindInternal
}

// ProblemsOf returns the problems carried by err, if any.
func ProblemsOf(err error) []Problem {
	var e *Error
	if errors.As(err, &e) {
		return e.Problems
	}
	return nil
}
