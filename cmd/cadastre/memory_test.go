package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestIngestMemoryBounded watches the resident memory of a real server
// process (this test binary re-run as `cadastre serve`, its peak read from
// /proc/PID/status VmHWM) while it is sent a 50 MB single polygon, a
// 200 MB string, a 20 MB feature whose property is an array of 10 million
// numbers and 87 MB of 16 valid plots of 190,000 vertices each: with the
// default limits its peak stays under 128 MiB (400 MiB under -race; issue 13; before the
// property budget and the chunk's vertex budget the last two peaked at
// 816 and 425 MB). The same uploads to a server whose limits are lifted show
// the old behaviour, the peak following the input to several hundred MiB,
// so the measure is one that can fail.
func TestIngestMemoryBounded(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("reads /proc/PID/status")
	}
	bound := int64(128 << 20)
	if raceBuild {
		// The race detector's shadow memory: measured 220 MiB with the
		// default limits under -race, 1.7-2.2 GiB with them lifted.
		bound = 400 << 20
	}
	bounded := serveChild(t)
	bounded.upload(t)
	hwm := bounded.peak(t)
	t.Logf("default limits: peak RSS %d MiB", hwm>>20)
	if hwm > bound {
		t.Errorf("peak RSS with the default limits: %d MiB, want under %d MiB", hwm>>20, bound>>20)
	}
	bounded.stop(t)

	lifted := serveChild(t, "--max-vertices", "100000000", "--max-string", "1000000000", "--max-properties", "1000000000")
	lifted.upload(t)
	old := lifted.peak(t)
	t.Logf("limits lifted (the old decoder's behaviour): peak RSS %d MiB", old>>20)
	if old < 2*bound {
		t.Errorf("peak RSS with the limits lifted: %d MiB; the measure cannot tell (want over %d MiB)", old>>20, 2*bound>>20)
	}
	lifted.stop(t)
}

// child is a `cadastre serve` process on an empty GeoPackage.
type child struct {
	cmd   *exec.Cmd
	base  string
	token string
	logs  *bytes.Buffer
}

func serveChild(t *testing.T, extra ...string) *child {
	t.Helper()
	path := filepath.Join(t.TempDir(), "c.gpkg")
	secret, err := run(t, "token", "create", "--role", "admin", "--name", "memory", "--gpkg", path)
	if err != nil {
		t.Fatal(err)
	}
	addr := freeAddr(t)
	args := append([]string{"serve", "--addr", addr, "--gpkg", path, "--load-sample=false", "--log-level", "warn"}, extra...)
	c := &child{cmd: exec.Command(os.Args[0], "-test.run=^$"), base: "http://" + addr, token: strings.TrimSpace(secret), logs: &bytes.Buffer{}}
	c.cmd.Env = append(os.Environ(), "CADASTRE_TEST_MAIN="+strings.Join(args, "\x1f"))
	c.cmd.Stderr = c.logs
	if err := c.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if resp, err := http.Get(c.base + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return c
			}
		}
		if time.Now().After(deadline) {
			c.cmd.Process.Kill()
			t.Fatalf("child server not ready\n%s", c.logs)
		}
	}
}

// upload sends both inputs; each must be refused with 422 (by the limits,
// or, limits lifted, because the feature is neither a plot nor a sheet;
// the plots because their sheet is not stored).
func (c *child) upload(t *testing.T) {
	t.Helper()
	for name, body := range map[string]func(io.Writer){"polygon": bigPolygon, "string": bigString, "properties": bigProperties, "plots": bigPlots} {
		pr, pw := io.Pipe()
		go func() { body(pw); pw.Close() }()
		req, _ := http.NewRequest(http.MethodPost, c.base+"/api/v1/ingest?name="+name+".geojson&crs=EPSG:9210", pr)
		req.Header.Set("Authorization", "Bearer "+c.token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("%s: %v\n%s", name, err, c.logs)
		}
		out, _ := io.ReadAll(io.LimitReader(resp.Body, 2000))
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("%s: got %d %s, want 422", name, resp.StatusCode, out)
		}
		t.Logf("after %s: peak RSS %d MiB", name, c.peak(t)>>20)
	}
}

// peak returns the child's peak resident set (VmHWM).
func (c *child) peak(t *testing.T) int64 {
	t.Helper()
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", c.cmd.Process.Pid))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			return kb << 10
		}
	}
	t.Fatal("no VmHWM in /proc/PID/status")
	return 0
}

// stop ends the child (Main's signal handling lives in main, which the
// test binary does not run: SIGKILL; it holds nothing worth a drain).
func (c *child) stop(t *testing.T) {
	t.Helper()
	if err := c.cmd.Process.Kill(); err != nil {
		t.Errorf("killing the child server: %v", err)
	}
	var ee *exec.ExitError
	if err := c.cmd.Wait(); err != nil && !errors.As(err, &ee) {
		t.Errorf("child server: %v\n%s", err, c.logs)
	}
}

// bigPolygon writes a FeatureCollection of one feature whose polygon has
// about 2 million vertices (50 MB).
func bigPolygon(w io.Writer) {
	bw := bufio.NewWriterSize(w, 1<<16)
	bw.WriteString(`{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"note":"huge"},"geometry":{"type":"Polygon","coordinates":[[`)
	for i := range 2_000_000 {
		if i > 0 {
			bw.WriteByte(',')
		}
		fmt.Fprintf(bw, "[%d.125,%d.5]", 600000+i%1000, 1192000+i/1000)
	}
	bw.WriteString(`]]}}]}`)
	bw.Flush()
}

// bigString writes a FeatureCollection of one feature with a 200 MB
// string property.
func bigString(w io.Writer) {
	bw := bufio.NewWriterSize(w, 1<<16)
	bw.WriteString(`{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"note":"`)
	chunk := bytes.Repeat([]byte("x"), 1<<16)
	for range (200 << 20) / len(chunk) {
		bw.Write(chunk)
	}
	bw.WriteString(`"},"geometry":null}]}`)
	bw.Flush()
}

// bigProperties writes a FeatureCollection of one feature whose property
// x is an array of 10 million numbers (20 MB).
func bigProperties(w io.Writer) {
	bw := bufio.NewWriterSize(w, 1<<16)
	bw.WriteString(`{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"x":[0`)
	for range 10_000_000 - 1 {
		bw.WriteString(",0")
	}
	bw.WriteString(`]},"geometry":null}]}`)
	bw.Flush()
}

// bigPlots writes a FeatureCollection of 16 plots, each of 190,000
// vertices (87 MB), all under the vertex limit: they are decoded and
// written in chunks, refused at the end because sheet 1 is not stored.
func bigPlots(w io.Writer) {
	bw := bufio.NewWriterSize(w, 1<<16)
	bw.WriteString(`{"type":"FeatureCollection","features":[`)
	for p := range 16 {
		if p > 0 {
			bw.WriteByte(',')
		}
		fmt.Fprintf(bw, `{"type":"Feature","properties":{"unit":"27001","sheet":1,"plot":%d,"land_use":"LUC"},"geometry":{"type":"Polygon","coordinates":[[`, p+1)
		x0 := 600000 + 100*p
		for i := range 190_000 - 1 {
			if i > 0 {
				bw.WriteByte(',')
			}
			fmt.Fprintf(bw, "[%d.%03d,1192%03d.5]", x0+i%50, i%1000, i/1000%1000)
		}
		fmt.Fprintf(bw, ",[%d.000,1192000.5]]]}}", x0)
	}
	bw.WriteString(`]}`)
	bw.Flush()
}
