package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"

	"cadastre/spatial"
)

// runToken handles `cadastre token create --role R --name N`: it prints a
// new secret once; the store keeps only its hash.
func runToken(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "create" {
		return usageError{errors.New("usage: cadastre token create --role admin|registrar|surveyor --name NAME")}
	}
	cfg := defaultConfig()
	cfg.fromEnv()
	cfg.LoadSample = false
	fs := flag.NewFlagSet("cadastre token create", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg.flags(fs)
	role := fs.String("role", "", "admin (ingest), registrar (decide extracts) or surveyor (submit extracts)")
	name := fs.String("name", "", "who holds the token, e.g. 'land office Thu Duc ingest'")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	r, err := spatial.ParseRole(*role)
	if err != nil {
		return usageError{err}
	}
	if *name == "" {
		return usageError{errors.New("--name is required")}
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
	secret, hash, err := spatial.NewTokenSecret()
	if err != nil {
		return err
	}
	if err := ts.CreateToken(ctx, &spatial.Token{Name: *name, Role: r, Hash: hash, CreatedBy: osUser()}); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "token %q with role %s created; the secret is shown once:\n", *name, r)
	fmt.Fprintln(stdout, secret)
	return nil
}
