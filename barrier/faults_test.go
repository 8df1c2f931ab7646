package barrier

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xk6-barrier/xk6-barrier/internal/redistest"
)

func numSub(t *testing.T, rdb *redis.Client, channel string) int64 {
	n, err := rdb.PubSubNumSub(context.Background(), channel).Result()
	require.NoError(t, err)
	return n[channel]
}

// TestWaiterSurvivesConnectionKill kills every connection of the waiter
// mid-wait: it must resubscribe, re-read, and be released.
func TestWaiterSurvivesConnectionKill(t *testing.T) {
	srv := redistest.NeedServer(t)
	admin := srv.Client(t)
	run := redistest.Prefix(t)
	opts := Options{Parties: 20, RunID: run}
	waiter, err := NewWithClient(opts, srv.Client(t))
	require.NoError(t, err)
	channel := newKeyLayout(opts.WithDefaults()).channel

	done := make(chan error, 1)
	go func() {
		_, err := waiter.Wait(testCtx(t), WaitOptions{})
		done <- err
	}()
	require.Eventually(t, func() bool { return numSub(t, admin, channel) == 1 }, 30*time.Second, 10*time.Millisecond, "waiter never subscribed")

	killed, err := admin.ClientKillByFilter(testCtx(t), "TYPE", "pubsub").Result()
	require.NoError(t, err)
	require.EqualValues(t, 1, killed)
	_, err = admin.ClientKillByFilter(testCtx(t), "TYPE", "normal", "SKIPME", "yes").Result()
	require.NoError(t, err)

	// The waiter subscribes again by itself.
	require.Eventually(t, func() bool { return numSub(t, admin, channel) == 1 }, 30*time.Second, 10*time.Millisecond, "waiter never resubscribed")

	writer, err := NewWithClient(opts, srv.Client(t))
	require.NoError(t, err)
	for id := 1; id <= 20; id++ {
		join(t, writer, id)
	}
	require.NoError(t, <-done)
}

// TestLostPublishReleasedByFallback writes the joins without publishing
// (as another program might): the fallback tick must release the waiter.
func TestLostPublishReleasedByFallback(t *testing.T) {
	srv := redistest.New(t)
	rdb := srv.Client(t)
	run := redistest.Prefix(t)
	srv.Cleanup(t, "*{"+run+"}*")
	b, err := NewWithClient(Options{Parties: 3, RunID: run}, rdb)
	require.NoError(t, err)

	done := make(chan Result, 1)
	go func() {
		r, err := b.Wait(testCtx(t), WaitOptions{})
		assert.NoError(t, err)
		done <- r
	}()
	require.NoError(t, rdb.SAdd(testCtx(t), "K6_BARRIER_JOINED:{"+run+"}", "1", "2", "3").Err())
	r := <-done
	assert.Equal(t, OutcomeMet, r.Outcome)
	assert.Equal(t, 3, r.Joined)
}

// TestRedisUnreachable uses a closed port: every call fails promptly with
// the address and without the password.
func TestRedisUnreachable(t *testing.T) {
	t.Parallel() // waits out real timeouts on a server of its own: overlaps with the others that do
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close())

	b, err := New(Options{Parties: 2, RunID: redistest.Prefix(t), Redis: "redis://k6:hunter2@" + addr})
	require.NoError(t, err, "New does no I/O")
	ctx := testCtx(t)
	calls := map[string]func() error{
		"join":   func() error { _, err := b.Join(ctx, "1"); return err },
		"fail":   func() error { _, err := b.Fail(ctx, "1", "login"); return err },
		"status": func() error { _, err := b.Status(ctx); return err },
		"wait":   func() error { _, err := b.Wait(ctx, WaitOptions{Timeout: time.Minute}); return err },
		"reset":  func() error { return b.Reset(ctx) },
	}
	for name, call := range calls {
		err := call()
		require.Error(t, err, name)
		assert.Contains(t, err.Error(), "redis "+addr, name)
		assert.Contains(t, err.Error(), "barrier default: "+name, name)
		assert.NotContains(t, err.Error(), "hunter2", name)
		assert.False(t, isWaitError(err), "%s: %v is a Redis error, not a wait outcome", name, err)
		require.NoError(t, ctx.Err(), "%s did not return before the test's safety deadline", name)
		t.Log(err)
	}
}

// TestWrongPassword checks an authentication error names the address and
// hides the password.
func TestWrongPassword(t *testing.T) {
	srv := redistest.NeedServer(t, "--requirepass", "right-secret")
	b, err := New(Options{Parties: 1, RunID: redistest.Prefix(t), Redis: "redis://:wrong-secret@" + srv.Addr})
	require.NoError(t, err)
	_, err = b.Join(testCtx(t), "1")
	require.Error(t, err)
	assert.Contains(t, err.Error(), srv.Addr)
	assert.NotContains(t, err.Error(), "secret")
	t.Log(err)
}

// TestWrongTypeKey puts a foreign value where the barrier keeps its state.
func TestWrongTypeKey(t *testing.T) {
	srv := redistest.New(t)
	if srv.Kind == redistest.KindEmbedded {
		t.Skip("the embedded server's Lua errors differ")
	}
	rdb := srv.Client(t)
	run := redistest.Prefix(t)
	srv.Cleanup(t, "*{"+run+"}*")
	b, err := NewWithClient(Options{Parties: 2, RunID: run}, rdb)
	require.NoError(t, err)
	ctx := testCtx(t)

	joined := "K6_BARRIER_JOINED:{" + run + "}"
	require.NoError(t, rdb.Set(ctx, joined, "not a set", 0).Err())
	for name, call := range map[string]func() error{
		"join":   func() error { _, err := b.Join(ctx, "1"); return err },
		"status": func() error { _, err := b.Status(ctx); return err },
		"wait":   func() error { _, err := b.Wait(ctx, WaitOptions{}); return err },
	} {
		err := call()
		require.Error(t, err, name)
		assert.Contains(t, err.Error(), "key "+joined+" holds a string", name)
	}
	require.NoError(t, rdb.Del(ctx, joined).Err())

	counter := "K6_BARRIER_LOGIN_FAIL:{" + run + "}"
	require.NoError(t, rdb.HSet(ctx, counter, "x", "y").Err())
	_, err = b.Fail(ctx, "2", "login")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "key "+counter+" holds a hash")
	t.Log(err)
}

func isWaitError(err error) bool {
	var we *WaitError
	return errors.As(err, &we)
}

// TestWrongTypeWritesNothing: a write that meets a key of the wrong type (or a counter that is not a
// number) fails naming the key and writes nothing at all; reset() then removes every key the barrier
// owns, whatever its type.
func TestWrongTypeWritesNothing(t *testing.T) {
	srv := redistest.New(t)
	if srv.Kind == redistest.KindEmbedded {
		t.Skip("the embedded server's Lua differs")
	}
	rdb := srv.Client(t)
	ctx := testCtx(t)
	tests := []struct {
		name, key string // key is one of the barrier's, by its layout field
		set       func(key string) error
		want      string
	}{
		{"counter not a number", "counter", func(k string) error { return rdb.Set(ctx, k, "abc", 0).Err() }, `holds the string "abc", not the count of failures`},
		{"counter a hash", "counter", func(k string) error { return rdb.HSet(ctx, k, "x", "y").Err() }, "holds a hash, not the string"},
		{"failures a string", "failures", func(k string) error { return rdb.Set(ctx, k, "x", 0).Err() }, "holds a string, not the hash"},
		{"failed a list", "failed", func(k string) error { return rdb.RPush(ctx, k, "x").Err() }, "holds a list, not the hash"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			run := redistest.Prefix(t)
			srv.Cleanup(t, "*{"+run+"}*")
			opts := Options{Parties: 3, RunID: run}
			b, err := NewWithClient(opts, rdb)
			require.NoError(t, err)
			keys := newKeyLayout(opts.WithDefaults())
			key := map[string]string{"counter": keys.reasonCounter("login"), "failures": keys.failures, "failed": keys.failed}[tc.key]
			require.NoError(t, tc.set(key))

			_, err = b.Fail(ctx, "2", "login")
			require.Error(t, err)
			assert.Contains(t, err.Error(), "key "+key+" "+tc.want)
			assert.NotContains(t, err.Error(), "@user_script")
			for _, k := range []string{keys.joined, keys.failed, keys.failures, keys.reasonCounter("login")} {
				if k == key {
					continue
				}
				n, err := rdb.Exists(ctx, k).Result()
				require.NoError(t, err)
				assert.Zero(t, n, "%s was written although the write failed", k)
			}
			require.NoError(t, b.Reset(ctx), "reset removes what the barrier owns, whatever its type")
			all, err := rdb.Keys(ctx, "*{"+run+"}*").Result()
			require.NoError(t, err)
			var left []string // but the writes' replies, kept two minutes for their retries
			for _, k := range all {
				if !strings.HasPrefix(k, "K6_BARRIER_REPLIES") {
					left = append(left, k)
				}
			}
			if tc.key == "counter" { // the counter of a reason never recorded is not the barrier's doing
				assert.Equal(t, []string{key}, left)
			} else {
				assert.Empty(t, left)
			}
		})
	}
}
