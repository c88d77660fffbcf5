package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"time"

	"cadastre/spatial/ingest"
)

// Config is every setting of the service: defaults, then environment, then
// flags. It is printed at start (without secrets) and passed down; nothing
// reads configuration later.
type Config struct {
	Addr            string        // listen address
	DatabaseURL     string        // PostGIS URL; empty = GeoPackage
	GPKGPath        string        // the embedded store's file
	LoadSample      bool          // load the committed sample into an empty store
	LogLevel        string        // debug, info, warn, error
	LogFormat       string        // text or json
	ShutdownTimeout time.Duration // grace period for in-flight requests
	MaxIngestBytes  int64         // size limit of one HTTP upload
	MaxVertices     int           // vertices of one input feature (ingest.Limits)
	MaxString       int           // bytes of one input string or table line (ingest.Limits)
	WebDir          string        // the map page's directory, holding node_modules (npm ci)
}

// defaultConfig is the zero-install setup: GeoPackage with the sample.
func defaultConfig() Config {
	return Config{
		Addr: "127.0.0.1:8080", GPKGPath: "data/cadastre.gpkg", LoadSample: true,
		LogLevel: "info", LogFormat: "text", ShutdownTimeout: 15 * time.Second, MaxIngestBytes: 2 << 30,
		MaxVertices: ingest.DefaultMaxVertices, MaxString: ingest.DefaultMaxString,
		WebDir: "web",
	}
}

// fromEnv overrides c with the CADASTRE_* variables that are set.
func (c *Config) fromEnv() {
	str := map[string]*string{
		"CADASTRE_ADDR": &c.Addr, "CADASTRE_DATABASE_URL": &c.DatabaseURL, "CADASTRE_GPKG": &c.GPKGPath,
		"CADASTRE_LOG_LEVEL": &c.LogLevel, "CADASTRE_LOG_FORMAT": &c.LogFormat, "CADASTRE_WEB_DIR": &c.WebDir,
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
	fs.IntVar(&c.MaxVertices, "max-vertices", c.MaxVertices, "most vertices of one input feature; more is a problem of the feature (CADASTRE_MAX_VERTICES)")
	fs.IntVar(&c.MaxString, "max-string", c.MaxString, "longest string (or coordinate table line) of an input, bytes (CADASTRE_MAX_STRING)")
	fs.StringVar(&c.WebDir, "web-dir", c.WebDir, "directory of the map page, where `npm ci` installed MapLibre (CADASTRE_WEB_DIR)")
	fs.DurationVar(&c.ShutdownTimeout, "shutdown-timeout", c.ShutdownTimeout, "grace period for in-flight requests on SIGINT/SIGTERM")
}

// parseConfig builds the config of a subcommand from env and args.
func parseConfig(name string, args []string, stderr io.Writer) (Config, error) {
	c := defaultConfig()
	c.fromEnv()
	fs := flag.NewFlagSet("cadastre "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	c.flags(fs)
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, usageError{fmt.Errorf("unexpected arguments %v", fs.Args())}
	}
	return c, nil
}

// ingestLimits are the input limits of c.
func (c Config) ingestLimits() ingest.Limits {
	return ingest.Limits{MaxVertices: c.MaxVertices, MaxString: c.MaxString}
}

// redacted is c for the start-up log: the database password hidden.
func (c Config) redacted() Config {
	if c.DatabaseURL != "" {
		c.DatabaseURL = redactURL(c.DatabaseURL)
	}
	return c
}
