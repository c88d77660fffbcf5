package api

import (
	"testing"
	"time"
)

func TestFailureKey(t *testing.T) {
	for in, want := range map[string]string{
		"203.0.113.5":          "203.0.113.5",
		"2001:db8:1:2:3:4:5:6": "2001:db8:1:2::/64",
		"2001:db8:1:2:ffff::1": "2001:db8:1:2::/64",
		"not an address":       "not an address",
		"::ffff:203.0.113.5":   "203.0.113.5",
	} {
		if got := failureKey(in); got != want {
			t.Errorf("failureKey(%q): got %q, want %q", in, got, want)
		}
	}
}

// TestFailureCounterWindow: an address is blocked after limit failures
// until its window ends, then counts afresh; others are not blocked.
func TestFailureCounterWindow(t *testing.T) {
	c := newFailureCounter(3, time.Minute)
	t0 := time.Date(2026, 12, 8, 10, 0, 0, 0, time.UTC)
	for i := range 3 {
		if w := c.blocked("a", t0); w != 0 {
			t.Fatalf("before failure %d: blocked for %v", i+1, w)
		}
		c.fail("a", t0.Add(time.Duration(i)*time.Second))
	}
	if w := c.blocked("a", t0.Add(10*time.Second)); w != 50*time.Second {
		t.Errorf("after 3 failures: blocked for %v, want the 50 s left of the window", w)
	}
	if w := c.blocked("b", t0.Add(10*time.Second)); w != 0 {
		t.Errorf("another address: blocked for %v", w)
	}
	if w := c.blocked("a", t0.Add(time.Minute)); w != 0 {
		t.Errorf("after the window: blocked for %v", w)
	}
	if n := c.fail("a", t0.Add(time.Minute)); n != 1 {
		t.Errorf("first failure of a new window: count %d, want 1", n)
	}
}
