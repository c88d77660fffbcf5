package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"text/tabwriter"
	"time"

	"cadastre/spatial"
)

const tokenUsage = `usage:
  cadastre token create --role admin|registrar|surveyor --name NAME   prints the secret once
  cadastre token list                                                 every token, revoked ones too
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
	cfg.fromEnv()
	cfg.LoadSample = false
	fs := flag.NewFlagSet("cadastre token "+args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg.flags(fs)
	var role, name, by *string
	switch args[0] {
	case "create":
		role = fs.String("role", "", "admin (ingest), registrar (decide extracts) or surveyor (submit extracts)")
		name = fs.String("name", "", "who holds the token, e.g. 'land office Thu Duc ingest'")
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
		return createToken(ctx, ts, spatial.Role(*role), *name, stdout, stderr)
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
	printTokens(stdout, list)
	return nil
}

func createToken(ctx context.Context, ts spatial.Tokens, role spatial.Role, name string, stdout, stderr io.Writer) error {
	secret, hash, err := spatial.NewTokenSecret()
	if err != nil {
		return err
	}
	if err := ts.CreateToken(ctx, &spatial.Token{Name: name, Role: role, Hash: hash, CreatedBy: osUser()}); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "token %q with role %s created; the secret is shown once:\n", name, role)
	fmt.Fprintln(stdout, secret)
	return nil
}

// printTokens writes the tokens as a table; never a secret (the store has
// none).
func printTokens(w io.Writer, list []*spatial.Token) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tNAME\tROLE\tCREATED\tBY\tREVOKED")
	for _, t := range list {
		revoked := "-"
		if t.Revoked() {
			revoked = t.RevokedAt.UTC().Format(time.DateTime) + " by " + t.RevokedBy
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\n", t.ID, t.Name, t.Role, t.CreatedAt.UTC().Format(time.DateTime), t.CreatedBy, revoked)
	}
	tw.Flush()
}
