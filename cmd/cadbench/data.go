package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"

	"cadastre/internal/pgtest"
	"cadastre/sampledata"
)

// dataset returns the directory of the generated data set of n plots,
// generating it on the first call.
func (b *bench) dataset(n int) (string, error) {
	d := filepath.Join(b.dir, fmt.Sprintf("plots-%d", n))
	if _, err := os.Stat(filepath.Join(d, sampledata.PlotsFile)); err == nil {
		return d, nil
	}
	cfg := sampledata.DefaultConfig()
	cfg.Plots = n
	start := time.Now()
	if err := os.MkdirAll(d, 0o755); err != nil {
		return "", err
	}
	if err := sampledata.WriteGeoJSON(cfg, d); err != nil {
		return "", err
	}
	fmt.Fprintf(os.Stderr, "generated %d plots in %v\n", n, time.Since(start).Round(time.Millisecond))
	return d, nil
}

func files(d string) []string {
	return []string{filepath.Join(d, sampledata.UnitsFile), filepath.Join(d, sampledata.SheetsFile), filepath.Join(d, sampledata.PlotsFile)}
}

// database creates a throwaway PostGIS database; drop removes it.
func database(ctx context.Context) (dbURL, name string, drop func(), err error) {
	admin, err := pgx.Connect(ctx, pgtest.ServerURL())
	if err != nil {
		return "", "", nil, err
	}
	buf := make([]byte, 4)
	rand.Read(buf)
	name = "cadbench_" + hex.EncodeToString(buf)
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		admin.Close(ctx)
		return "", "", nil, err
	}
	u, _ := url.Parse(pgtest.ServerURL())
	u.Path = "/" + name
	drop = func() {
		admin.Exec(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
		admin.Close(context.Background())
	}
	c, err := pgx.Connect(ctx, u.String())
	if err == nil {
		_, err = c.Exec(ctx, "CREATE EXTENSION IF NOT EXISTS postgis")
		c.Close(ctx)
	}
	if err != nil {
		drop()
		return "", "", nil, err
	}
	return u.String(), name, drop, nil
}

// result is one timed child process (or, for the floor rows, one
// PostgreSQL backend's statements).
type result struct {
	took   time.Duration
	cpu    time.Duration // the process's user + system CPU
	pgCPU  time.Duration // every PostgreSQL process's CPU meanwhile
	maxRSS int64         // bytes
}

// timed runs a command and reports its wall time, its CPU, the CPU of
// PostgreSQL's processes meanwhile (its backends, WAL writer,
// checkpointer) and its peak resident memory.
func timed(name string, args ...string) (result, error) {
	cmd := exec.Command(name, args...)
	cmd.Stderr = os.Stderr
	pg0 := postgresCPU()
	start := time.Now()
	out, err := cmd.Output()
	took := time.Since(start)
	// The loader's backends end as it exits; one reaped between the
	// reads of the postmaster and of its own /proc entry would be counted
	// nowhere. Let them go first.
	time.Sleep(300 * time.Millisecond)
	r := result{took: took, pgCPU: postgresCPU() - pg0}
	if err != nil {
		return r, fmt.Errorf("%s: %v\n%s", name, err, out)
	}
	r.cpu = cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		r.maxRSS = ru.Maxrss * 1024
	}
	return r, nil
}

// postgresCPU sums the CPU time of every process named postgres (the
// server must run on this machine; other databases' work counts too),
// with that of their exited children: a backend that has ended counts in
// the postmaster's. One that ends between the two reads is missed, so
// timed lets the loader's backends end before its last sample.
func postgresCPU() time.Duration {
	var sum time.Duration
	dirs, _ := os.ReadDir("/proc")
	for _, d := range dirs {
		pid, err := strconv.Atoi(d.Name())
		if err != nil {
			continue
		}
		if comm, err := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid)); err == nil && strings.TrimSpace(string(comm)) == "postgres" {
			sum += procTimes(pid, true)
		}
	}
	return sum
}
