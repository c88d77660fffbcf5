package main

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

// TestHTTPConn reads responses of every framing net/http's server uses
// (Content-Length, chunked, close-delimited after Connection: close) and
// keeps the connection alive when it may.
func TestHTTPConn(t *testing.T) {
	var conns atomic.Int32
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := 0
		fmt.Sscan(r.URL.Query().Get("n"), &n)
		switch r.URL.Path {
		case "/close":
			w.Header().Set("Connection", "close")
		case "/missing":
			w.WriteHeader(http.StatusNotFound)
		case "/flush": // chunked even when short
			w.Write([]byte(strings.Repeat("x", n)))
			w.(http.Flusher).Flush()
			w.Write([]byte("y"))
			return
		}
		w.Write([]byte(strings.Repeat("x", n))) // over 2 KB: chunked
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	defer srv.Close()
	h := newHTTPConn(srv.Listener.Addr().String())
	defer h.close()
	for _, c := range []struct {
		target      string
		status, len int
	}{
		{"/?n=10", 200, 10},
		{"/?n=0", 200, 0},
		{"/?n=5000", 200, 5000},     // chunked
		{"/?n=100000", 200, 100000}, // several chunks, larger than the read buffer
		{"/flush?n=3", 200, 4},
		{"/missing?n=7", 404, 7},
		{"/close?n=20", 200, 20},
		{"/?n=30", 200, 30}, // dials again
	} {
		status, n, err := h.get([]byte(c.target))
		if err != nil || status != c.status || n != c.len {
			t.Errorf("%s: %d %d %v, want %d %d", c.target, status, n, err, c.status, c.len)
		}
	}
	if got := conns.Load(); got != 2 {
		t.Errorf("%d connections, want 2 (one closed by the server)", got)
	}
}

// rawServer answers one request on one connection with answer, then
// closes it.
func rawServer(t *testing.T, answer string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		bufio.NewReader(c).ReadString('\n')
		c.Write([]byte(answer))
	}()
	return ln.Addr().String()
}

// TestHTTPConnRaw reads framings net/http's server does not use.
func TestHTTPConnRaw(t *testing.T) {
	for _, c := range []struct {
		answer    string
		status, n int
		keep      bool
	}{
		{"HTTP/1.1 200 OK\r\n\r\nto the end", 200, 10, false},
		{"HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok", 200, 2, false},
		{"HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\nok", 200, 2, true},
		{"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok", 200, 2, true},
		{"HTTP/1.1 204 No Content\r\n\r\n", 204, 0, true},
		{"HTTP/1.1 200 OK\nTransfer-Encoding: Chunked\n\n3;ext=1\nabc\n0\nTrailer: x\n\n", 200, 3, true},
		{"HTTP/1.1 500\r\nContent-Length: 0\r\n\r\n", 500, 0, true},
	} {
		h := newHTTPConn(rawServer(t, c.answer))
		status, n, err := h.get([]byte("/"))
		if err != nil || status != c.status || n != c.n || (h.c != nil) != c.keep {
			t.Errorf("%q: %d %d %v, kept %v; want %d %d, kept %v", c.answer, status, n, err, h.c != nil, c.status, c.n, c.keep)
		}
		h.close()
	}
}

// TestHTTPConnMalformed refuses what is not an HTTP/1.x response.
func TestHTTPConnMalformed(t *testing.T) {
	for _, answer := range []string{
		"HTTP/2 200 OK\r\n\r\n",
		"HTTP/1.1 2x0 OK\r\n\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort",
		"HTTP/1.1 200 OK\r\nno colon\r\n\r\n",
	} {
		h := newHTTPConn(rawServer(t, answer))
		if status, n, err := h.get([]byte("/")); err == nil {
			t.Errorf("%q: read as %d with %d bytes", answer, status, n)
		}
		if h.c != nil {
			t.Errorf("%q: connection kept after an error", answer)
		}
	}
}
