package ingest

import (
	"bytes"
	"fmt"
	"io"

	"cadastre/spatial"
)

// Limits bound what one feature may hold, so that the memory of an ingest
// does not follow its input: a 50 MB polygon or a 200 MB string is refused
// as a problem of its feature (or of the file) after reading at most the
// limit, not held whole (issue 13).
type Limits struct {
	// MaxVertices is the most positions one feature may have, all rings
	// and parts together; 0 = DefaultMaxVertices.
	MaxVertices int
	// MaxString is the longest JSON string (member name or value) or
	// coordinate table line, in bytes; 0 = DefaultMaxString.
	MaxString int
}

// The default limits: a surveyed plot has tens to a few thousand
// vertices; a river or forest plot traced from a map some tens of
// thousands. No attribute of a plot or sheet is near 64 KiB.
const (
	DefaultMaxVertices = 200_000
	DefaultMaxString   = 64 << 10
)

func (l Limits) vertices() int {
	if l.MaxVertices <= 0 {
		return DefaultMaxVertices
	}
	return l.MaxVertices
}

func (l Limits) str() int {
	if l.MaxString <= 0 {
		return DefaultMaxString
	}
	return l.MaxString
}

// stringGuard passes JSON bytes through and fails the read once a string
// runs longer than max bytes: the token decoder holds a whole string in
// memory before it can say anything about it, so the limit is kept here,
// on the raw bytes, before it reads them. It tracks only whether the bytes
// are inside a string (a '"' not escaped by an odd run of backslashes).
type stringGuard struct {
	r        io.Reader
	max      int
	in       bool  // inside a string
	run      int   // bytes of the current string so far
	escapes  int   // backslashes just before the current byte, inside a string
	offset   int64 // bytes passed so far
	startOff int64 // where the current string began
	tooLong  bool
}

func newStringGuard(r io.Reader, max int) *stringGuard { return &stringGuard{r: r, max: max} }

// errStringTooLong is returned by the guard's Read.
type errStringTooLong struct {
	max    int
	offset int64
}

func (e errStringTooLong) Error() string {
	return fmt.Sprintf("a string starting at byte %d is longer than the limit of %d bytes", e.offset, e.max)
}

func (g *stringGuard) Read(p []byte) (int, error) {
	if g.tooLong {
		return 0, errStringTooLong{g.max, g.startOff}
	}
	n, err := g.r.Read(p)
	for i := 0; i < n; {
		if !g.in {
			j := bytes.IndexByte(p[i:n], '"')
			if j < 0 {
				break
			}
			i += j + 1
			g.in, g.run, g.escapes, g.startOff = true, 0, 0, g.offset+int64(i-1)
			continue
		}
		// Inside a string: the next quote or backslash.
		j := bytes.IndexAny(p[i:n], `"\`)
		end := false
		if j < 0 {
			g.run += n - i
			g.escapes = 0
			i = n
		} else {
			g.run += j
			if j > 0 {
				g.escapes = 0
			}
			c := p[i+j]
			i += j + 1
			switch {
			case c == '\\':
				g.escapes++
				g.run++
			case g.escapes%2 == 1: // an escaped quote
				g.escapes = 0
				g.run++
			default:
				end = true
			}
		}
		if g.run > g.max {
			g.tooLong = true
			g.offset += int64(n)
			return n, errStringTooLong{g.max, g.startOff}
		}
		g.in = !end
	}
	g.offset += int64(n)
	return n, err
}

// lineGuard fails the read of a coordinate table once a line runs longer
// than max bytes (encoding/csv holds a whole record in memory).
type lineGuard struct {
	r   io.Reader
	max int
	run int
	row int
}

func (g *lineGuard) Read(p []byte) (int, error) {
	n, err := g.r.Read(p)
	for i := 0; i < n; {
		j := bytes.IndexByte(p[i:n], '\n')
		if j < 0 {
			g.run += n - i
			break
		}
		g.run += j
		if g.run > g.max {
			break
		}
		g.run, g.row = 0, g.row+1
		i += j + 1
	}
	if g.run > g.max {
		return n, fmt.Errorf("line %d is longer than the limit of %d bytes", g.row+1, g.max)
	}
	return n, err
}

// textIn returns the first text problem of a decoded JSON value (a string,
// or strings inside arrays and objects), "" if none.
func textIn(v any) string {
	switch t := v.(type) {
	case string:
		return spatial.TextProblem(t)
	case []any:
		for _, e := range t {
			if p := textIn(e); p != "" {
				return p
			}
		}
	case map[string]any:
		for k, e := range t {
			if p := spatial.TextProblem(k); p != "" {
				return p
			}
			if p := textIn(e); p != "" {
				return p
			}
		}
	}
	return ""
}
