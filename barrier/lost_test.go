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
// to 1. The wait says so in its progress lines and settles failed at once with that message, instead
// of timing out naming ids that had joined.
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
	assert.True(t, seen(func(r Result) bool { return r.Lost != "" }), "a progress line said so while it was being confirmed")
	mu.Lock()
	for _, r := range progress {
		if r.Lost != "" {
			assert.Contains(t, r.String(), "joined fell from 5 to ")
			t.Log(r.String())
			break
		}
	}
	mu.Unlock()
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
			// The waiter reads joined 1 for longer than lostGrace, and must go on waiting.
			require.Eventually(t, func() bool {
				mu.Lock()
				defer mu.Unlock()
				return len(ones) > 1 && ones[len(ones)-1].Sub(ones[0]) > 2*lostGrace
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
