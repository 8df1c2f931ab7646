package barriercmd

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xk6-barrier/xk6-barrier/barrier"
	"github.com/xk6-barrier/xk6-barrier/internal/redistest"
)

// TestAcceptedInputs: what the usage checks must let through: --timeout 7d (the most), a run id of
// 100 two-byte characters (the limit counts characters).
func TestAcceptedInputs(t *testing.T) {
	run := redistest.Prefix(t)
	srv := testServer(t, run)
	ts := newState(t, srv.URL, int(ExitNotFound))
	require.Error(t, execute(t, ts, "status", "--run-id", run+strings.Repeat("é", 100-len([]rune(run))), "--timeout", "7d"))
	ts = newState(t, srv.URL, 0)
	require.NoError(t, execute(t, ts, "list", "--timeout", "1d12h", "no-such-run-"+globEscapeForTest(run)))
}

// TestListWrongTypeRow: a key of another type under one barrier's name does not fail the list: the
// healthy barriers are listed, the bad one with its error on its row and in --json (exit 0).
func TestListWrongTypeRow(t *testing.T) {
	run := redistest.Prefix(t)
	srv := redistest.New(t)
	srv.Cleanup(t, "*{"+run+"*")
	seed(t, srv.URL, barrier.Options{Parties: 2, RunID: run + "-a"}, ids(1, 2), "")
	seed(t, srv.URL, barrier.Options{Parties: 2, RunID: run + "-c"}, ids(1, 1), "")
	require.NoError(t, srv.Client(t).Set(ctxOf(t), "K6_BARRIER_JOINED:{"+run+"-b}", "x", time.Hour).Err())

	ts := newState(t, srv.URL, 0)
	require.NoError(t, execute(t, ts, "list", globEscapeForTest(run)+"-*"))
	out := ts.Stdout.String()
	t.Log("\n" + out)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	require.Len(t, lines, 4)
	assert.Regexp(t, `^`+regexpQuote(run)+`-a\s+default\s+2/2\s+0\s+yes`, lines[1])
	assert.Regexp(t, `^`+regexpQuote(run)+`-b\s+default\s+error: redis 127\.0\.0\.1:\d+: key K6_BARRIER_JOINED:\{`+regexpQuote(run)+`-b\} holds a string, not the set`, lines[2])
	assert.Regexp(t, `^`+regexpQuote(run)+`-c\s+default\s+1/2\s+0\s+no`, lines[3])

	ts = newState(t, srv.URL, 0)
	require.NoError(t, execute(t, ts, "list", globEscapeForTest(run)+"-*", "--json"))
	var got []map[string]any
	require.NoError(t, json.Unmarshal(ts.Stdout.Bytes(), &got))
	require.Len(t, got, 3)
	assert.Contains(t, got[1]["error"], "holds a string")
	assert.NotContains(t, got[0], "error")
}

// TestWatchFollowsPhases: watch follows a barrier used only with arrive(), phase after phase, from
// the rendezvous's channel, until --timeout.
func TestWatchFollowsPhases(t *testing.T) {
	run := redistest.Prefix(t)
	srv := testServer(t, run)
	b, err := barrier.New(barrier.Options{Parties: 2, RunID: run, Redis: srv.URL, Name: "rdv"})
	require.NoError(t, err)
	arriveAll(t, b, 1, 2) // phase 0: the barrier exists
	ts := newState(t, srv.URL, int(ExitTimeout))
	done := background(t, ts, "watch", "--run-id", run, "--name", "rdv", "--timeout", "3s")
	time.Sleep(700 * time.Millisecond)
	arriveAll(t, b, 1, 2) // phase 1
	arriveAll(t, b, 1, 2) // phase 2
	require.Error(t, <-done)
	out := stdoutOf(ts)
	t.Log("\n" + out)
	assert.Regexp(t, `barrier `+regexpQuote(run)+`/rdv: phase 1: arrived 0/2, left 0; last phase 0 released`, out)
	assert.Regexp(t, `barrier `+regexpQuote(run)+`/rdv: phase 3: arrived 0/2, left 0; last phase 2 released`, out)
}
