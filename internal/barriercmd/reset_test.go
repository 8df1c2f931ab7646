package barriercmd

import (
	"bytes"
	"encoding/json"
	"sort"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xk6-barrier/xk6-barrier/barrier"
	"github.com/xk6-barrier/xk6-barrier/internal/redistest"
)

func TestReset(t *testing.T) {
	run := redistest.Prefix(t)
	srv := testServer(t, run)
	rdb := srv.Client(t)
	ctx := ctxOf(t)
	seed(t, srv.URL, barrier.Options{Parties: 3, RunID: run}, ids(1, 1), "login", 2)
	seed(t, srv.URL, barrier.Options{Parties: 3, RunID: run, Name: "pay"}, ids(1, 2), "")
	require.NoError(t, rdb.HSet(ctx, "K6_BARRIER_META:{"+run+"}", "parties", "3").Err())
	// Not the barrier's: another program's keys, and a counter of a reason the barrier never recorded.
	foreign := []string{"OTHER:{" + run + "}", "K6_BARRIER_JOINED:{" + run + "}x", "K6_BARRIER_X_FAIL:{" + run + "}", "K6_BARRIERS_JOINED:{" + run + "}"}
	for _, k := range foreign {
		require.NoError(t, rdb.Set(ctx, k, "1", 0).Err())
	}
	defaultKeys := []string{
		"K6_BARRIER_FAILED:{" + run + "}", "K6_BARRIER_FAILURES:{" + run + "}", "K6_BARRIER_JOINED:{" + run + "}",
		"K6_BARRIER_LOGIN_FAIL:{" + run + "}", "K6_BARRIER_META:{" + run + "}",
	}
	exist := func(keys ...string) int64 {
		n, err := rdb.Exists(ctx, keys...).Result()
		require.NoError(t, err)
		return n
	}

	// Declined: nothing deleted.
	ts := newState(t, srv.URL, int(ExitNotConfirmed))
	ts.Stdin = bytes.NewBufferString("n\n")
	err := execute(t, ts, "reset", "--run-id", run)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "reset not confirmed: nothing deleted (pass --yes")
	out := ts.Stdout.String()
	t.Log("\n" + out)
	assert.Contains(t, out, "barrier "+run+"/default in redis "+srv.Addr+": 5 keys of 1 barrier will be deleted:")
	for _, k := range defaultKeys {
		assert.Contains(t, out, "  "+k+"\n")
	}
	assert.Contains(t, ts.Stderr.String(), "Delete them? [y/N]")
	assert.EqualValues(t, 5, exist(defaultKeys...))

	// Confirmed: the default barrier's keys go, nothing else.
	ts = newState(t, srv.URL, 0)
	ts.Stdin = bytes.NewBufferString("yes\n")
	require.NoError(t, execute(t, ts, "reset", "--run-id", run))
	assert.Contains(t, ts.Stdout.String(), "deleted 5 keys of barrier "+run+"/default")
	assert.Zero(t, exist(defaultKeys...))
	assert.EqualValues(t, len(foreign), exist(foreign...))
	assert.EqualValues(t, 1, exist("K6_BARRIER_JOINED:{"+run+"}:pay"), "another barrier of the run stays")

	// Nothing left to delete: exit 0.
	ts = newState(t, srv.URL, 0)
	require.NoError(t, execute(t, ts, "reset", "--run-id", run, "--yes"))
	assert.Contains(t, ts.Stdout.String(), "nothing to delete: no keys of barrier "+run+"/default")

	// --all --yes --json: every barrier of the run, as JSON.
	ts = newState(t, srv.URL, 0)
	require.NoError(t, execute(t, ts, "reset", "--run-id", run, "--all", "--yes", "--json"))
	var got resetJSON
	require.NoError(t, json.Unmarshal(ts.Stdout.Bytes(), &got), ts.Stdout.String())
	assert.Equal(t, 2, got.Deleted)
	require.Len(t, got.Barriers, 1)
	assert.Equal(t, resetBarrierJSON{RunID: run, Name: "pay", Keys: []string{
		"K6_BARRIER_JOINED:{" + run + "}:pay", "K6_BARRIER_META:{" + run + "}:pay",
	}}, got.Barriers[0])
	left, err := rdb.Keys(ctx, "*{"+run+"}*").Result()
	require.NoError(t, err)
	sort.Strings(left)
	// The tombstones name the one-shot states deleted, for a minute (a waiter tells the reset from a loss).
	kept := append(foreign, "K6_BARRIER_RESET:{"+run+"}", "K6_BARRIER_RESET:{"+run+"}:pay")
	sort.Strings(kept)
	assert.Equal(t, kept, left, "only keys outside the barrier's scheme, and the tombstones, are left")
}

// TestResetNoStdin: without an answer on standard input, reset deletes nothing.
func TestResetNoStdin(t *testing.T) {
	run := redistest.Prefix(t)
	srv := testServer(t, run)
	seed(t, srv.URL, barrier.Options{Parties: 3, RunID: run}, ids(1, 1), "")
	ts := newState(t, srv.URL, int(ExitNotConfirmed))
	require.Error(t, execute(t, ts, "reset", "--run-id", run)) // empty stdin: no answer is no
	n, err := srv.Client(t).Exists(ctxOf(t), "K6_BARRIER_JOINED:{"+run+"}").Result()
	require.NoError(t, err)
	assert.EqualValues(t, 1, n)
}
