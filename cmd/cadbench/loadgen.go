package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
)

// httpConn is one keep-alive HTTP/1.1 connection of the load generator.
// Each worker goroutine owns one and does one request at a time on it: it
// writes a GET and reads the whole response (status line, every header
// line, the body by Content-Length or chunked encoding, or up to the end
// of the connection) before the next request, without pipelining.
//
// net/http's client does the same on the wire, but hands every request to
// two goroutines per connection through channels and allocates a Request,
// a Response and header maps for each: on two cores shared with the
// server, that cost was taken from the server under test. Every HTTP run
// of cadbench uses this client.
type httpConn struct {
	addr string
	c    net.Conn
	br   *bufio.Reader
	req  []byte
}

func newHTTPConn(addr string) *httpConn { return &httpConn{addr: addr} }

// errResponse is a response the client cannot read.
var errResponse = errors.New("malformed HTTP response")

// get requests target (path and query) and reads the whole response. It
// returns the status and the body's length. On any error the connection is
// closed; the next get dials again.
func (h *httpConn) get(target []byte) (status, n int, err error) {
	if h.c == nil {
		c, err := net.Dial("tcp", h.addr)
		if err != nil {
			return 0, 0, err
		}
		h.c = c
		if h.br == nil {
			h.br = bufio.NewReaderSize(c, 16<<10)
		} else {
			h.br.Reset(c)
		}
	}
	h.req = append(h.req[:0], "GET "...)
	h.req = append(h.req, target...)
	h.req = append(h.req, " HTTP/1.1\r\nHost: "...)
	h.req = append(h.req, h.addr...)
	h.req = append(h.req, "\r\nUser-Agent: cadbench\r\n\r\n"...)
	if _, err := h.c.Write(h.req); err != nil {
		h.close()
		return 0, 0, err
	}
	status, n, keep, err := h.readResponse()
	if err != nil || !keep {
		h.close()
	}
	return status, n, err
}

func (h *httpConn) close() {
	if h.c != nil {
		h.c.Close()
		h.c = nil
	}
}

// readResponse reads one response to a GET; keep is false when the server
// closes the connection after it.
func (h *httpConn) readResponse() (status, n int, keep bool, err error) {
	for {
		line, err := h.line()
		if err != nil {
			return 0, 0, false, err
		}
		// HTTP/1.x SP 3DIGIT SP reason
		if len(line) < 12 || !bytes.HasPrefix(line, []byte("HTTP/1.")) || line[8] != ' ' {
			return 0, 0, false, fmt.Errorf("%w: status line %q", errResponse, line)
		}
		var ok bool
		status, ok = parseUint(line[9:12], 10)
		if !ok || status < 100 || len(line) > 12 && line[12] != ' ' {
			return 0, 0, false, fmt.Errorf("%w: status line %q", errResponse, line)
		}
		keep = line[7] == '1' // HTTP/1.1 keeps the connection by default
		length, chunked := -1, false
		for {
			line, err := h.line()
			if err != nil {
				return 0, 0, false, err
			}
			if len(line) == 0 {
				break
			}
			name, value, ok := bytes.Cut(line, []byte(":"))
			if !ok {
				return 0, 0, false, fmt.Errorf("%w: header line %q", errResponse, line)
			}
			value = bytes.TrimSpace(value)
			switch {
			case bytes.EqualFold(name, []byte("Content-Length")):
				if length, ok = parseUint(value, 10); !ok {
					return 0, 0, false, fmt.Errorf("%w: Content-Length %q", errResponse, value)
				}
			case bytes.EqualFold(name, []byte("Transfer-Encoding")):
				chunked = bytes.EqualFold(value, []byte("chunked"))
				if !chunked {
					return 0, 0, false, fmt.Errorf("%w: Transfer-Encoding %q", errResponse, value)
				}
			case bytes.EqualFold(name, []byte("Connection")):
				if bytes.EqualFold(value, []byte("close")) {
					keep = false
				} else if bytes.EqualFold(value, []byte("keep-alive")) {
					keep = true
				}
			}
		}
		switch {
		case status < 200 || status == 204 || status == 304:
			if status < 200 {
				continue // an interim response: the final one follows
			}
			return status, 0, keep, nil
		case chunked:
			n, err = h.chunked()
		case length >= 0:
			n, err = h.br.Discard(length)
		default: // the body runs to the end of the connection
			var m int64
			m, err = io.Copy(io.Discard, h.br)
			n, keep = int(m), false
		}
		return status, n, keep, err
	}
}

// chunked reads a chunked body and its trailer.
func (h *httpConn) chunked() (int, error) {
	total := 0
	for {
		line, err := h.line()
		if err != nil {
			return total, err
		}
		size, _, _ := bytes.Cut(line, []byte(";")) // chunk extensions
		n, ok := parseUint(bytes.TrimSpace(size), 16)
		if !ok {
			return total, fmt.Errorf("%w: chunk size %q", errResponse, line)
		}
		if n == 0 {
			for { // trailer fields up to the empty line
				line, err := h.line()
				if err != nil || len(line) == 0 {
					return total, err
				}
			}
		}
		m, err := h.br.Discard(n)
		total += m
		if err != nil {
			return total, err
		}
		if line, err := h.line(); err != nil || len(line) != 0 {
			return total, fmt.Errorf("%w: no CRLF after a chunk", errResponse)
		}
	}
}

// line returns the next line without its CRLF (or LF). The slice is only
// valid until the next read.
func (h *httpConn) line() ([]byte, error) {
	line, err := h.br.ReadSlice('\n')
	if err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return nil, err
	}
	line = line[:len(line)-1]
	if len(line) > 0 && line[len(line)-1] == '\r' {
		line = line[:len(line)-1]
	}
	return line, nil
}

// parseUint parses digits in base 10 or 16 (no sign, no prefix; at most
// 15 digits).
func parseUint(b []byte, base int) (int, bool) {
	if len(b) == 0 || len(b) > 15 {
		return 0, false
	}
	n := 0
	for _, c := range b {
		var d int
		switch {
		case '0' <= c && c <= '9':
			d = int(c - '0')
		case base == 16 && 'a' <= c && c <= 'f':
			d = int(c-'a') + 10
		case base == 16 && 'A' <= c && c <= 'F':
			d = int(c-'A') + 10
		default:
			return 0, false
		}
		n = n*base + d
	}
	return n, true
}
