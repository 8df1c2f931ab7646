package barriercmd

import (
	"context"
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xk6-barrier/xk6-barrier/barrier"
	"github.com/xk6-barrier/xk6-barrier/internal/redistest"
)

// arriveAll has ids arrive at b's current phase together and waits until it is released.
func arriveAll(t *testing.T, b *barrier.Barrier, ids ...int) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make([]error, len(ids))
	for i, id := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = b.Arrive(ctxOf(t), itoa(id), barrier.ArriveOptions{Timeout: time.Minute})
		}()
	}
	wg.Wait()
	for _, err := range errs {
		require.NoError(t, err)
	}
}

// TestRendezvousOnly: a barrier used only with arrive() (no one-shot keys) is listed, its status
// shows the current phase and the last settled one, and reset deletes its phase keys and rejects
// the arrivals waiting at it.
func TestRendezvousOnly(t *testing.T) {
	run := redistest.Prefix(t)
	srv := testServer(t, run)
	rdb := srv.Client(t)
	ctx := ctxOf(t)
	b, err := barrier.New(barrier.Options{Parties: 3, RunID: run, Redis: srv.URL, Name: "spike"})
	require.NoError(t, err)
	arriveAll(t, b, 1, 2, 3) // phase 0 released
	_, err = b.Leave(ctx, "3")
	require.NoError(t, err)
	waiting := make(chan error, 1)
	go func() {
		_, err := b.Arrive(ctxOf(t), "1", barrier.ArriveOptions{Timeout: time.Minute})
		waiting <- err
	}()
	require.Eventually(t, func() bool { n, err := b.Arrived(ctx); return err == nil && n == 1 }, 10*time.Second, 10*time.Millisecond)
	scope := "{" + run + "}:spike"
	phaseKeys := []string{"K6_BARRIER_PHASE:" + scope, "K6_BARRIER_PHASE_SEEN:" + scope, "K6_BARRIER_PHASE_LEFT:" + scope, "K6_BARRIER_PHASE_LOG:" + scope}
	foreign := "K6_BARRIER_PHASE_OTHER:" + scope
	require.NoError(t, rdb.Set(ctx, foreign, "1", 0).Err())

	ts := newState(t, srv.URL, 0)
	require.NoError(t, execute(t, ts, "list", run))
	out := ts.Stdout.String()
	t.Log("\n" + out)
	assert.Regexp(t, `RUN ID +NAME +JOINED +FAILED +RELEASED +TTL +PHASE\n`, out)
	assert.Regexp(t, run+` +spike +0/\? +0 +unknown \(parties unknown\) +24h0m0s +1: arrived 1/2, left 1\n`, out)

	ts = newState(t, srv.URL, 0)
	require.NoError(t, execute(t, ts, "status", "--run-id", run, "--name", "spike"))
	out = ts.Stdout.String()
	t.Log("\n" + out)
	assert.Contains(t, out, "phase       1: arrived 1/2, left 1\n")
	assert.Regexp(t, `last phase  0 released at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ: arrived 3/3, left 0\n`, out)
	for _, k := range phaseKeys {
		assert.Contains(t, out, k)
	}
	assert.NotContains(t, out, foreign)

	ts = newState(t, srv.URL, 0)
	require.NoError(t, execute(t, ts, "status", "--run-id", run, "--name", "spike", "--json"))
	t.Log(ts.Stdout.String())
	var got struct {
		Found bool `json:"found"`
		Phase *struct {
			Current int64 `json:"current"`
			Arrived int   `json:"arrived"`
			Needed  *int  `json:"needed"`
			Left    int   `json:"left"`
			Last    *struct {
				Phase     int64     `json:"phase"`
				Outcome   string    `json:"outcome"`
				Arrived   int       `json:"arrived"`
				Quorum    int       `json:"quorum"`
				Parties   int       `json:"parties"`
				SettledAt time.Time `json:"settledAt"`
			} `json:"last"`
		} `json:"phase"`
	}
	require.NoError(t, json.Unmarshal(ts.Stdout.Bytes(), &got))
	require.True(t, got.Found)
	require.NotNil(t, got.Phase)
	assert.EqualValues(t, 1, got.Phase.Current)
	assert.Equal(t, 1, got.Phase.Arrived)
	require.NotNil(t, got.Phase.Needed)
	assert.Equal(t, 2, *got.Phase.Needed)
	assert.Equal(t, 1, got.Phase.Left)
	require.NotNil(t, got.Phase.Last)
	assert.EqualValues(t, 0, got.Phase.Last.Phase)
	assert.Equal(t, "released", got.Phase.Last.Outcome)
	assert.Equal(t, 3, got.Phase.Last.Arrived)
	assert.Equal(t, 3, got.Phase.Last.Quorum)
	assert.WithinDuration(t, time.Now(), got.Phase.Last.SettledAt, time.Minute)

	ts = newState(t, srv.URL, 0)
	require.NoError(t, execute(t, ts, "reset", "--run-id", run, "--name", "spike", "--yes"))
	t.Log("\n" + ts.Stdout.String())
	assert.Contains(t, ts.Stdout.String(), "deleted 6 keys of barrier "+run+"/spike") // with the instances and their participants
	n, err := rdb.Exists(ctx, phaseKeys...).Result()
	require.NoError(t, err)
	assert.Zero(t, n, "phase keys left after reset")
	n, err = rdb.Exists(ctx, foreign).Result()
	require.NoError(t, err)
	assert.EqualValues(t, 1, n, "a key outside the scheme was deleted")
	select {
	case err := <-waiting:
		require.Error(t, err)
		assert.Contains(t, err.Error(), "the barrier was reset while this arrival waited")
	case <-time.After(10 * time.Second): // far under the arrival's 1m timeout: only the reset message ends it
		t.Fatal("the waiting arrival was not woken by the reset")
	}
}

// TestResetAllPhases: reset --all deletes the phase keys of every barrier of the run, one-shot and
// rendezvous alike, and leaves other runs alone.
func TestResetAllPhases(t *testing.T) {
	run := redistest.Prefix(t)
	srv := testServer(t, run)
	other := run + "-other"
	srv.Cleanup(t, "*{"+other+"}*")
	rdb := srv.Client(t)
	ctx := ctxOf(t)
	seed(t, srv.URL, barrier.Options{Parties: 2, RunID: run}, ids(1, 2), "")
	for _, o := range []barrier.Options{{RunID: run, Name: "steps"}, {RunID: other}} {
		o.Parties, o.Redis = 2, srv.URL
		b, err := barrier.New(o)
		require.NoError(t, err)
		arriveAll(t, b, 1, 2)
	}
	ts := newState(t, srv.URL, 0)
	require.NoError(t, execute(t, ts, "reset", "--run-id", run, "--all", "--yes"))
	out := ts.Stdout.String()
	t.Log("\n" + out)
	assert.Contains(t, out, "K6_BARRIER_PHASE_SEEN:{"+run+"}:steps")
	assert.Contains(t, out, "K6_BARRIER_JOINED:{"+run+"}")
	left, err := srv.Client(t).Keys(context.Background(), "*{"+run+"}*").Result()
	require.NoError(t, err)
	assert.ElementsMatch(t, []string{"K6_BARRIER_PHASE_RESET:{" + run + "}:steps", "K6_BARRIER_RESET:{" + run + "}"}, left,
		"every key went but the tombstones naming the states deleted (a rendezvous's, a one-shot's), as after reset()")
	n, err := rdb.Exists(ctx, "K6_BARRIER_PHASE:{"+other+"}", "K6_BARRIER_PHASE_LOG:{"+other+"}").Result()
	require.NoError(t, err)
	assert.EqualValues(t, 2, n, "another run's phase keys were deleted")
}
