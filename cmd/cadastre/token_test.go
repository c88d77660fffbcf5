package main

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestParseExpiry(t *testing.T) {
	now := time.Date(2026, 12, 8, 10, 30, 0, 0, time.UTC)
	for in, want := range map[string]time.Time{
		"":                     {},
		"90d":                  now.Add(90 * 24 * time.Hour),
		"36h":                  now.Add(36 * time.Hour),
		"2027-06-30":           time.Date(2027, 6, 30, 0, 0, 0, 0, time.UTC),
		"2027-06-30T08:00:00Z": time.Date(2027, 6, 30, 8, 0, 0, 0, time.UTC),
	} {
		if got, err := parseExpiry(in, now); err != nil || !got.Equal(want) {
			t.Errorf("parseExpiry(%q): got %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"-1h", "0d", "2026-01-01", "soon", "xd"} {
		if _, err := parseExpiry(in, now); err == nil {
			t.Errorf("parseExpiry(%q): no error", in)
		}
	}
}

// TestTokenExpiryAndLastUse: `token create --expires` makes a token that
// works until then; `token list` shows its expiry and, once the service
// used it, its last use; a second valid token of the same name is
// refused (extracts are readable by their submitter, known by name).
func TestTokenExpiryAndLastUse(t *testing.T) {
	for _, k := range storeKinds {
		t.Run(k.name, func(t *testing.T) {
			flags := k.flag(t)
			admin, err := run(t, append([]string{"token", "create", "--role", "admin", "--name", "ingest desk", "--expires", "2s"}, flags...)...)
			if err != nil {
				t.Fatal(err)
			}
			list, err := run(t, append([]string{"token", "list"}, flags...)...)
			if err != nil || !strings.Contains(list, "EXPIRES") || !strings.Contains(list, "LAST USED") || !strings.Contains(list, time.Now().UTC().Format("2006-01-02")) || !strings.Contains(list, "never") {
				t.Errorf("token list: %q (err %v), want the expiry and 'never' used", list, err)
			}
			if _, err := run(t, append([]string{"token", "create", "--role", "admin", "--name", "ingest desk"}, flags...)...); exitCode(err) != 2 {
				t.Errorf("a second valid token named 'ingest desk': got %v, want a usage error", err)
			}
			base, stop, _ := startServe(t, append(flags, "--load-sample=false")...)
			defer stop()
			postFile(t, base, strings.TrimSpace(admin), sampleFiles[0], "&dry_run=true", http.StatusOK)
			list, _ = run(t, append([]string{"token", "list"}, flags...)...)
			if strings.Count(list, "never") != 0 {
				t.Errorf("token list after a use: %q, want its last use", list)
			}
			time.Sleep(2 * time.Second)
			body := postFile(t, base, strings.TrimSpace(admin), sampleFiles[0], "&dry_run=true", http.StatusUnauthorized)
			if !strings.Contains(string(body), "expired") || strings.Contains(string(body), "ingest desk") {
				t.Errorf("401 after expiry: %s, want 'expired' without the token's name", body)
			}
			list, _ = run(t, append([]string{"token", "list"}, flags...)...)
			if !strings.Contains(list, "(expired)") {
				t.Errorf("token list after expiry: %q, want it marked expired", list)
			}
			if _, err := run(t, append([]string{"token", "create", "--role", "admin", "--name", "ingest desk"}, flags...)...); err != nil {
				t.Errorf("a new token of the expired one's name: %v", err)
			}
		})
	}
}
