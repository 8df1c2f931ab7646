package barriercmd

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"
	"github.com/stretchr/testify/require"

	"go.k6.io/k6/v2/cmd/tests"
	"go.k6.io/k6/v2/errext"

	"github.com/xk6-barrier/xk6-barrier/barrier"
	"github.com/xk6-barrier/xk6-barrier/internal/redistest"
)

func TestMain(m *testing.M) { redistest.Main(m) }

// execute runs `k6 x barrier args...` as k6 v2.2.0 runs a subcommand extension: the command under
// a root and an `x` command that silence cobra's own error and usage output, the root's streams set
// to GlobalState's, and GlobalState's OSExit called with the exit code of the returned error (0
// without one, -1 for an error without a code). ts.ExpectedExitCode must be set before.
func execute(t *testing.T, ts *tests.GlobalTestState, args ...string) error {
	t.Helper()
	root := &cobra.Command{Use: "k6", SilenceUsage: true, SilenceErrors: true}
	x := &cobra.Command{Use: "x"}
	x.AddCommand(New(ts.GlobalState))
	root.AddCommand(x)
	root.SetArgs(append([]string{"x", Name}, args...))
	root.SetOut(ts.GlobalState.Stdout)
	root.SetErr(ts.GlobalState.Stderr)
	root.SetIn(ts.Stdin)
	_, err := root.ExecuteC()
	code := 0
	if err != nil {
		code = -1
		var ec errext.HasExitCode
		if errors.As(err, &ec) {
			code = int(ec.ExitCode())
		}
		t.Logf("k6 x barrier %s: exit %d: %v", strings.Join(args, " "), code, err)
	}
	ts.OSExit(code)
	return err
}

// newState is a GlobalTestState whose environment names the Redis at redisURL.
func newState(t *testing.T, redisURL string, exit int) *tests.GlobalTestState {
	ts := tests.NewGlobalTestState(t)
	if redisURL != "" {
		ts.Env[EnvRedis] = redisURL
	}
	ts.ExpectedExitCode = exit
	return ts
}

// testServer is the shared test Redis; tests keep to run ids from redistest.Prefix and delete them.
func testServer(t *testing.T, run string) *redistest.Server {
	srv := redistest.New(t)
	srv.Cleanup(t, "*{"+run+"}*")
	return srv
}

func ctxOf(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// seed makes a barrier on redisURL and accounts ids: joined ones, then failed ones with reason.
func seed(t *testing.T, redisURL string, o barrier.Options, joined []int, reason string, failed ...int) *barrier.Barrier {
	t.Helper()
	o.Redis = redisURL
	b, err := barrier.New(o)
	require.NoError(t, err)
	for _, id := range joined {
		_, err := b.Join(ctxOf(t), itoa(id))
		require.NoError(t, err)
	}
	for _, id := range failed {
		_, err := b.Fail(ctxOf(t), itoa(id), reason)
		require.NoError(t, err)
	}
	return b
}

// forgetParties deletes the META hash a barrier wrote, as if its keys came from the fix plan's raw
// writes (which record no parties).
func forgetParties(t *testing.T, srv *redistest.Server, o barrier.Options) {
	t.Helper()
	b := seed(t, srv.URL, o, nil, "")
	o = b.Options()
	scope := "{" + o.RunID + "}"
	if o.Name != barrier.DefaultName {
		scope += ":" + o.Name
	}
	rdb := srv.Client(t)
	require.NoError(t, rdb.Del(ctxOf(t), o.KeyPrefix+"_META:"+scope).Err())
}

func ids(from, to int) []int {
	var out []int
	for i := from; i <= to; i++ {
		out = append(out, i)
	}
	return out
}

func itoa(i int) string {
	return strconv.Itoa(i)
}

// background runs execute in a goroutine; the returned channel gets its error.
func background(t *testing.T, ts *tests.GlobalTestState, args ...string) <-chan error {
	done := make(chan error, 1)
	go func() { done <- execute(t, ts, args...) }()
	return done
}

// stdoutOf reads ts's standard output while a command may still write it (under the mutex its
// writer takes).
func stdoutOf(ts *tests.GlobalTestState) string {
	ts.OutMutex.Lock()
	defer ts.OutMutex.Unlock()
	return ts.Stdout.String()
}
