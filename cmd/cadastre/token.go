package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"cadastre/spatial"
)

const tokenUsage = `usage:
  cadastre token create --role admin|registrar|surveyor|monitor --name NAME [--expires 90d|720h|2027-06-30]
                                                                      prints the secret once
  cadastre token list                                                 every token, revoked ones too,
                                                                      with its expiry and last use
  cadastre token revoke [--by WHO] ID                                 the token then authorizes nothing
flags come before the ID; 'cadastre token create -h' lists the store flags`

// runToken handles `cadastre token create|list|revoke`. The store keeps
// only a token's hash; a revoked token's row stays, with who revoked it
// and when.
func runToken(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprintln(stderr, tokenUsage)
		return usageError{errors.New("no token command given")}
	}
	if args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprintln(stderr, tokenUsage)
		return flag.ErrHelp
	}
	cfg := defaultConfig()
	cfg.LoadSample = false
	fs := flag.NewFlagSet("cadastre token "+args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	if err := cfg.register(fs); err != nil {
		return err
	}
	var role, name, by, expires *string
	switch args[0] {
	case "create":
		role = fs.String("role", "", "admin (ingest), registrar (decide extracts), surveyor (submit extracts) or monitor (read /metrics)")
		name = fs.String("name", "", "who holds the token, e.g. 'land office Thu Duc ingest'")
		expires = fs.String("expires", "", "when the token stops working: a duration (720h, 90d) from now or a date (2027-06-30, UTC midnight); empty: never")
	case "revoke":
		by = fs.String("by", "", "who revokes the token (default: the OS user)")
	case "list":
	default:
		fmt.Fprintln(stderr, tokenUsage)
		return usageError{fmt.Errorf("unknown token command %q", args[0])}
	}
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	var id int64
	var expiresAt time.Time
	switch {
	case args[0] != "revoke" && fs.NArg() > 0:
		return usageError{fmt.Errorf("cadastre token %s takes no arguments, got %q", args[0], fs.Args())}
	case args[0] == "create":
		if _, err := spatial.ParseRole(*role); err != nil {
			return usageError{err}
		}
		if *name == "" {
			return usageError{errors.New("--name is required")}
		}
		var err error
		if expiresAt, err = parseExpiry(*expires, time.Now()); err != nil {
			return usageError{err}
		}
	case args[0] == "revoke":
		var err error
		if fs.NArg() != 1 {
			return usageError{fmt.Errorf("give the id of the token to revoke, after the flags (cadastre token list shows the ids); got %q", fs.Args())}
		}
		if id, err = strconv.ParseInt(fs.Arg(0), 10, 64); err != nil || id <= 0 {
			return usageError{fmt.Errorf("%q is not a token id", fs.Arg(0))}
		}
	}
	log, err := newLogger(stderr, cfg.LogLevel, cfg.LogFormat)
	if err != nil {
		return err
	}
	store, err := openStore(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer store.Close()
	ts, ok := store.(spatial.Tokens)
	if !ok {
		return errors.New("this store keeps no tokens")
	}
	switch args[0] {
	case "create":
		return createToken(ctx, ts, &spatial.Token{Name: *name, Role: spatial.Role(*role), ExpiresAt: expiresAt}, stdout, stderr)
	case "revoke":
		who := *by
		if who == "" {
			who = osUser()
		}
		t, err := ts.RevokeToken(ctx, id, who)
		if err != nil {
			return err
		}
		fmt.Fprintf(stderr, "token %d %q (role %s) revoked by %s\n", t.ID, t.Name, t.Role, t.RevokedBy)
		return nil
	}
	list, err := ts.ListTokens(ctx)
	if err != nil {
		return err
	}
	printTokens(stdout, list, time.Now())
	return nil
}

func createToken(ctx context.Context, ts spatial.Tokens, t *spatial.Token, stdout, stderr io.Writer) error {
	// Extracts are readable by their submitter, known by the token's name
	// (extract records say "token:NAME"): two valid tokens of one name
	// would read each other's.
	list, err := ts.ListTokens(ctx)
	if err != nil {
		return err
	}
	for _, o := range list {
		if o.Name == t.Name && !o.Revoked() && !o.Expired(time.Now()) {
			return usageError{fmt.Errorf("a valid token named %q exists (id %d): give each holder a name of its own, or revoke that one first", t.Name, o.ID)}
		}
	}
	secret, hash, err := spatial.NewTokenSecret()
	if err != nil {
		return err
	}
	t.Hash, t.CreatedBy = hash, osUser()
	if err := ts.CreateToken(ctx, t); err != nil {
		return err
	}
	until := "no expiry"
	if !t.ExpiresAt.IsZero() {
		until = "valid until " + t.ExpiresAt.UTC().Format(time.DateTime) + " UTC"
	}
	fmt.Fprintf(stderr, "token %q with role %s created (%s); the secret is shown once:\n", t.Name, t.Role, until)
	fmt.Fprintln(stdout, secret)
	return nil
}

// parseExpiry reads --expires: empty (never), a Go duration or a number
// of days ("90d") from now, or a date or RFC 3339 time.
func parseExpiry(s string, now time.Time) (time.Time, error) {
	var at time.Time
	switch {
	case s == "":
		return time.Time{}, nil
	case strings.HasSuffix(s, "d"):
		n, err := strconv.Atoi(strings.TrimSuffix(s, "d"))
		if err != nil {
			return time.Time{}, fmt.Errorf("--expires %q: want a number of days such as 90d", s)
		}
		at = now.Add(time.Duration(n) * 24 * time.Hour)
	default:
		if d, err := time.ParseDuration(s); err == nil {
			at = now.Add(d)
		} else if t, err := time.Parse(time.DateOnly, s); err == nil {
			at = t
		} else if t, err := time.Parse(time.RFC3339, s); err == nil {
			at = t
		} else {
			return time.Time{}, fmt.Errorf("--expires %q: want a duration (720h, 90d) or a date (2027-06-30 or RFC 3339)", s)
		}
	}
	if !at.After(now) {
		return time.Time{}, fmt.Errorf("--expires %q is not in the future", s)
	}
	return at.UTC().Truncate(time.Second), nil
}

// printTokens writes the tokens as a table; never a secret (the store has
// none). LAST USED lags by up to a minute (the API records a use at most
// once a minute per token).
func printTokens(w io.Writer, list []*spatial.Token, now time.Time) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tNAME\tROLE\tCREATED\tBY\tEXPIRES\tLAST USED\tREVOKED")
	for _, t := range list {
		revoked, expires, used := "-", "never", "never"
		if t.Revoked() {
			revoked = t.RevokedAt.UTC().Format(time.DateTime) + " by " + t.RevokedBy
		}
		if !t.ExpiresAt.IsZero() {
			expires = t.ExpiresAt.UTC().Format(time.DateTime)
			if t.Expired(now) {
				expires += " (expired)"
			}
		}
		if !t.LastUsedAt.IsZero() {
			used = t.LastUsedAt.UTC().Format(time.DateTime)
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", t.ID, t.Name, t.Role, t.CreatedAt.UTC().Format(time.DateTime), t.CreatedBy, expires, used, revoked)
	}
	tw.Flush()
}
