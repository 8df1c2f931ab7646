package barrier

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xk6-barrier/xk6-barrier/internal/redistest"
)

// seedBarriers writes n barriers (run ids <run>-0 .. <run>-<n-1>, 1 of 2 parties joined) with c.
func seedBarriers(t testing.TB, c redis.Cmdable, run string, n int) {
	t.Helper()
	ctx := context.Background()
	for from := 0; from < n; from += 1000 {
		_, err := c.Pipelined(ctx, func(p redis.Pipeliner) error {
			for i := from; i < min(n, from+1000); i++ {
				scope := "{" + run + "-" + strconv.Itoa(i) + "}"
				p.SAdd(ctx, "K6_BARRIER_JOINED:"+scope, "1")
				p.HSet(ctx, "K6_BARRIER_META:"+scope, "parties", "2")
				p.Expire(ctx, "K6_BARRIER_JOINED:"+scope, time.Hour)
				p.Expire(ctx, "K6_BARRIER_META:"+scope, time.Hour)
			}
			return nil
		})
		require.NoError(t, err)
	}
}

// TestListWrongTypedKey: a key of another type under one barrier's name does not fail the list:
// every healthy barrier is listed, and the bad one with its error.
func TestListWrongTypedKey(t *testing.T) {
	srv := redistest.New(t)
	run := redistest.Prefix(t)
	srv.Cleanup(t, "*{"+run+"*")
	admin := srv.Client(t)
	seedBarriers(t, admin, run, 3)
	require.NoError(t, admin.Set(context.Background(), "K6_BARRIER_FAILED:{"+run+"-bad}", "not a hash", time.Hour).Err())
	in, err := NewInspector(srv.URL, "")
	require.NoError(t, err)
	defer in.Close()
	list, err := in.List(testCtx(t), globEscape(run)+"-*", InspectOptions{})
	require.NoError(t, err)
	require.Len(t, list.Barriers, 4)
	assert.Empty(t, list.Unscanned)
	var bad []Snapshot
	for _, s := range list.Barriers {
		if s.Error != "" {
			bad = append(bad, s)
			continue
		}
		assert.Equal(t, 1, s.Joined, s.Ref)
		assert.Equal(t, 2, s.Parties, s.Ref)
	}
	require.Len(t, bad, 1)
	assert.Equal(t, run+"-bad", bad[0].RunID)
	assert.Contains(t, bad[0].Error, "key K6_BARRIER_FAILED:{"+run+"-bad} holds a string, not the hash the barrier keeps there")
}

// TestListThroughSlowLink lists 10,000 barriers through a proxy that delays every packet by 1 ms
// each way: a few round trips per SCAN page, not per barrier (before: about 5 per barrier, over
// a minute). The bound is generous; BenchmarkListSlowLink prints the figure.
func TestListThroughSlowLink(t *testing.T) {
	t.Parallel()
	srv := redistest.NeedServer(t)
	const n = 10000
	seedBarriers(t, srv.Client(t), "slow", n)
	proxy := redistest.StartProxy(t, srv.Addr, time.Millisecond)
	in, err := NewInspector(proxy.URL, "")
	require.NoError(t, err)
	defer in.Close()
	start := time.Now()
	list, err := in.List(testCtx(t), "slow-*", InspectOptions{Timeout: 50 * time.Second})
	took := time.Since(start)
	require.NoError(t, err)
	require.Len(t, list.Barriers, n)
	for _, s := range list.Barriers {
		require.Empty(t, s.Error)
		require.Equal(t, 1, s.Joined)
	}
	t.Logf("listed %d barriers over a 1 ms-each-way link in %s", n, took.Round(time.Millisecond))

	// A timeout too short says how far the listing got. 1 ms: shorter than one round trip through
	// the proxy (2 ms), so it cannot be met however fast the rest is (20 ms sometimes was).
	_, err = in.List(testCtx(t), "slow-*", InspectOptions{Timeout: time.Millisecond})
	require.Error(t, err)
	assert.Regexp(t, `^list: timed out after 1ms in redis 127\.0\.0\.1:\d+: \d+ keys scanned, \d+ barriers read`, err.Error())
}

// BenchmarkListSlowLink lists 10,000 barriers through a proxy that delays every packet by 1 ms each
// way, and reports the time per listing.
func BenchmarkListSlowLink(b *testing.B) {
	srv := redistest.NeedServer(b)
	const n = 10000
	seedBarriers(b, srv.Client(b), "slow", n)
	proxy := redistest.StartProxy(b, srv.Addr, time.Millisecond)
	in, err := NewInspector(proxy.URL, "")
	require.NoError(b, err)
	defer in.Close()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		list, err := in.List(context.Background(), "slow-*", InspectOptions{})
		require.NoError(b, err)
		require.Len(b, list.Barriers, n)
	}
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/list-of-10000")
}

// TestListClusterDeadMaster kills one master of a cluster (no replica): list lists the barriers the
// live masters hold, and names the master it could not scan.
func TestListClusterDeadMaster(t *testing.T) {
	t.Parallel()
	nodes := redistest.NeedCluster(t, 3)
	addrs := make([]string, 0, len(nodes))
	for _, n := range nodes {
		addrs = append(addrs, n.Addr)
	}
	cc := redis.NewClusterClient(&redis.ClusterOptions{Addrs: addrs})
	defer cc.Close()
	const n = 60
	run := "dead"
	seedBarriers(t, cc, run, n)
	onLive := 0
	for i := 0; i < n; i++ {
		m, err := cc.MasterForKey(testCtx(t), "K6_BARRIER_META:{"+run+"-"+strconv.Itoa(i)+"}")
		require.NoError(t, err)
		if m.Options().Addr != nodes[2].Addr {
			onLive++
		}
	}
	nodes[2].Kill()
	in, err := NewInspector("redis+cluster://"+strings.Join(addrs, ","), "")
	require.NoError(t, err)
	defer in.Close()
	list, err := in.List(testCtx(t), run+"-*", InspectOptions{Timeout: 20 * time.Second})
	require.NoError(t, err)
	require.Len(t, list.Unscanned, 1, "%v", list.Unscanned)
	assert.Contains(t, list.Unscanned[0], nodes[2].Addr)
	ok := 0
	for _, s := range list.Barriers {
		if s.Error == "" {
			ok++
		}
	}
	assert.Equal(t, onLive, ok, "every barrier of the live masters, read: %d of %d rows", ok, len(list.Barriers))
	t.Logf("listed %d barriers of the live masters; not scanned: %s", ok, fmt.Sprint(list.Unscanned))
}
