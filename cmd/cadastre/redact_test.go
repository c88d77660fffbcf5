package main

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"

	"cadastre/internal/pgtest"
)

func TestRedactDSN(t *testing.T) {
	cases := []struct{ in, want string }{
		{"postgres://u:pw@h:5432/db?sslmode=disable", "postgres://u:xxxxx@h:5432/db?sslmode=disable"},
		{"postgresql://u@h/db?password=pw&sslmode=disable", "postgresql://u@h/db?password=xxxxx&sslmode=disable"},
		{"postgres://h/db", "postgres://h/db"},
		{"host=h password=pw dbname=db", "host=h password=xxxxx dbname=db"},
		{"host=h password = pw dbname=db", "host=h password = xxxxx dbname=db"},
		{"host=h password='p w \\' d' dbname=db", "host=h password=xxxxx dbname=db"},
		{"password=p\\ w sslpassword='k' user=u", "password=xxxxx sslpassword=xxxxx user=u"},
		{"host=h password='unterminated", "(unparsable connection string, not shown)"},
		{"host=h password", "(unparsable connection string, not shown)"},
		{"postgres://u:p w@h:bad port/db", "(unparsable connection URL, not shown)"},
	}
	for _, c := range cases {
		if got := redactDSN(c.in); got != c.want {
			t.Errorf("redactDSN(%q): got %q, want %q", c.in, got, c.want)
		}
	}
}

// kvDSN turns a test database URL into libpq's key=value form, with a
// password the server (trust auth) ignores.
func kvDSN(t *testing.T, dbURL, password string) string {
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("host=%s port=%s user=%s dbname=%s sslmode=disable password='%s'",
		u.Hostname(), u.Port(), u.User.Username(), strings.TrimPrefix(u.Path, "/"), strings.ReplaceAll(password, "'", `\'`))
}

// TestKeyValueDSNNotLogged starts the service on a key=value connection
// string with a password and checks that no log line carries it; then a
// failing start's error does not either.
func TestKeyValueDSNNotLogged(t *testing.T) {
	const secret = "s3cr3t-kv 'quoted' pw"
	dsn := kvDSN(t, pgtest.New(t), secret)
	base, stop, logs := startServe(t, "--database-url", dsn, "--log-level", "debug")
	checkSamplePlot(t, base)
	if err := stop(); err != nil {
		t.Fatalf("graceful stop: %v\n%s", err, logs)
	}
	for _, part := range []string{secret, "s3cr3t", "quoted"} {
		if strings.Contains(logs.String(), part) {
			t.Errorf("the log holds %q of the password:\n%s", part, logs)
		}
	}
	if !strings.Contains(logs.String(), "password=xxxxx") {
		t.Errorf("the log does not show the masked connection string:\n%s", logs)
	}

	bad := strings.Replace(dsn, "dbname=", "dbname=no_such_db_"+"x", 1)
	var out syncBuffer
	for _, cmd := range []string{"serve", "migrate"} {
		err := Main(context.Background(), []string{cmd, "--addr", "127.0.0.1:0", "--database-url", bad}, &out, &out)
		if err == nil {
			t.Fatalf("%s on a missing database: no error", cmd)
		}
		if strings.Contains(err.Error()+out.String(), "s3cr3t") {
			t.Errorf("%s: the error or log holds the password: %v\n%s", cmd, err, out.String())
		}
	}
}

// FuzzRedactDSN: whatever the password, in either DSN form, it does not
// appear in what redactDSN prints (unless the rest of the DSN already
// shows those characters, which then says nothing about the password).
func FuzzRedactDSN(f *testing.F) {
	for _, s := range []string{"s3cr3t", "it's a \\ secret", "p w", "=x='y'", "%41b@c:d/e?f", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, pw string) {
		if len(pw) < 4 || !utf8.ValidString(pw) {
			return
		}
		quoted := "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(pw) + "'"
		kv := func(p string) string {
			return "host=db.example user=cad password=" + p + " dbname=cadastre sslmode=disable"
		}
		u := func(p string) string {
			return "postgres://cad:" + url.PathEscape(p) + "@db.example:5432/cadastre?sslmode=disable&password=" + url.QueryEscape(p)
		}
		for _, c := range []struct{ with, without string }{{kv(quoted), kv("''")}, {u(pw), u("x")}} {
			if strings.Contains(redactDSN(c.without), pw) {
				continue
			}
			if out := redactDSN(c.with); strings.Contains(out, pw) {
				t.Fatalf("redactDSN(%q) = %q shows the password %q", c.with, out, pw)
			}
		}
	})
}
