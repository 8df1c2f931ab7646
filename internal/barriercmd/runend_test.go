package barriercmd

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xk6-barrier/xk6-barrier/barrier"
	"github.com/xk6-barrier/xk6-barrier/internal/redistest"
)

// TestWatchEndsWithTheRun: watch follows a rendezvous phase after phase and ends (exit 0) when every
// k6 instance of the run recorded the end of its test, here two halves (--execution-segment), not
// at --timeout.
func TestWatchEndsWithTheRun(t *testing.T) {
	run := redistest.Prefix(t)
	srv := testServer(t, run)
	b, err := barrier.New(barrier.Options{Parties: 2, RunID: run, Redis: srv.URL, Name: "rdv"})
	require.NoError(t, err)
	arriveAll(t, b, 1, 2) // phase 0: the barrier exists
	ts := newState(t, srv.URL, 0)
	start := time.Now()
	done := background(t, ts, "watch", "--run-id", run, "--name", "rdv", "--timeout", "1m")
	time.Sleep(700 * time.Millisecond)
	arriveAll(t, b, 1, 2) // phase 1
	require.NoError(t, b.RecordRunEnd(context.Background(), "0:1/2"))
	time.Sleep(700 * time.Millisecond)
	select {
	case err := <-done:
		t.Fatalf("the watch ended while half of the run still ran: %v", err)
	default:
	}
	require.NoError(t, b.RecordRunEnd(context.Background(), "1/2:1"))
	require.NoError(t, <-done)
	assert.Less(t, time.Since(start), 30*time.Second, "at the run's end, not at --timeout")
	out := stdoutOf(ts)
	t.Log("\n" + out)
	assert.Regexp(t, `barrier `+regexpQuote(run)+`/rdv: phase 2: arrived 0/2, left 0; last phase 1 released`, out)
	assert.Regexp(t, `barrier `+regexpQuote(run)+`/rdv: the run ended after watching `, out)
}

// TestWatchEndsWhenNoInstanceRemains: watch of a rendezvous also ends (exit 0, its last phase
// released) when no k6 instance holds a live lease any more after one did: here the only instance
// is killed (its client closed: it renews nothing and records no end of its test), and the watch
// ends when its lease expires, not at --timeout.
func TestWatchEndsWhenNoInstanceRemains(t *testing.T) {
	run := redistest.Prefix(t)
	srv := testServer(t, run)
	client := srv.Client(t)
	b, err := barrier.NewWithClient(barrier.Options{Parties: 2, RunID: run, Name: "rdv"}, client)
	require.NoError(t, err)
	arriveAll(t, b, 1, 2) // phase 0: the barrier exists, and the instance holds a lease
	ts := newState(t, srv.URL, 0)
	start := time.Now()
	done := background(t, ts, "watch", "--run-id", run, "--name", "rdv", "--timeout", "1m")
	time.Sleep(700 * time.Millisecond)
	arriveAll(t, b, 1, 2) // phase 1
	time.Sleep(700 * time.Millisecond)
	select {
	case err := <-done:
		t.Fatalf("the watch ended while the instance still ran: %v", err)
	default:
	}
	require.NoError(t, client.Close()) // killed
	require.NoError(t, <-done)
	assert.Less(t, time.Since(start), 30*time.Second, "when the lease expired, not at --timeout")
	out := stdoutOf(ts)
	t.Log("\n" + out)
	assert.Regexp(t, `barrier `+regexpQuote(run)+`/rdv: phase 2: arrived 0/2, left 0; last phase 1 released`, out)
	assert.Regexp(t, `barrier `+regexpQuote(run)+`/rdv: the run ended after watching `, out)
}
