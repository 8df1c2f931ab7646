package barrier

import (
	"context"
	"net"
	"os/exec"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xk6-barrier/xk6-barrier/internal/redistest"
)

// restartWithoutPersistence shuts srv's redis-server down without saving and starts a new one on the
// same address with no data, as a restart of a Redis without persistence does.
func restartWithoutPersistence(t *testing.T, srv *redistest.Server) {
	t.Helper()
	admin := redis.NewClient(&redis.Options{Addr: srv.Addr})
	_ = admin.ShutdownNoSave(context.Background()).Err() // the connection closes: no reply
	_ = admin.Close()
	require.Eventually(t, func() bool {
		c, err := net.DialTimeout("tcp", srv.Addr, 100*time.Millisecond)
		if err == nil {
			_ = c.Close()
		}
		return err != nil
	}, 10*time.Second, 10*time.Millisecond, "redis-server did not shut down")
	host, port, err := net.SplitHostPort(srv.Addr)
	require.NoError(t, err)
	cmd := exec.Command("redis-server", "--port", port, "--bind", host, "--save", "", "--appendonly", "no",
		"--dir", t.TempDir(), "--daemonize", "no", "--logfile", "")
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	up := redis.NewClient(&redis.Options{Addr: srv.Addr, MaxRetries: -1})
	defer up.Close()
	require.Eventually(t, func() bool { return up.Ping(context.Background()).Err() == nil },
		10*time.Second, 10*time.Millisecond, "the new redis-server did not answer")
}

// TestWaitDetectsLostState restarts Redis without persistence mid-wait: the joined count falls from 5
// to 1, in a state of another epoch that no reset's tombstone explains. The wait settles failed at
// once with that message, instead of timing out naming ids that had joined.
func TestWaitDetectsLostState(t *testing.T) {
	srv := redistest.NeedServer(t)
	run := redistest.Prefix(t)
	b, err := New(Options{Parties: 6, RunID: run, Redis: srv.URL})
	require.NoError(t, err)
	ctx := testCtx(t)

	var mu sync.Mutex
	var progress []Result
	onProgress := func(r Result) { mu.Lock(); progress = append(progress, r); mu.Unlock() }
	seen := func(pred func(Result) bool) bool {
		mu.Lock()
		defer mu.Unlock()
		for _, r := range progress {
			if pred(r) {
				return true
			}
		}
		return false
	}
	type settled struct {
		r   Result
		err error
	}
	done := make(chan settled, 1)
	const timeout = 40 * time.Second
	go func() {
		r, err := b.Wait(ctx, WaitOptions{Timeout: timeout, Progress: 100 * time.Millisecond, OnProgress: onProgress})
		done <- settled{r, err}
	}()
	join(t, b, 1, 2, 3, 4, 5)
	require.Eventually(t, func() bool { return seen(func(r Result) bool { return r.Joined == 5 }) },
		30*time.Second, 10*time.Millisecond, "the waiter never saw joined 5")

	restartWithoutPersistence(t, srv)
	start := time.Now()
	_, err = b.Join(ctx, "1") // the participant joins again: the new server counts 1
	require.NoError(t, err)

	s := <-done
	we := waitErr(t, s.err)
	t.Log(we.Error())
	assert.Equal(t, OutcomeFailed, we.Result.Outcome)
	assert.Less(t, time.Since(start), 15*time.Second, "settled at once, not at the timeout")
	assert.Contains(t, we.Error(), "barrier default: failed after ")
	assert.Contains(t, we.Error(), "(joined fell from 5 to ")
	assert.Contains(t, we.Error(), ": the barrier's state in redis "+srv.Addr+" was lost (a restart without persistence?)")
	assert.Contains(t, we.Result.Lost, "joined fell from 5 to ")
	assert.Empty(t, we.Result.Missing, "no ids are named from lost state")
}

// TestResetIsNotLostState: counts that fall because of reset() are a new round, not lost state: a
// waiter goes on waiting from zero and is released by the next round.
func TestResetIsNotLostState(t *testing.T) {
	for _, be := range backends() {
		t.Run(be.name, func(t *testing.T) {
			b := be.new(t, Options{Parties: 3})
			var mu sync.Mutex
			var ones []time.Time // when progress reports saw joined 1 after the reset
			reset := false
			onProgress := func(r Result) {
				mu.Lock()
				defer mu.Unlock()
				if reset && r.Joined == 1 {
					ones = append(ones, time.Now())
				}
			}
			done := make(chan error, 1)
			go func() {
				_, err := b.Wait(testCtx(t), WaitOptions{Timeout: 30 * time.Second, Progress: 50 * time.Millisecond, OnProgress: onProgress})
				done <- err
			}()
			require.Eventually(t, func() bool { return waiters(t, b) == 1 }, 30*time.Second, time.Millisecond)
			join(t, b, 1, 2)
			require.Eventually(t, func() bool { return status(t, b).Joined == 2 }, 30*time.Second, time.Millisecond)
			require.NoError(t, b.Reset(testCtx(t)))
			mu.Lock()
			reset = true
			mu.Unlock()
			join(t, b, 1)
			// The waiter reads joined 1, of a new epoch, again and again, and must go on waiting.
			require.Eventually(t, func() bool {
				mu.Lock()
				defer mu.Unlock()
				return len(ones) >= 5
			}, 30*time.Second, 10*time.Millisecond)
			select {
			case err := <-done:
				t.Fatalf("the wait settled after a reset: %v", err)
			default:
			}
			join(t, b, 2, 3)
			require.NoError(t, <-done)
		})
	}
}

// TestJudgeEpoch: the one comparison that tells a wait's state kept, reset or lost.
func TestJudgeEpoch(t *testing.T) {
	tests := []struct {
		name, seen string
		c          counts
		wantEpoch  string
		wantLost   bool
	}{
		{"nothing seen yet, no state", "", counts{}, "", false},
		{"nothing seen yet, a state", "", counts{epoch: "a"}, "a", false},
		{"the same state", "a", counts{epoch: "a"}, "a", false},
		{"reset, no state yet", "a", counts{tombstone: "a"}, "", false},
		{"reset, a new state", "a", counts{epoch: "b", tombstone: "a"}, "b", false},
		{"gone, no tombstone", "a", counts{}, "a", true},
		{"another state, no tombstone", "a", counts{epoch: "b"}, "a", true},
		{"another state, another reset's tombstone", "a", counts{epoch: "c", tombstone: "b"}, "a", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			epoch, lost := judgeEpoch(tt.seen, tt.c)
			assert.Equal(t, tt.wantEpoch, epoch)
			assert.Equal(t, tt.wantLost, lost)
		})
	}
}

// TestEpochsInRedis: the scripts give the state an epoch at its first counting write, a reset's
// tombstone names it (so a wait that missed the reset's message tells it from a loss), and keys
// deleted behind the barrier's back leave no tombstone.
func TestEpochsInRedis(t *testing.T) {
	b := newRedisBarrier(t, Options{Parties: 3})
	be := b.be.(*redisBackend)
	ctx := testCtx(t)
	c, err := be.counts(ctx)
	require.NoError(t, err)
	assert.Empty(t, c.epoch, "no state, no epoch")

	join(t, b, 1)
	first, err := be.counts(ctx)
	require.NoError(t, err)
	require.NotEmpty(t, first.epoch)
	fail(t, b, "login", 2)
	c, err = be.counts(ctx)
	require.NoError(t, err)
	assert.Equal(t, first.epoch, c.epoch, "later writes keep the epoch")

	require.NoError(t, b.Reset(ctx))
	join(t, b, 1)
	second, err := be.counts(ctx)
	require.NoError(t, err)
	assert.NotEqual(t, first.epoch, second.epoch)
	assert.Equal(t, first.epoch, second.tombstone)
	_, lost := judgeEpoch(first.epoch, second)
	assert.False(t, lost, "a reset is not a loss")

	require.NoError(t, be.client.Del(ctx, be.keys.joined, be.keys.meta).Err())
	gone, err := be.counts(ctx)
	require.NoError(t, err)
	_, lost = judgeEpoch(second.epoch, gone)
	assert.True(t, lost, "keys deleted without a reset are a loss")
}
