package barriercmd

import (
	"net"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xk6-barrier/xk6-barrier/barrier"
	"github.com/xk6-barrier/xk6-barrier/internal/redistest"
)

// every command, for the fault tests.
//
//nolint:gochecknoglobals // the table of commands the fault tests run
var allCommands = [][]string{
	{"status", "--run-id", "r1"},
	{"status", "--run-id", "r1", "--json"},
	{"watch", "--run-id", "r1", "--parties", "2", "--timeout", "1m"},
	{"list"},
	{"list", "--json"},
	{"reset", "--run-id", "r1", "--yes"},
}

// TestRedisDown: a closed port; every command fails at once with exit code 1, naming the address,
// never the password.
func TestRedisDown(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close())
	for _, args := range allCommands {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			ts := newState(t, "redis://k6:hunter2@"+addr+"/0", int(ExitError))
			err := execute(t, ts, args...)
			require.Error(t, err)
			assert.Contains(t, err.Error(), addr)
			assert.Contains(t, err.Error(), "connection refused")
			for _, s := range []string{err.Error(), ts.Stdout.String(), ts.Stderr.String()} {
				assert.NotContains(t, s, "hunter2")
			}
		})
	}
}

// TestWrongPassword: a Redis that wants another password; exit code 1, no password in any output.
func TestWrongPassword(t *testing.T) {
	srv := redistest.NeedServer(t, "--requirepass", "right-secret")
	for _, args := range allCommands {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			ts := newState(t, "redis://:wrong-secret@"+srv.Addr, int(ExitError))
			err := execute(t, ts, args...)
			require.Error(t, err)
			assert.Contains(t, err.Error(), srv.Addr)
			assert.Regexp(t, `WRONGPASS|NOAUTH|invalid password`, err.Error())
			for _, s := range []string{err.Error(), ts.Stdout.String(), ts.Stderr.String()} {
				assert.NotContains(t, s, "secret")
			}
		})
	}
	// Without a password: NOAUTH says how to give one.
	ts := newState(t, "redis://"+srv.Addr, int(ExitError))
	err := execute(t, ts, "status", "--run-id", "r1")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "NOAUTH")
}

// TestWrongTypeKey: a key of the barrier's layout holding another type is named, exit code 1.
func TestWrongTypeKey(t *testing.T) {
	run := redistest.Prefix(t)
	srv := testServer(t, run)
	key := "K6_BARRIER_JOINED:{" + run + "}"
	require.NoError(t, srv.Client(t).Set(ctxOf(t), key, "x", 0).Err())
	ts := newState(t, srv.URL, int(ExitError))
	err := execute(t, ts, "status", "--run-id", run)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "key "+key+" holds a string, not the set the barrier keeps there")
}

// TestCluster runs every command against a 3-master Redis Cluster through a redis+cluster:// URL:
// list and reset find keys on every master.
func TestCluster(t *testing.T) {
	nodes := redistest.NeedCluster(t, 3)
	addrs := make([]string, len(nodes))
	for i, n := range nodes {
		addrs[i] = n.Addr
	}
	url := "redis+cluster://" + strings.Join(addrs, ",")
	run := redistest.Prefix(t)
	// Enough barriers that their slots fall on more than one master.
	names := []string{"a", "b", "c", "d", "e", "f", "g", "h"}
	for _, name := range names {
		seed(t, url, barrier.Options{Parties: 2, RunID: run + "-" + name, Name: name}, ids(1, 1), "login", 2)
	}
	masters := map[string]bool{}
	for _, n := range nodes {
		keys, err := n.Client(t).Keys(ctxOf(t), "*").Result() // a test's own cluster: KEYS is fine here
		require.NoError(t, err)
		if len(keys) > 0 {
			masters[n.Addr] = true
		}
	}
	require.Greater(t, len(masters), 1, "the barriers all landed on one master; the test proves nothing")

	ts := newState(t, url, 0)
	require.NoError(t, execute(t, ts, "list", run+"-*"))
	out := ts.Stdout.String()
	t.Log("\n" + out)
	for _, name := range names {
		assert.Regexp(t, run+"-"+name+`\s+`+name+`\s+1/2\s+1 \(login=1\)`, out)
	}

	ts = newState(t, url, int(ExitFailed))
	require.Error(t, execute(t, ts, "watch", "--run-id", run+"-a", "--name", "a", "--parties", "2"))

	ts = newState(t, url, 0)
	require.NoError(t, execute(t, ts, "status", "--run-id", run+"-b", "--name", "b", "--parties", "2", "--quorum", "1", "--max-failures", "1"))
	assert.Contains(t, ts.Stdout.String(), "outcome    met")

	for _, name := range names {
		ts = newState(t, url, 0)
		require.NoError(t, execute(t, ts, "reset", "--run-id", run+"-"+name, "--all", "--yes"))
		assert.Contains(t, ts.Stdout.String(), "deleted 5 keys of the barriers of run "+run+"-"+name)
	}
	ts = newState(t, url, 0)
	require.NoError(t, execute(t, ts, "list", run+"-*", "--json"))
	assert.Equal(t, "[]\n", ts.Stdout.String())
}

// TestSentinel: the commands reach a primary through Sentinel (redis+sentinel://), as the JS
// module does.
func TestSentinel(t *testing.T) {
	s := redistest.NeedSentinel(t, 1, 5*time.Second)
	url := s.URL()
	run := redistest.Prefix(t)
	seed(t, url, barrier.Options{Parties: 2, RunID: run}, ids(1, 1), "login", 2)

	ts := newState(t, url, 0)
	require.NoError(t, execute(t, ts, "list", run))
	out := ts.Stdout.String()
	t.Log("\n" + out)
	assert.Regexp(t, regexpQuote(run)+`\s+default\s+1/2\s+1 \(login=1\)`, out)

	ts = newState(t, url, 0)
	require.NoError(t, execute(t, ts, "status", "--run-id", run))
	assert.Contains(t, ts.Stdout.String(), "redis      master mymaster via "+s.Sentinels[0].Addr)

	ts = newState(t, url, 0)
	require.NoError(t, execute(t, ts, "reset", "--run-id", run, "--yes"))
	assert.Contains(t, ts.Stdout.String(), "deleted 5 keys")
}
