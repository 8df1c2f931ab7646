package barrier

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xk6-barrier/xk6-barrier/internal/redistest"
)

// TestRedisCluster runs a barrier on a 3-node Redis Cluster through a
// redis+cluster:// URL, and checks that all its keys hash to one slot.
func TestRedisCluster(t *testing.T) {
	nodes := redistest.NeedCluster(t, 3)
	addrs := make([]string, len(nodes))
	for i, n := range nodes {
		addrs[i] = n.Addr
	}
	run := redistest.Prefix(t)
	opts := Options{Parties: 30, RunID: run, Name: "cluster", Redis: "redis+cluster://" + strings.Join(addrs, ",")}

	waiter, err := New(opts)
	require.NoError(t, err)
	done := make(chan error, 1)
	go func() {
		_, err := waiter.Wait(testCtx(t), WaitOptions{MaxFailures: 1, Quorum: 29, Timeout: time.Minute})
		done <- err
	}()
	writer, err := New(opts)
	require.NoError(t, err)
	for id := 1; id <= 29; id++ {
		join(t, writer, id)
	}
	fail(t, writer, "login", 30)
	require.NoError(t, <-done)
	s := status(t, writer)
	assert.Equal(t, map[string]int{"login": 1}, s.Failures)

	cc := redis.NewClusterClient(&redis.ClusterOptions{Addrs: addrs})
	t.Cleanup(func() { _ = cc.Close() })
	k := newKeyLayout(opts.WithDefaults())
	keys := []string{k.joined, k.failed, k.failures, k.reasonCounter("login"), k.channel}
	var slot int64 = -1
	for _, key := range keys {
		got, err := cc.ClusterKeySlot(testCtx(t), key).Result()
		require.NoError(t, err)
		if slot == -1 {
			slot = got
		}
		assert.Equal(t, slot, got, "key %s is on another slot", key)
	}
	n, err := cc.Exists(testCtx(t), keys[:4]...).Result()
	require.NoError(t, err)
	assert.EqualValues(t, 4, n, "the barrier's keys exist on the cluster")
	t.Logf("all keys of barrier %s are on slot %s", opts.Name, strconv.FormatInt(slot, 10))

	require.NoError(t, writer.Reset(testCtx(t)))
	n, err = cc.Exists(testCtx(t), keys[:4]...).Result()
	require.NoError(t, err)
	assert.Zero(t, n)
}
