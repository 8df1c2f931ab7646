package barriercmd

import (
	"bufio"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xk6-barrier/xk6-barrier/barrier"
	"github.com/xk6-barrier/xk6-barrier/internal/redistest"
)

func TestWatchMet(t *testing.T) {
	run := redistest.Prefix(t)
	srv := testServer(t, run)
	b := seed(t, srv.URL, barrier.Options{Parties: 3, RunID: run}, ids(1, 1), "")
	ts := newState(t, srv.URL, 0)
	done := background(t, ts, "watch", "--run-id", run, "--parties", "3", "--timeout", "1m")
	// The first read is printed after the subscription: a change from here on cannot be lost.
	require.Eventually(t, func() bool { return strings.Contains(stdoutOf(ts), ": pending: ") }, 30*time.Second, 5*time.Millisecond)
	for _, id := range []string{"2", "3"} {
		_, err := b.Join(ctxOf(t), id)
		require.NoError(t, err)
	}
	require.NoError(t, <-done)
	out := ts.Stdout.String()
	t.Log("\n" + out)
	assert.Contains(t, out, "barrier "+run+"/default: pending: joined 1/3, failed 0, missing 2 (2, 3)")
	assert.Contains(t, out, "barrier "+run+"/default: met: joined 3/3, failed 0, missing 0")
	assert.Contains(t, out, "barrier "+run+"/default met after watching")
}

func TestWatchFailed(t *testing.T) {
	run := redistest.Prefix(t)
	srv := testServer(t, run)
	b := seed(t, srv.URL, barrier.Options{Parties: 3, RunID: run, Name: "pay"}, ids(1, 1), "")
	ts := newState(t, srv.URL, int(ExitFailed))
	done := background(t, ts, "watch", "--run-id", run, "--name", "pay", "--parties", "3", "--quorum", "2")
	require.Eventually(t, func() bool { return strings.Contains(stdoutOf(ts), ": pending: ") }, 30*time.Second, 5*time.Millisecond)
	_, err := b.Fail(ctxOf(t), "2", "login")
	require.NoError(t, err)
	err = <-done
	require.Error(t, err)
	assert.Equal(t, "barrier "+run+"/pay failed: failed 1 (login=1) > max failures 0", err.Error())
	assert.Contains(t, ts.Stdout.String(), "failed: joined 1/3 (quorum 2), failed 1 (login=1), missing 1 (3)")
}

func TestWatchTimeout(t *testing.T) {
	run := redistest.Prefix(t)
	srv := testServer(t, run)
	seed(t, srv.URL, barrier.Options{Parties: 3, RunID: run}, ids(1, 2), "")
	ts := newState(t, srv.URL, int(ExitTimeout))
	err := execute(t, ts, "watch", "--run-id", run, "--parties", "3", "--timeout", "1500ms")
	require.Error(t, err)
	assert.Equal(t, "barrier "+run+"/default: timeout after 1.5s: pending: joined 2/3, failed 0, missing 1 (3)", err.Error())
}

// TestWatchAppearsJSON watches a barrier before it exists, with --json: one object per change.
func TestWatchAppearsJSON(t *testing.T) {
	run := redistest.Prefix(t)
	srv := testServer(t, run)
	ts := newState(t, srv.URL, 0)
	done := background(t, ts, "watch", "--run-id", run, "--parties", "2", "--json")
	require.Eventually(t, func() bool { return strings.Contains(stdoutOf(ts), `"found":false`) }, 30*time.Second, 5*time.Millisecond)
	seed(t, srv.URL, barrier.Options{Parties: 2, RunID: run}, ids(1, 2), "")
	require.NoError(t, <-done)

	var lines []map[string]any
	sc := bufio.NewScanner(strings.NewReader(ts.Stdout.String()))
	for sc.Scan() {
		var m map[string]any
		require.NoError(t, json.Unmarshal(sc.Bytes(), &m), sc.Text())
		assert.Contains(t, m, "time")
		lines = append(lines, m)
	}
	require.GreaterOrEqual(t, len(lines), 2, ts.Stdout.String())
	assert.Equal(t, false, lines[0]["found"])
	last := lines[len(lines)-1]
	assert.Equal(t, "met", last["outcome"])
	assert.EqualValues(t, 2, last["joined"])
	assert.Equal(t, true, last["released"])
}

func TestWatchNeedsParties(t *testing.T) {
	run := redistest.Prefix(t)
	srv := testServer(t, run)
	seed(t, srv.URL, barrier.Options{Parties: 2, RunID: run}, ids(1, 1), "")
	forgetParties(t, srv, barrier.Options{Parties: 2, RunID: run})
	ts := newState(t, srv.URL, int(ExitUsage))
	err := execute(t, ts, "watch", "--run-id", run)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "recorded no parties: pass --parties")
}
