package doctest

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/xk6-barrier/xk6-barrier/internal/redistest"
)

// demoListeningRE is the demo server's line that says where it serves.
var demoListeningRE = regexp.MustCompile(`^waitingroom listening on http://(\S+)$`)

// startDemo builds and starts the demo server of examples/waitingroom on a free loopback port, with
// its keys in srv under a prefix of this test's own, and returns its address (host:port). It stops
// when the test ends. The snippets marked `<!-- snippet: demo -->` run against it: README.md's
// examples, which users run as pasted against `go run ./examples/waitingroom`.
func startDemo(t *testing.T, srv *redistest.Server) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "waitingroom")
	build := exec.Command("go", "build", "-o", bin, "./examples/waitingroom")
	build.Dir = repoRoot
	out, err := build.CombinedOutput()
	require.NoError(t, err, "building the demo server: %s", out)

	prefix := "DOCDEMO_" + strings.ReplaceAll(redistest.Prefix(t), ":", "_") + ":"
	srv.Cleanup(t, prefix+"*")
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, bin, "-addr", "127.0.0.1:0", "-redis", srv.URL, "-key-prefix", prefix)
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = 10 * time.Second
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	cmd.Stderr = testWriter{t}
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		cancel()
		_ = cmd.Wait()
	})
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if m := demoListeningRE.FindStringSubmatch(sc.Text()); m != nil {
				addr <- m[1]
			}
		}
	}()
	select {
	case a := <-addr:
		return a
	case <-time.After(time.Minute):
		t.Fatal("the demo server did not say where it listens within a minute")
		return ""
	}
}

// testWriter logs what the demo server writes to stderr.
type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Logf("demo server: %s", strings.TrimSpace(string(p)))
	return len(p), nil
}
