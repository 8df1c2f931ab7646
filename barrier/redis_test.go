package barrier

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xk6-barrier/xk6-barrier/internal/redistest"
)

// TestRedisKeyLayout checks the keys of README's key layout (keys.go), whose
// names the fix plan's scripts and redis-cli read directly.
func TestRedisKeyLayout(t *testing.T) {
	srv := redistest.New(t)
	rdb := srv.Client(t)
	run := redistest.Prefix(t)
	srv.Cleanup(t, "*{"+run+"}*")
	ctx := testCtx(t)

	b := newRedisBarrier(t, Options{Parties: 4, RunID: run, TTL: time.Hour})
	join(t, b, 1, 2)
	fail(t, b, "login", 3)
	fail(t, b, "sse", 4)

	members, err := rdb.SMembers(ctx, "K6_BARRIER_JOINED:{"+run+"}").Result()
	require.NoError(t, err)
	assert.ElementsMatch(t, []string{"1", "2"}, members)
	for key, want := range map[string]string{
		"K6_BARRIER_LOGIN_FAIL:{" + run + "}": "1",
		"K6_BARRIER_SSE_FAIL:{" + run + "}":   "1",
	} {
		got, err := rdb.Get(ctx, key).Result()
		require.NoError(t, err, key)
		assert.Equal(t, want, got, key)
	}
	assert.Equal(t, map[string]string{"3": "login", "4": "sse"}, rdb.HGetAll(ctx, "K6_BARRIER_FAILED:{"+run+"}").Val())
	assert.Equal(t, map[string]string{"login": "1", "sse": "1"}, rdb.HGetAll(ctx, "K6_BARRIER_FAILURES:{"+run+"}").Val())

	meta := rdb.HGetAll(ctx, "K6_BARRIER_META:{"+run+"}").Val()
	assert.Equal(t, "4", meta["parties"])
	created, err := strconv.ParseInt(meta["created"], 10, 64)
	require.NoError(t, err, "created: %q", meta["created"])
	assert.WithinDuration(t, time.Now(), time.UnixMilli(created), time.Minute, "created is Redis TIME in ms")

	keys := scanKeys(t, rdb, "*{"+run+"}*")
	assert.Len(t, keys, 8)
	for _, key := range keys {
		ttl, err := rdb.PTTL(ctx, key).Result()
		require.NoError(t, err)
		if strings.HasPrefix(key, "K6_BARRIER_REPLIES") { // the writes' replies, for their retries
			assert.True(t, ttl > time.Minute && ttl <= 2*time.Minute, "key %s has TTL %s, want about 2m", key, ttl)
			continue
		}
		assert.True(t, ttl > 59*time.Minute && ttl <= time.Hour, "key %s has TTL %s, want about 1h", key, ttl)
	}

	named := newRedisBarrier(t, Options{Parties: 9, RunID: run, Name: "checkout", KeyPrefix: "LT"})
	join(t, named, 9)
	fail(t, named, "pay", 8)
	assert.True(t, rdb.SIsMember(ctx, "LT_JOINED:{"+run+"}:checkout", "9").Val())
	assert.Equal(t, "1", rdb.Get(ctx, "LT_PAY_FAIL:{"+run+"}:checkout").Val())

	require.NoError(t, b.Reset(ctx))
	assert.Equal(t, []string{"K6_BARRIER_RESET:{" + run + "}"}, scanKeys(t, rdb, "K6_BARRIER*{"+run+"}"),
		"reset deletes all keys of the barrier, and leaves its tombstone")
	tombTTL := rdb.PTTL(ctx, "K6_BARRIER_RESET:{"+run+"}").Val()
	assert.True(t, tombTTL > 0 && tombTTL <= tombstoneTTL, "the tombstone lives %s", tombTTL)
	assert.Len(t, scanKeys(t, rdb, "LT*{"+run+"}:checkout"), 7, "reset keeps other barriers (their 5 keys and 2 of replies)")
}

// TestRedisPublishesCounts checks the release message a waiter relies on.
func TestRedisPublishesCounts(t *testing.T) {
	srv := redistest.New(t)
	rdb := srv.Client(t)
	run := redistest.Prefix(t)
	b := newRedisBarrier(t, Options{Parties: 3, RunID: run})
	ctx := testCtx(t)
	ps := rdb.Subscribe(ctx, "K6_BARRIER_RELEASE:{"+run+"}")
	defer ps.Close()
	_, err := ps.Receive(ctx) // subscribed
	require.NoError(t, err)

	join(t, b, 1)
	fail(t, b, "sse", 2)
	_, err = b.Join(ctx, "1") // not counted: no message
	require.NoError(t, err)
	join(t, b, 3)
	for _, want := range []string{"1 0", "1 1", "2 1"} {
		msg, err := ps.ReceiveMessage(ctx)
		require.NoError(t, err)
		assert.Equal(t, want, msg.Payload)
	}
}

// TestSeveralInstances joins one barrier from several independent clients,
// as separate k6 processes would, while another one waits.
func TestSeveralInstances(t *testing.T) {
	const instances, perInstance = 4, 250
	srv := redistest.New(t)
	run := redistest.Prefix(t)
	srv.Cleanup(t, "*{"+run+"}*")
	opts := Options{Parties: instances * perInstance, RunID: run}

	waiter, err := NewWithClient(opts, srv.Client(t))
	require.NoError(t, err)
	done := make(chan error, 1)
	go func() {
		_, err := waiter.Wait(testCtx(t), WaitOptions{Timeout: time.Minute})
		done <- err
	}()

	var wg sync.WaitGroup
	for i := 0; i < instances; i++ {
		b, err := NewWithClient(opts, srv.Client(t)) // a pool of its own
		require.NoError(t, err)
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			for id := i*perInstance + 1; id <= (i+1)*perInstance; id++ {
				_, err := b.Join(testCtx(t), strconv.Itoa(id))
				if !assert.NoError(t, err) {
					return
				}
			}
		}(i)
	}
	wg.Wait()
	require.NoError(t, <-done)
}

// TestSharedClientPerURL checks that barriers of one URL share one pool.
func TestSharedClientPerURL(t *testing.T) {
	srv := redistest.New(t)
	a, err := sharedClientFor(srv.URL)
	require.NoError(t, err)
	b, err := sharedClientFor(srv.URL)
	require.NoError(t, err)
	assert.Same(t, a, b)
	assert.Equal(t, srv.Addr, a.addr)
}

func scanKeys(t *testing.T, rdb *redis.Client, pattern string) []string {
	t.Helper()
	var keys []string
	iter := rdb.Scan(context.Background(), 0, pattern, 1000).Iterator()
	for iter.Next(context.Background()) {
		keys = append(keys, iter.Val())
	}
	require.NoError(t, iter.Err())
	return keys
}
