package pgtest

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// EnvPGBin names the variable holding the directory of initdb, pg_ctl and
// pg_basebackup; default DefaultPGBin.
const EnvPGBin = "CADASTRE_PG_BIN"

// DefaultPGBin is where Debian's postgresql-15 package puts the server
// binaries.
const DefaultPGBin = "/usr/lib/postgresql/15/bin"

// Pair is a PostgreSQL primary and a streaming replica of it, each a
// cluster of its own in a temporary directory on a free port, made for one
// test and stopped and removed when it ends.
type Pair struct {
	PrimaryURL, ReplicaURL string // the database "cadastre", with PostGIS
	Replica                *Cluster
	Primary                *Cluster
}

// Cluster is one of the pair's servers.
type Cluster struct {
	Dir  string // data directory
	Port int
	run  func(name string, args ...string) *exec.Cmd
	bin  string
}

// Replicated starts a primary (initdb) and a streaming hot-standby replica
// of it (pg_basebackup -R), creates the database "cadastre" with PostGIS on
// the primary and waits until the replica has it too. The servers run as
// the current user, or as the OS user postgres when the test runs as root
// (PostgreSQL refuses to run as root). Without the binaries, or as another
// user than root or postgres, the test skips loudly (fails when
// CADASTRE_REQUIRE_POSTGIS is set).
func Replicated(tb testing.TB) *Pair {
	tb.Helper()
	bin := DefaultPGBin
	if b := os.Getenv(EnvPGBin); b != "" {
		bin = b
	}
	for _, name := range []string{"initdb", "pg_ctl", "pg_basebackup"} {
		if _, err := os.Stat(filepath.Join(bin, name)); err != nil {
			replicaUnavailable(tb, "no %s in %s (set %s): %v", name, bin, EnvPGBin, err)
		}
	}
	run, uid, gid := asServerUser(tb)
	root, err := os.MkdirTemp("", "cadastre-replica-")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { os.RemoveAll(root) })
	if err := os.Chown(root, uid, gid); err != nil {
		tb.Fatal(err)
	}
	pair := &Pair{
		Primary: &Cluster{Dir: filepath.Join(root, "primary"), Port: freePort(tb), run: run, bin: bin},
		Replica: &Cluster{Dir: filepath.Join(root, "replica"), Port: freePort(tb), run: run, bin: bin},
	}
	pair.Primary.must(tb, "initdb", "-D", pair.Primary.Dir, "-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8", "--locale=C")
	pair.Primary.start(tb, root)
	tb.Cleanup(func() { pair.Primary.stop(tb) })
	pair.PrimaryURL = pair.Primary.url("cadastre")
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	admin, err := pgx.Connect(ctx, pair.Primary.url("postgres"))
	if err != nil {
		tb.Fatalf("connect to the primary: %v", err)
	}
	if _, err := admin.Exec(ctx, "CREATE DATABASE cadastre"); err != nil {
		tb.Fatalf("create database on the primary: %v", err)
	}
	admin.Close(ctx)
	conn, err := pgx.Connect(ctx, pair.PrimaryURL)
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := conn.Exec(ctx, "CREATE EXTENSION postgis"); err != nil {
		unavailable(tb, "CREATE EXTENSION postgis on the primary: %v", err)
	}
	conn.Close(ctx)

	pair.Replica.must(tb, "pg_basebackup", "-h", "127.0.0.1", "-p", strconv.Itoa(pair.Primary.Port), "-U", "postgres",
		"-D", pair.Replica.Dir, "-R", "-X", "stream", "--no-sync", "-c", "fast")
	pair.Replica.start(tb, root)
	tb.Cleanup(func() { pair.Replica.stop(tb) })
	pair.ReplicaURL = pair.Replica.url("cadastre")
	for {
		c, err := pgx.Connect(ctx, pair.ReplicaURL)
		if err == nil {
			var standby bool
			err = c.QueryRow(ctx, "SELECT pg_is_in_recovery()").Scan(&standby)
			c.Close(ctx)
			if err == nil && !standby {
				tb.Fatal("the replica is not in recovery: it is not a standby")
			}
			if err == nil {
				break
			}
		}
		if ctx.Err() != nil {
			tb.Fatalf("the replica does not answer: %v\n%s", err, pair.Replica.log())
		}
		time.Sleep(100 * time.Millisecond)
	}
	return pair
}

// asServerUser returns how to run a server binary: as is, or through
// runuser as postgres when the test runs as root; and the uid and gid that
// must own the data directories.
func asServerUser(tb testing.TB) (func(string, ...string) *exec.Cmd, int, int) {
	tb.Helper()
	if os.Geteuid() != 0 {
		if u, err := user.Current(); err != nil || u.Username != "postgres" {
			replicaUnavailable(tb, "it starts PostgreSQL servers of its own: run it as root (they then run as the OS user postgres) or as postgres")
		}
		return exec.Command, os.Getuid(), os.Getgid()
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		replicaUnavailable(tb, "running as root, but there is no OS user postgres to run the servers as: %v", err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	runuser, err := exec.LookPath("runuser")
	if err != nil {
		replicaUnavailable(tb, "running as root without runuser: %v", err)
	}
	return func(name string, args ...string) *exec.Cmd {
		return exec.Command(runuser, append([]string{"-u", "postgres", "--", name}, args...)...)
	}, uid, gid
}

func freePort(tb testing.TB) int {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

func (c *Cluster) url(db string) string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", c.Port, db)
}

func (c *Cluster) must(tb testing.TB, name string, args ...string) {
	tb.Helper()
	cmd := c.run(filepath.Join(c.bin, name), args...)
	cmd.Env = append(os.Environ(), "LC_ALL=C")
	if out, err := cmd.CombinedOutput(); err != nil {
		tb.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
}

// start runs the server on its port, its socket in socketDir, small
// settings (a test database), and waits for it.
func (c *Cluster) start(tb testing.TB, socketDir string) {
	tb.Helper()
	opts := fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1 -c shared_buffers=16MB -c fsync=off -c max_connections=50 -c wal_receiver_status_interval=1s",
		c.Port, socketDir)
	c.must(tb, "pg_ctl", "-D", c.Dir, "-l", c.Dir+".log", "-o", opts, "-w", "-t", "60", "start")
}

func (c *Cluster) stop(tb testing.TB) {
	cmd := c.run(filepath.Join(c.bin, "pg_ctl"), "-D", c.Dir, "-m", "immediate", "-w", "stop")
	if out, err := cmd.CombinedOutput(); err != nil {
		tb.Logf("stop the server in %s: %v\n%s", c.Dir, err, out)
	}
}

func (c *Cluster) log() string {
	b, _ := os.ReadFile(c.Dir + ".log")
	return string(b)
}

// replicaUnavailable skips the test loudly, or fails it when
// CADASTRE_REQUIRE_POSTGIS is set.
func replicaUnavailable(tb testing.TB, format string, args ...any) {
	tb.Helper()
	msg := fmt.Sprintf(format, args...)
	if Required() {
		tb.Fatalf("the primary/replica test is required (%s set) but cannot run: %s", EnvRequire, msg)
	}
	tb.Skipf("*** primary/replica test skipped: %s. Set %s=1 to require it.", msg, EnvRequire)
}
