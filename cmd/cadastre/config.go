package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net/netip"
	"os"
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
	WriteDatabaseURL  string        // the primary that writes and migrations go to, when DatabaseURL is a replica; "" = DatabaseURL
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
	MaxProperties     int    // bytes of JSON of one input feature's properties (ingest.Limits)
	WebDir            string // the map page's directory, holding node_modules (npm ci)
	SpoolDir          string // where HTTP uploads are spooled; "" = api.DefaultSpoolDir()
	PublicURL         string // scheme://host of absolute URLs (TileJSON); "" = the listen address
	TrustedProxies    string // comma-separated CIDRs whose X-Forwarded-* headers are believed
	Units             string // comma-separated unit codes the read model holds; "" = every unit
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
		MaxVertices: ingest.DefaultMaxVertices, MaxString: ingest.DefaultMaxString, MaxProperties: ingest.DefaultMaxProperties,
		WebDir: "web",
	}
}

// register registers the flags of c on fs and sets each from its
// CADASTRE_<FLAG> variable (envFlags); every command that takes the
// config's flags calls it before adding flags of its own, so that the
// variables apply to the config's settings only.
func (c *Config) register(fs *flag.FlagSet) error {
	c.flags(fs)
	return envFlags(fs)
}

// flags registers the flags of c on fs.
func (c *Config) flags(fs *flag.FlagSet) {
	fs.StringVar(&c.Addr, "addr", c.Addr, "listen address (CADASTRE_ADDR)")
	fs.StringVar(&c.DatabaseURL, "database-url", c.DatabaseURL, "PostGIS connection URL; empty: the GeoPackage store (CADASTRE_DATABASE_URL)")
	fs.StringVar(&c.WriteDatabaseURL, "write-database-url", c.WriteDatabaseURL, "the primary that writes and migrations go to when --database-url is a streaming replica that serve reads from; empty: --database-url (CADASTRE_WRITE_DATABASE_URL)")
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
	fs.IntVar(&c.MaxProperties, "max-properties", c.MaxProperties, "most bytes of JSON the properties of one input feature may take; more is a problem of the feature (CADASTRE_MAX_PROPERTIES)")
	fs.StringVar(&c.WebDir, "web-dir", c.WebDir, "directory of the map page, where `npm ci` installed MapLibre (CADASTRE_WEB_DIR)")
	fs.StringVar(&c.SpoolDir, "spool-dir", c.SpoolDir, "directory for uploads being checked; default $TMPDIR/cadastre-spool-UID (CADASTRE_SPOOL_DIR)")
	fs.StringVar(&c.PublicURL, "public-url", c.PublicURL, "scheme://host[:port] clients reach the service at, for absolute URLs such as TileJSON's; empty: the listen address (CADASTRE_PUBLIC_URL)")
	fs.StringVar(&c.TrustedProxies, "trusted-proxies", c.TrustedProxies, "comma-separated addresses or CIDRs of reverse proxies whose X-Forwarded-For/-Host/-Proto are believed; empty: none (CADASTRE_TRUSTED_PROXIES)")
	fs.StringVar(&c.Units, "units", c.Units, "comma-separated 5-digit unit codes or province names whose plots and sheets this instance's read model holds (a province per instance); empty: every unit (CADASTRE_UNITS)")
	fs.DurationVar(&c.ShutdownTimeout, "shutdown-timeout", c.ShutdownTimeout, "grace period for in-flight requests on SIGINT/SIGTERM")
}

// parseConfig builds the config of a subcommand from env and args.
func parseConfig(name string, args []string, stderr io.Writer) (Config, error) {
	c := defaultConfig()
	fs := flag.NewFlagSet("cadastre "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	if err := c.register(fs); err != nil {
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
	if err := c.checkLimits(); err != nil {
		return err
	}
	if c.AuthFailures <= 0 {
		return fmt.Errorf("--auth-failures must be positive, got %d", c.AuthFailures)
	}
	if c.MaxIngestBytes <= 0 || c.MaxExtractBytes <= 0 || c.MaxDecisionBytes <= 0 {
		return errors.New("--max-ingest-bytes, --max-extract-bytes and --max-decision-bytes must be positive")
	}
	if c.WriteDatabaseURL != "" && c.DatabaseURL == "" {
		return errors.New("--write-database-url needs --database-url, the replica to read from")
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
	if _, _, err := parseUnits(c.Units); err != nil {
		return err
	}
	return nil
}

// checkLimits refuses input limits of 0 or less (they were taken as the
// defaults without a word; issue 13).
func (c Config) checkLimits() error {
	for _, l := range []struct {
		name string
		n    int
	}{{"max-vertices", c.MaxVertices}, {"max-string", c.MaxString}, {"max-properties", c.MaxProperties}} {
		if l.n <= 0 {
			return fmt.Errorf("--%s must be positive, got %d", l.name, l.n)
		}
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
	return ingest.Limits{MaxVertices: c.MaxVertices, MaxString: c.MaxString, MaxProperties: c.MaxProperties}
}

// redacted is c for the start-up log: the database password hidden.
func (c Config) redacted() Config {
	if c.DatabaseURL != "" {
		c.DatabaseURL = redactDSN(c.DatabaseURL)
	}
	if c.WriteDatabaseURL != "" {
		c.WriteDatabaseURL = redactDSN(c.WriteDatabaseURL)
	}
	return c
}

// writeURL is the database that writes and migrations go to.
func (c Config) writeURL() string {
	if c.WriteDatabaseURL != "" {
		return c.WriteDatabaseURL
	}
	return c.DatabaseURL
}
