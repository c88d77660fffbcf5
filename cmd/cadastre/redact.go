package main

import (
	"errors"
	"net/url"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
)

// redactMask replaces a password wherever one would be shown.
const redactMask = "xxxxx"

// passwordKeys are the connection parameters that hold a secret (libpq
// section 34.1.2).
var passwordKeys = map[string]bool{"password": true, "sslpassword": true}

// redactDSN returns a PostgreSQL connection string with every password
// masked, in either of libpq's forms: a URL (the password of the user
// info, and password= or sslpassword= in the query) or key=value pairs
// (plain or single-quoted with backslash escapes). A string it cannot
// take apart is not shown at all: a half-parsed one might leak.
func redactDSN(s string) string {
	if strings.HasPrefix(s, "postgres://") || strings.HasPrefix(s, "postgresql://") {
		return redactDSNURL(s)
	}
	out, ok := redactKeyValues(s)
	if !ok {
		return "(unparsable connection string, not shown)"
	}
	return out
}

func redactDSNURL(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "(unparsable connection URL, not shown)"
	}
	if _, has := u.User.Password(); has {
		u.User = url.UserPassword(u.User.Username(), redactMask)
	}
	q := u.Query()
	masked := false
	for k := range q {
		if passwordKeys[strings.ToLower(k)] {
			q[k] = []string{redactMask}
			masked = true
		}
	}
	if masked {
		u.RawQuery = q.Encode()
	}
	return u.String()
}

// redactKeyValues masks the password values of "key=value key='value'"
// pairs, parsed as libpq parses them; ok is false for a malformed string.
func redactKeyValues(s string) (string, bool) {
	var b strings.Builder
	i := 0
	skip := func() {
		for i < len(s) && isSpace(s[i]) {
			b.WriteByte(s[i])
			i++
		}
	}
	for {
		skip()
		if i == len(s) {
			return b.String(), true
		}
		start := i
		for i < len(s) && s[i] != '=' && !isSpace(s[i]) {
			i++
		}
		key := s[start:i]
		b.WriteString(key)
		skip()
		if i == len(s) || s[i] != '=' || key == "" {
			return "", false
		}
		b.WriteByte('=')
		i++
		skip()
		vstart := i
		if i < len(s) && s[i] == '\'' {
			i++
			for i < len(s) && s[i] != '\'' {
				if s[i] == '\\' {
					i++
				}
				i++
			}
			if i >= len(s) {
				return "", false // unterminated quote
			}
			i++
		} else {
			for i < len(s) && !isSpace(s[i]) {
				if s[i] == '\\' {
					i++
				}
				i++
			}
			if i > len(s) {
				return "", false // a trailing backslash
			}
		}
		if passwordKeys[key] {
			b.WriteString(redactMask)
		} else {
			b.WriteString(s[vstart:i])
		}
	}
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'
}

// dsnSecrets returns the password a connection string carries, as the
// driver reads it (PGPASSWORD too): the strings scrubbed from any error
// text that might quote them.
func dsnSecrets(dsn string) []string {
	var out []string
	if c, err := pgconn.ParseConfig(dsn); err == nil {
		if c.Password != "" {
			out = append(out, c.Password)
		}
	}
	return out
}

// scrubbedError is an error whose text has the secrets masked; errors.Is
// and errors.As still reach the cause.
type scrubbedError struct {
	msg string
	err error
}

func (e *scrubbedError) Error() string { return e.msg }
func (e *scrubbedError) Unwrap() error { return e.err }

// scrubError returns err with every secret of dsn masked in its text.
func scrubError(err error, dsn string) error {
	if err == nil {
		return nil
	}
	msg, changed := err.Error(), false
	for _, p := range dsnSecrets(dsn) {
		if strings.Contains(msg, p) {
			msg, changed = strings.ReplaceAll(msg, p, redactMask), true
		}
	}
	if !changed {
		return err
	}
	var ue usageError
	if errors.As(err, &ue) {
		return usageError{&scrubbedError{msg: msg, err: err}}
	}
	return &scrubbedError{msg: msg, err: err}
}
