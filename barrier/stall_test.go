package barrier

import (
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xk6-barrier/xk6-barrier/internal/redistest"
)

// stallMargin is how much later than its deadline a wait may settle: settleGrace for the last
// bounded read, plus scheduling on a loaded machine.
const stallMargin = settleGrace + 700*time.Millisecond

// debugServer starts a redis-server of the test's own that allows DEBUG SLEEP, which stalls the
// whole server as an overloaded or frozen Redis does. In CI a missing redis-server is a failure.
func debugServer(t *testing.T) *redistest.Server {
	t.Helper()
	return redistest.NeedServer(t, "--enable-debug-command", "yes")
}

// sleepRedis stalls srv for d in the background (DEBUG SLEEP) and returns once the server is
// asleep (a PING on another connection goes unanswered).
func sleepRedis(t *testing.T, srv *redistest.Server, d time.Duration) {
	t.Helper()
	admin := redis.NewClient(&redis.Options{Addr: srv.Addr, ReadTimeout: -1})
	t.Cleanup(func() { _ = admin.Close() })
	go func() { _ = admin.Do(context.Background(), "DEBUG", "SLEEP", d.Seconds()).Err() }()
	probe := redis.NewClient(&redis.Options{Addr: srv.Addr, ReadTimeout: 50 * time.Millisecond, MaxRetries: -1})
	defer probe.Close()
	require.Eventually(t, func() bool {
		err := probe.Ping(context.Background()).Err()
		var ne net.Error
		return errors.As(err, &ne) && ne.Timeout()
	}, 5*time.Second, 20*time.Millisecond, "redis never fell asleep")
}

// stallProxy forwards TCP to a Redis; once stalled, it stops forwarding the server's answers (the
// connection stays open and silent, as behind a broken network path).
type stallProxy struct {
	addr    string
	stalled atomic.Bool
	mu      sync.Mutex
	conns   []net.Conn
}

func newStallProxy(t *testing.T, upstream string) *stallProxy {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	p := &stallProxy{addr: l.Addr().String()}
	t.Cleanup(func() {
		_ = l.Close()
		p.mu.Lock()
		defer p.mu.Unlock()
		for _, c := range p.conns {
			_ = c.Close()
		}
	})
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			u, err := net.Dial("tcp", upstream)
			if err != nil {
				_ = c.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, c, u)
			p.mu.Unlock()
			go func() { _, _ = io.Copy(u, c) }()
			go func() {
				buf := make([]byte, 4096)
				for {
					n, err := u.Read(buf)
					for p.stalled.Load() {
						time.Sleep(10 * time.Millisecond)
					}
					if n > 0 {
						if _, werr := c.Write(buf[:n]); werr != nil {
							return
						}
					}
					if err != nil {
						return
					}
				}
			}()
		}
	}()
	return p
}

// TestWaitDeadlineWhileRedisStalls stalls Redis at each step of a wait: the wait settles within its
// timeout (plus stallMargin) with a BarrierError of outcome timeout that says reads fail, or promptly
// with outcome aborted when its context ends during the stall.
func TestWaitDeadlineWhileRedisStalls(t *testing.T) {
	t.Parallel() // waits out real timeouts on a server of its own: overlaps with the others that do
	const timeout = 1500 * time.Millisecond
	t.Run("asleep before subscribe", func(t *testing.T) {
		srv := debugServer(t)
		b := stallBarrier(t, "redis://"+srv.Addr)
		sleepRedis(t, srv, 6*time.Second)
		assertTimeoutWithin(t, b, timeout)
	})
	t.Run("stalled during subscribe", func(t *testing.T) {
		srv := debugServer(t)
		p := newStallProxy(t, srv.Addr)
		p.stalled.Store(true) // SUBSCRIBE reaches Redis; its confirmation never comes back
		b := stallBarrier(t, "redis://"+p.addr)
		assertTimeoutWithin(t, b, timeout)
	})
	t.Run("asleep during a re-read", func(t *testing.T) {
		srv := debugServer(t)
		b := stallBarrier(t, "redis://"+srv.Addr)
		admin := srv.Client(t)
		channel := newKeyLayout(b.opts).channel
		done := make(chan error, 1)
		start := time.Now()
		go func() {
			_, err := b.Wait(testCtx(t), WaitOptions{Timeout: 3 * time.Second})
			done <- err
		}()
		require.Eventually(t, func() bool { return numSub(t, admin, channel) == 1 }, 5*time.Second, 10*time.Millisecond)
		sleepRedis(t, srv, 8*time.Second) // the next fallback re-read stalls
		err := <-done
		elapsed := time.Since(start)
		we := waitErr(t, err)
		assert.Equal(t, OutcomeTimeout, we.Result.Outcome)
		assert.Less(t, elapsed, 3*time.Second+stallMargin, "settled %s after a 3s timeout", elapsed)
		t.Log(err)
	})
	t.Run("aborted during a stall", func(t *testing.T) {
		srv := debugServer(t)
		b := stallBarrier(t, "redis://"+srv.Addr)
		sleepRedis(t, srv, 6*time.Second)
		ctx, cancel := context.WithCancel(testCtx(t))
		time.AfterFunc(300*time.Millisecond, cancel)
		start := time.Now()
		_, err := b.Wait(ctx, WaitOptions{Timeout: time.Minute})
		elapsed := time.Since(start)
		we := waitErr(t, err)
		assert.Equal(t, OutcomeAborted, we.Result.Outcome)
		assert.Less(t, elapsed, 300*time.Millisecond+stallMargin, "abort settled after %s", elapsed)
		assert.Contains(t, err.Error(), "reads failing since")
	})
	t.Run("join is bounded", func(t *testing.T) {
		srv := debugServer(t)
		b := stallBarrier(t, "redis://"+srv.Addr)
		sleepRedis(t, srv, CallTimeout+5*time.Second)
		start := time.Now()
		_, err := b.Join(testCtx(t), "1")
		elapsed := time.Since(start)
		require.Error(t, err)
		assert.Less(t, elapsed, CallTimeout+stallMargin)
		assert.Contains(t, err.Error(), "redis "+srv.Addr)
		t.Log(err)
	})
}

func stallBarrier(t *testing.T, url string) *Barrier {
	t.Helper()
	b, err := New(Options{Parties: 2, RunID: redistest.Prefix(t), Redis: url})
	require.NoError(t, err)
	return b
}

// assertTimeoutWithin waits on b with timeout and checks it settles as a BarrierError of outcome
// timeout within timeout + stallMargin, saying that reads fail.
func assertTimeoutWithin(t *testing.T, b *Barrier, timeout time.Duration) {
	t.Helper()
	start := time.Now()
	_, err := b.Wait(testCtx(t), WaitOptions{Timeout: timeout})
	elapsed := time.Since(start)
	we := waitErr(t, err)
	assert.Equal(t, OutcomeTimeout, we.Result.Outcome)
	assert.GreaterOrEqual(t, elapsed, timeout)
	assert.Less(t, elapsed, timeout+stallMargin, "settled %s after a %s timeout", elapsed, timeout)
	assert.Contains(t, err.Error(), "reads failing since")
	t.Log(err)
}

// TestProgressDuringOutage: progress lines during a stall say that reads fail and since when, never
// the last counts as if fresh, and come no closer than the interval after the stall (no burst).
func TestProgressDuringOutage(t *testing.T) {
	t.Parallel() // waits out real timeouts on a server of its own: overlaps with the others that do
	srv := debugServer(t)
	b := stallBarrier(t, "redis://"+srv.Addr)
	_, err := b.Join(testCtx(t), "1")
	require.NoError(t, err)
	var mu sync.Mutex
	var lines []string
	var at []time.Time
	done := make(chan error, 1)
	go func() {
		_, err := b.Wait(testCtx(t), WaitOptions{Timeout: 5 * time.Second, Progress: time.Second, OnProgress: func(r Result) {
			mu.Lock()
			defer mu.Unlock()
			lines, at = append(lines, r.String()), append(at, time.Now())
		}})
		done <- err
	}()
	channel := newKeyLayout(b.opts).channel
	require.Eventually(t, func() bool { return numSub(t, srv.Client(t), channel) == 1 }, 5*time.Second, 10*time.Millisecond)
	sleepRedis(t, srv, 3*time.Second)
	err = <-done
	_ = waitErr(t, err) // asserts that the wait ended with a *WaitError
	mu.Lock()
	defer mu.Unlock()
	require.NotEmpty(t, lines)
	failing := 0
	for i, l := range lines {
		t.Log(l)
		if i > 0 {
			assert.Greater(t, at[i].Sub(at[i-1]), 900*time.Millisecond, "line %d came %s after the one before", i, at[i].Sub(at[i-1]))
		}
		if strings.Contains(l, "reads failing since") {
			failing++
			assert.Contains(t, l, "as of the last read: joined 1/2")
		}
	}
	assert.Positive(t, failing, "no progress line said that reads fail")
}

// TestRedissAgainstPlainServer: a TLS URL against a plain-text Redis says so, within the bound.
func TestRedissAgainstPlainServer(t *testing.T) {
	t.Parallel() // waits out real timeouts on a server of its own: overlaps with the others that do
	srv := redistest.New(t)
	if srv.Kind == redistest.KindEnv && strings.HasPrefix(srv.URL, "rediss") {
		t.Skip("REDIS_URL speaks TLS")
	}
	b, err := New(Options{Parties: 1, RunID: redistest.Prefix(t), Redis: "rediss://" + srv.Addr})
	require.NoError(t, err)
	start := time.Now()
	_, err = b.Status(testCtx(t))
	require.Error(t, err)
	assert.Less(t, time.Since(start), CallTimeout+stallMargin)
	assert.Contains(t, err.Error(), "TLS handshake with "+srv.Addr+" failed: is the server speaking TLS? use redis:// for plain text")
	t.Log(err)
}

// TestNoPasswordSaysNOAUTH: without the password every call says NOAUTH and how to fix it (fail's
// many-argument script used to get "Protocol error: unauthenticated multibulk length").
func TestNoPasswordSaysNOAUTH(t *testing.T) {
	srv := redistest.NeedServer(t, "--requirepass", "s3cret")
	b, err := New(Options{Parties: 1, RunID: redistest.Prefix(t), Redis: "redis://" + srv.Addr})
	require.NoError(t, err)
	ctx := testCtx(t)
	for name, call := range map[string]func() error{
		"join":   func() error { _, err := b.Join(ctx, "1"); return err },
		"fail":   func() error { _, err := b.Fail(ctx, "1", "login"); return err },
		"status": func() error { _, err := b.Status(ctx); return err },
		"wait":   func() error { _, err := b.Wait(ctx, WaitOptions{Timeout: 5 * time.Second}); return err },
		"reset":  func() error { return b.Reset(ctx) },
	} {
		err := call()
		require.Error(t, err, name)
		assert.Contains(t, err.Error(), "NOAUTH authentication required", name)
		assert.Contains(t, err.Error(), "redis://:password@host:port", name)
		assert.False(t, isWaitError(err), name)
	}
}
