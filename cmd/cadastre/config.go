package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"time"

	"cadastre/api"
	"cadastre/spatial/ingest"
)

// Config is every setting of the service: defaults, then environment, then
// flags. It is printed at start (without secrets) and passed down; nothing
// reads configuration later.
type Config struct {
	Addr              string        // listen address
	DatabaseURL       string        // PostGIS URL; empty = GeoPackage
	GPKGPath          string        // the embedded store's file
	LoadSample        bool          // load the committed sample into an empty store
	LogLevel          string        // debug, info, warn, error
	LogFormat         string        // text or json
	ShutdownTimeout   time.Duration // grace period for in-flight requests
	MaxIngestBytes    int64         // size limit of one HTTP upload
	MaxExtractBytes   int64         // size limit of one extract submission
	MaxDecisionBytes  int64         // size limit of one decision on an extract
	ReadHeaderTimeout time.Duration // a client has this long to send its request headers
	ReadTimeout       time.Duration // ... and its whole request (ingest: IngestTimeout)
	WriteTimeout      time.Duration // the answer must be written within this (ingest: IngestTimeout)
	IdleTimeout       time.Duration // a kept-alive connection closes after this long unused
	IngestTimeout     time.Duration // read and write deadline of one POST /api/v1/ingest
	AuthFailures      int           // bad secrets from one address per AuthFailureWindow before 429
	ReadAccess        string        // who reads what: map=public,history=token,extracts=owner,metrics=token
	MetricsAddr       string        // /metrics on this listen address of its own; "" = on Addr
	ExtractQuota      int64         // bytes of extracts one token may store per day; -1 = no limit
	AuthFailureWindow time.Duration
	MaxVertices       int    // vertices of one input feature (ingest.Limits)
	MaxString         int    // bytes of one input string or table line (ingest.Limits)
	WebDir            string // the map page's directory, holding node_modules (npm ci)
	SpoolDir          string // where HTTP uploads are spooled; "" = api.DefaultSpoolDir()
	PublicURL         string // scheme://host of absolute URLs (TileJSON); "" = the listen address
	TrustedProxies    string // comma-separated CIDRs whose X-Forwarded-* headers are believed
}

// defaultConfig is the zero-install setup: GeoPackage with the sample.
func defaultConfig() Config {
	return Config{
		Addr: "127.0.0.1:8080", GPKGPath: "data/cadastre.gpkg", LoadSample: true,
		LogLevel: "info", LogFormat: "text", ShutdownTimeout: 15 * time.Second, MaxIngestBytes: 2 << 30,
		MaxExtractBytes: api.DefaultMaxExtractBytes, MaxDecisionBytes: api.DefaultMaxDecisionBytes,
		ReadHeaderTimeout: 10 * time.Second, ReadTimeout: time.Minute, WriteTimeout: 2 * time.Minute,
		IdleTimeout: 2 * time.Minute, IngestTimeout: api.DefaultIngestTimeout,
		AuthFailures: api.DefaultAuthFailures, ReadAccess: api.DefaultAccess.String(), ExtractQuota: api.DefaultExtractQuota, AuthFailureWindow: api.DefaultAuthFailureWindow,
		MaxVertices: ingest.DefaultMaxVertices, MaxString: ingest.DefaultMaxString,
		WebDir: "web",
	}
}

// fromEnv overrides c with the CADASTRE_* variables that are set.
func (c *Config) fromEnv() {
	str := map[string]*string{
		"CADASTRE_ADDR": &c.Addr, "CADASTRE_DATABASE_URL": &c.DatabaseURL, "CADASTRE_GPKG": &c.GPKGPath,
		"CADASTRE_LOG_LEVEL": &c.LogLevel, "CADASTRE_LOG_FORMAT": &c.LogFormat, "CADASTRE_WEB_DIR": &c.WebDir,
		"CADASTRE_SPOOL_DIR":   &c.SpoolDir,
		"CADASTRE_READ_ACCESS": &c.ReadAccess, "CADASTRE_METRICS_ADDR": &c.MetricsAddr,
		"CADASTRE_PUBLIC_URL": &c.PublicURL, "CADASTRE_TRUSTED_PROXIES": &c.TrustedProxies,
	}
	for k, p := range str {
		if v, ok := os.LookupEnv(k); ok {
			*p = v
		}
	}
	for k, p := range map[string]*int{"CADASTRE_MAX_VERTICES": &c.MaxVertices, "CADASTRE_MAX_STRING": &c.MaxString} {
		if v, ok := os.LookupEnv(k); ok {
			if n, err := strconv.Atoi(v); err == nil && n > 0 {
				*p = n
			}
		}
	}
	if v, ok := os.LookupEnv("CADASTRE_LOAD_SAMPLE"); ok {
		c.LoadSample = v == "1" || v == "true"
	}
}

// flags registers the flags of c on fs.
func (c *Config) flags(fs *flag.FlagSet) {
	fs.StringVar(&c.Addr, "addr", c.Addr, "listen address (CADASTRE_ADDR)")
	fs.StringVar(&c.DatabaseURL, "database-url", c.DatabaseURL, "PostGIS connection URL; empty: the GeoPackage store (CADASTRE_DATABASE_URL)")
	fs.StringVar(&c.GPKGPath, "gpkg", c.GPKGPath, "GeoPackage file of the embedded store (CADASTRE_GPKG)")
	fs.BoolVar(&c.LoadSample, "load-sample", c.LoadSample, "load the committed sample commune when the store is empty (CADASTRE_LOAD_SAMPLE)")
	fs.StringVar(&c.LogLevel, "log-level", c.LogLevel, "debug, info, warn or error (CADASTRE_LOG_LEVEL)")
	fs.StringVar(&c.LogFormat, "log-format", c.LogFormat, "text or json (CADASTRE_LOG_FORMAT)")
	fs.Int64Var(&c.MaxIngestBytes, "max-ingest-bytes", c.MaxIngestBytes, "size limit of one upload to POST /api/v1/ingest")
	fs.Int64Var(&c.MaxExtractBytes, "max-extract-bytes", c.MaxExtractBytes, "size limit of one extract submission to POST /api/v1/extracts")
	fs.Int64Var(&c.MaxDecisionBytes, "max-decision-bytes", c.MaxDecisionBytes, "size limit of one decision to POST /api/v1/extracts/{id}/decision")
	fs.DurationVar(&c.ReadHeaderTimeout, "read-header-timeout", c.ReadHeaderTimeout, "time a client has to send its request headers")
	fs.DurationVar(&c.ReadTimeout, "read-timeout", c.ReadTimeout, "time a client has to send its whole request (an ingest has --ingest-timeout)")
	fs.DurationVar(&c.WriteTimeout, "write-timeout", c.WriteTimeout, "time within which an answer must be written (an ingest has --ingest-timeout)")
	fs.DurationVar(&c.IdleTimeout, "idle-timeout", c.IdleTimeout, "an idle kept-alive connection is closed after this")
	fs.DurationVar(&c.IngestTimeout, "ingest-timeout", c.IngestTimeout, "read and write deadline of one POST /api/v1/ingest, upload and report")
	fs.IntVar(&c.AuthFailures, "auth-failures", c.AuthFailures, "bad token secrets one client address may send per --auth-failure-window; then 429")
	fs.DurationVar(&c.AuthFailureWindow, "auth-failure-window", c.AuthFailureWindow, "the window of --auth-failures")
	fs.StringVar(&c.ReadAccess, "read-access", c.ReadAccess, "who may read each group: map (tiles, lookups, plot geometry), history (changed_by), extracts (owner: submitter, registrars, admins) and metrics, each public or token (CADASTRE_READ_ACCESS; docs/SECURITY.md)")
	fs.Int64Var(&c.ExtractQuota, "extract-quota-bytes", c.ExtractQuota, "bytes of extract submissions one token may store per day (UTC+7); -1: no limit")
	fs.StringVar(&c.MetricsAddr, "metrics-addr", c.MetricsAddr, "serve /metrics on this listen address instead of --addr (CADASTRE_METRICS_ADDR)")
	fs.IntVar(&c.MaxVertices, "max-vertices", c.MaxVertices, "most vertices of one input feature; more is a problem of the feature (CADASTRE_MAX_VERTICES)")
	fs.IntVar(&c.MaxString, "max-string", c.MaxString, "longest string (or coordinate table line) of an input, bytes (CADASTRE_MAX_STRING)")
	fs.StringVar(&c.WebDir, "web-dir", c.WebDir, "directory of the map page, where `npm ci` installed MapLibre (CADASTRE_WEB_DIR)")
	fs.StringVar(&c.SpoolDir, "spool-dir", c.SpoolDir, "directory for uploads being checked; default $TMPDIR/cadastre-spool-UID (CADASTRE_SPOOL_DIR)")
	fs.StringVar(&c.PublicURL, "public-url", c.PublicURL, "scheme://host[:port] clients reach the service at, for absolute URLs such as TileJSON's; empty: the listen address (CADASTRE_PUBLIC_URL)")
	fs.StringVar(&c.TrustedProxies, "trusted-proxies", c.TrustedProxies, "comma-separated addresses or CIDRs of reverse proxies whose X-Forwarded-For/-Host/-Proto are believed; empty: none (CADASTRE_TRUSTED_PROXIES)")
	fs.DurationVar(&c.ShutdownTimeout, "shutdown-timeout", c.ShutdownTimeout, "grace period for in-flight requests on SIGINT/SIGTERM")
}

// parseConfig builds the config of a subcommand from env and args.
func parseConfig(name string, args []string, stderr io.Writer) (Config, error) {
	c := defaultConfig()
	c.fromEnv()
	fs := flag.NewFlagSet("cadastre "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	c.flags(fs)
	if err := envFlags(fs); err != nil {
		return c, err
	}
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, usageError{fmt.Errorf("unexpected arguments %v", fs.Args())}
	}
	if err := c.check(); err != nil {
		return c, usageError{err}
	}
	return c, nil
}

// envFlags sets each flag from its variable CADASTRE_<NAME> (--read-timeout:
// CADASTRE_READ_TIMEOUT) when that is set, so that every setting, numbers
// and durations too, can come from the environment; flags given on the
// command line then override. A bad value is a usage error naming the
// variable.
func envFlags(fs *flag.FlagSet) error {
	var err error
	fs.VisitAll(func(f *flag.Flag) {
		name := "CADASTRE_" + strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_"))
		if v, ok := os.LookupEnv(name); ok && err == nil {
			if serr := fs.Set(f.Name, v); serr != nil {
				err = usageError{fmt.Errorf("%s=%q: %v", name, v, serr)}
			}
		}
	})
	return err
}

// check refuses settings that cannot work, before anything starts.
func (c Config) check() error {
	for name, d := range map[string]time.Duration{"read-header-timeout": c.ReadHeaderTimeout, "read-timeout": c.ReadTimeout,
		"write-timeout": c.WriteTimeout, "idle-timeout": c.IdleTimeout, "ingest-timeout": c.IngestTimeout,
		"auth-failure-window": c.AuthFailureWindow} {
		if d <= 0 {
			return fmt.Errorf("--%s must be positive, got %v: an unbounded request holds a connection forever", name, d)
		}
	}
	if c.ExtractQuota == 0 || c.ExtractQuota < -1 {
		return fmt.Errorf("--extract-quota-bytes must be positive, or -1 for no limit; got %d", c.ExtractQuota)
	}
	if c.AuthFailures <= 0 {
		return fmt.Errorf("--auth-failures must be positive, got %d", c.AuthFailures)
	}
	if c.MaxIngestBytes <= 0 || c.MaxExtractBytes <= 0 || c.MaxDecisionBytes <= 0 {
		return errors.New("--max-ingest-bytes, --max-extract-bytes and --max-decision-bytes must be positive")
	}
	if c.PublicURL != "" {
		if _, err := api.ParsePublicURL(c.PublicURL); err != nil {
			return fmt.Errorf("--public-url: %w", err)
		}
	}
	if _, err := api.ParseAccess(c.ReadAccess); err != nil {
		return fmt.Errorf("--read-access: %w", err)
	}
	if _, err := c.trustedProxies(); err != nil {
		return err
	}
	return nil
}

// trustedProxies parses TrustedProxies: addresses or CIDR prefixes.
func (c Config) trustedProxies() ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, f := range strings.Split(c.TrustedProxies, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		if p, err := netip.ParsePrefix(f); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(f)
		if err != nil {
			return nil, fmt.Errorf("--trusted-proxies: %q is neither an address nor a CIDR prefix", f)
		}
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	return out, nil
}

// ingestLimits are the input limits of c.
func (c Config) ingestLimits() ingest.Limits {
	return ingest.Limits{MaxVertices: c.MaxVertices, MaxString: c.MaxString}
}

// redacted is c for the start-up log: the database password hidden.
func (c Config) redacted() Config {
	if c.DatabaseURL != "" {
		c.DatabaseURL = redactDSN(c.DatabaseURL)
	}
	return c
}
