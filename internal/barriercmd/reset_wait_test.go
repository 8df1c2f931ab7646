package barriercmd

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xk6-barrier/xk6-barrier/barrier"
	"github.com/xk6-barrier/xk6-barrier/internal/redistest"
)

// TestResetWhileWaiting: a wait that runs while `k6 x barrier reset` deletes its barrier takes it as
// a reset (as after Barrier.Reset), not as lost state: it goes on waiting and is met by the joins
// that follow.
func TestResetWhileWaiting(t *testing.T) {
	run := redistest.Prefix(t)
	srv := testServer(t, run)
	b := seed(t, srv.URL, barrier.Options{Parties: 2, RunID: run}, ids(1, 1), "")
	done := make(chan error, 1)
	go func() {
		_, err := b.Wait(ctxOf(t), barrier.WaitOptions{Timeout: 20 * time.Second})
		done <- err
	}()
	channel := "K6_BARRIER_RELEASE:{" + run + "}"
	require.Eventually(t, func() bool {
		n, err := srv.Client(t).PubSubNumSub(ctxOf(t), channel).Result()
		return err == nil && n[channel] > 0
	}, 5*time.Second, 10*time.Millisecond, "the wait subscribed")

	ts := newState(t, srv.URL, 0)
	require.NoError(t, execute(t, ts, "reset", "--run-id", run, "--yes"))
	// Longer than the 1 s a fall of the counts may last before the wait calls it lost state.
	select {
	case err := <-done:
		t.Fatalf("the wait ended after the reset: %v", err)
	case <-time.After(1500 * time.Millisecond):
	}
	for _, id := range []string{"1", "2"} {
		_, err := b.Join(ctxOf(t), id)
		require.NoError(t, err)
	}
	select {
	case err := <-done:
		assert.NoError(t, err, "met after the reset")
	case <-time.After(10 * time.Second):
		t.Fatal("the wait was not released by the joins after the reset")
	}
}
