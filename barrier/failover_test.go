package barrier

import (
	"context"
	"errors"
	"fmt"
	"strconv"
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

// failoverNodeTimeout is the cluster-node-timeout and the Sentinel down-after-milliseconds of the
// failover tests: short, so that a killed master's replica is promoted within about 2 s.
const failoverNodeTimeout = time.Second

// masterOf returns the index of the master that serves key's slot.
func masterOf(t *testing.T, c *redistest.Cluster, key string) int {
	t.Helper()
	cc := redis.NewClusterClient(&redis.ClusterOptions{Addrs: strings.Split(c.Seeds(), ",")})
	defer cc.Close()
	m, err := cc.MasterForKey(testCtx(t), key)
	require.NoError(t, err)
	for i, s := range c.Masters {
		if s.Addr == m.Options().Addr {
			return i
		}
	}
	t.Fatalf("no master serves %s", key)
	return -1
}

// killAndPromote SIGKILLs master i of c and returns when it was killed and when its replica
// reported itself master.
func killAndPromote(t *testing.T, c *redistest.Cluster, i int) (killed, promoted time.Time) {
	t.Helper()
	killed = time.Now()
	c.Masters[i].Kill()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	promoted, err := redistest.WaitMaster(ctx, t, c.Replicas[i])
	require.NoError(t, err)
	t.Logf("master %s killed; replica %s promoted %s later", c.Masters[i].Addr, c.Replicas[i].Addr, promoted.Sub(killed).Round(time.Millisecond))
	return killed, promoted
}

// TestFailoverClusterKillMidWait SIGKILLs the master that holds a barrier while a wait waits and
// participants keep joining: every join succeeds (retried until the replica is promoted), the wait
// is met, its progress lines said that a failover was in progress, and Redis counts each id once.
func TestFailoverClusterKillMidWait(t *testing.T) {
	t.Parallel()
	c := redistest.NeedFailoverCluster(t, 3, failoverNodeTimeout)
	const parties = 40
	opts := Options{Parties: parties, RunID: redistest.Prefix(t), Name: "kill", Redis: "redis+cluster://" + c.Seeds()}
	b, err := New(opts)
	require.NoError(t, err)
	victim := masterOf(t, c, newKeyLayout(opts.WithDefaults()).joined)
	join(t, b, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10)

	var mu sync.Mutex
	var lines []string
	type waited struct {
		r   Result
		err error
		at  time.Time
	}
	done := make(chan waited, 1)
	go func() {
		r, err := b.Wait(testCtx(t), WaitOptions{Timeout: 40 * time.Second, Progress: 300 * time.Millisecond, OnProgress: func(r Result) {
			mu.Lock()
			lines = append(lines, r.String())
			mu.Unlock()
		}})
		done <- waited{r, err, time.Now()}
	}()
	time.Sleep(200 * time.Millisecond)

	// Joins go on through the kill, one every 100 ms, as VUs would.
	joins := joinsGoingOn(t, b, 11, parties, 100*time.Millisecond)
	time.Sleep(300 * time.Millisecond)
	_, promoted := killAndPromote(t, c, victim)
	stalled := joins.wait(t, promoted)
	w := <-done
	require.NoError(t, w.err)
	assert.Equal(t, OutcomeMet, w.r.Outcome)
	t.Logf("recovery after the promotion: the joins started before it done %s after it, wait met %s after it",
		stalled.Round(time.Millisecond), w.at.Sub(promoted).Round(time.Millisecond))

	mu.Lock()
	progress := strings.Join(lines, "\n")
	mu.Unlock()
	assert.Contains(t, progress, "failover in progress: no master answers since", "progress lines:\n%s", progress)

	cc := redis.NewClusterClient(&redis.ClusterOptions{Addrs: []string{c.Replicas[victim].Addr}})
	defer cc.Close()
	k := newKeyLayout(opts.WithDefaults())
	n, err := cc.SCard(testCtx(t), k.joined).Result()
	require.NoError(t, err)
	assert.EqualValues(t, parties, n, "each id counted once, none lost")
}

// joinsInFlight are joins started one every interval, as VUs would, through a failover.
type joinsInFlight struct {
	n    int
	done chan joinDone
}

type joinDone struct {
	start, end time.Time
	err        error
}

// joinsGoingOn joins ids from..to of b, one every interval, each in a goroutine of its own.
func joinsGoingOn(t *testing.T, b *Barrier, from, to int, interval time.Duration) *joinsInFlight {
	j := &joinsInFlight{n: to - from + 1, done: make(chan joinDone, to-from+1)}
	go func() {
		for id := from; id <= to; id++ {
			go func() {
				start := time.Now()
				rec, err := b.Join(testCtx(t), strconv.Itoa(id))
				if err == nil && !rec.Counted {
					err = fmt.Errorf("join %d not counted: %+v", id, rec)
				}
				j.done <- joinDone{start, time.Now(), err}
			}()
			time.Sleep(interval)
		}
	}()
	return j
}

// wait checks that every join succeeded and returns how long after promoted the last of those
// started before it ended.
func (j *joinsInFlight) wait(t *testing.T, promoted time.Time) time.Duration {
	t.Helper()
	var stalled time.Duration
	for i := 0; i < j.n; i++ {
		d := <-j.done
		require.NoError(t, d.err)
		if d.start.Before(promoted) {
			stalled = max(stalled, d.end.Sub(promoted))
		}
	}
	return stalled
}

// TestFailoverClusterKillMidRendezvous SIGKILLs the master that holds a rendezvous while 5
// participants arrive phase after phase: each phase is released once, with all 5 arrivals, in order,
// and every arrive succeeds once the replica is promoted. An arrive whose script was in flight when
// the master died is retried (its script replays its first reply); should one still fail with a
// network error, the participant arrives again, as a VU's next iteration would: the phases stay in
// step.
func TestFailoverClusterKillMidRendezvous(t *testing.T) {
	t.Parallel()
	c := redistest.NeedFailoverCluster(t, 3, failoverNodeTimeout)
	const parties, phases = 5, 40
	opts := Options{Parties: parties, RunID: redistest.Prefix(t), Name: "rdv", Redis: "redis+cluster://" + c.Seeds()}
	b, err := New(opts)
	require.NoError(t, err)
	victim := masterOf(t, c, newKeyLayout(opts.WithDefaults()).joined)

	type phaseSeen struct {
		id int
		r  PhaseResult
		at time.Time
	}
	var promotedAt atomic.Int64
	seen := make(chan phaseSeen, parties*phases)
	errs := make(chan error, parties)
	var inFlight atomic.Int32
	for id := 1; id <= parties; id++ {
		go func() {
			for done := 0; done < phases; {
				r, err := b.Arrive(testCtx(t), strconv.Itoa(id), ArriveOptions{Timeout: 30 * time.Second})
				var twice *ArrivedTwiceError
				switch {
				case errors.As(err, &twice): // its failed arrive counted: the phase is not released yet
					time.Sleep(20 * time.Millisecond)
					continue
				case err != nil && promotedAt.Load() == 0 && isNetworkError(err):
					inFlight.Add(1)
					t.Logf("participant %d: arrive failed during the failover (may have run): %v", id, err)
					continue
				case err != nil:
					errs <- fmt.Errorf("participant %d: %w", id, err)
					return
				}
				seen <- phaseSeen{id, r, time.Now()}
				done++
				time.Sleep(50 * time.Millisecond)
			}
			errs <- nil
		}()
	}
	time.Sleep(500 * time.Millisecond)
	_, promoted := killAndPromote(t, c, victim)
	promotedAt.Store(promoted.UnixNano())
	for id := 1; id <= parties; id++ {
		require.NoError(t, <-errs)
	}
	close(seen)
	last := map[int]int64{}
	released := map[int64]time.Time{}
	var firstAfter time.Time
	for s := range seen {
		prev, ok := last[s.id]
		assert.True(t, !ok || s.r.Phase > prev, "participant %d: phase %d after %d", s.id, s.r.Phase, prev)
		last[s.id] = s.r.Phase
		assert.Equal(t, OutcomeReleased, s.r.Outcome)
		assert.Equal(t, parties, s.r.Arrived, "phase %d released with all", s.r.Phase)
		if at, ok := released[s.r.Phase]; ok {
			assert.Equal(t, at, s.r.ReleasedAt, "phase %d released once", s.r.Phase)
		}
		released[s.r.Phase] = s.r.ReleasedAt
		if s.at.After(promoted) && (firstAfter.IsZero() || s.at.Before(firstAfter)) {
			firstAfter = s.at
		}
	}
	for p := int64(0); p < int64(len(released)); p++ {
		assert.Contains(t, released, p, "phase %d released", p)
	}
	t.Logf("recovery after the promotion: first phase released %s after it; %d phases; %d arrives failed in flight",
		firstAfter.Sub(promoted).Round(time.Millisecond), len(released), inFlight.Load())
}

// TestFailoverClusterSeedDown gives a redis+cluster:// URL whose first seed is down: the barrier
// works through the others.
func TestFailoverClusterSeedDown(t *testing.T) {
	t.Parallel()
	nodes := redistest.NeedCluster(t, 3)
	seeds := make([]string, 0, 1+len(nodes))
	seeds = append(seeds, redistest.ClosedPort(t))
	for _, n := range nodes {
		seeds = append(seeds, n.Addr)
	}
	b, err := New(Options{Parties: 3, RunID: redistest.Prefix(t), Redis: "redis+cluster://" + strings.Join(seeds, ",")})
	require.NoError(t, err)
	join(t, b, 1, 2, 3)
	r, err := b.Wait(testCtx(t), WaitOptions{Timeout: 10 * time.Second})
	require.NoError(t, err)
	assert.Equal(t, 3, r.Joined)
}

// TestFailoverSentinel kills the primary behind Sentinel mid-wait, with joins going on: the
// Sentinel promotes the replica, every join succeeds, the wait is met, and Redis counts each id
// once.
func TestFailoverSentinel(t *testing.T) {
	t.Parallel()
	s := redistest.NeedSentinel(t, 1, failoverNodeTimeout)
	const parties = 30
	// The first Sentinel of the URL is down: the client asks the next.
	url := strings.Replace(s.URL(), "redis+sentinel://", "redis+sentinel://"+redistest.ClosedPort(t)+",", 1)
	opts := Options{Parties: parties, RunID: redistest.Prefix(t), Redis: url}
	b, err := New(opts)
	require.NoError(t, err)
	join(t, b, 1, 2, 3, 4, 5)
	done := make(chan error, 1)
	var met time.Time
	go func() {
		_, err := b.Wait(testCtx(t), WaitOptions{Timeout: 40 * time.Second})
		met = time.Now()
		done <- err
	}()
	joins := joinsGoingOn(t, b, 6, parties, 150*time.Millisecond)
	time.Sleep(300 * time.Millisecond)
	killed := time.Now()
	s.Primary.Kill()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	promoted, err := redistest.WaitMaster(ctx, t, s.Replica)
	require.NoError(t, err)
	t.Logf("primary %s killed; replica %s promoted %s later", s.Primary.Addr, s.Replica.Addr, promoted.Sub(killed).Round(time.Millisecond))
	stalled := joins.wait(t, promoted)
	require.NoError(t, <-done)
	t.Logf("recovery after the promotion: the joins started before it done %s after it, wait met %s after it",
		stalled.Round(time.Millisecond), met.Sub(promoted).Round(time.Millisecond))
	n, err := s.Replica.Client(t).SCard(testCtx(t), newKeyLayout(opts.WithDefaults()).joined).Result()
	require.NoError(t, err)
	assert.EqualValues(t, parties, n, "each id counted once, none lost")
}

// TestRetryAfterLostReplyIsExactlyOnce cuts the connection right after a join's or a fail's script
// reached Redis, before its reply: the client retries, the script replays its first reply (its
// per-call token), so the id is reported as counted by this call, and Redis holds it once. So does
// a leave: retried, it says that it counted, not that the participant had left before.
func TestRetryAfterLostReplyIsExactlyOnce(t *testing.T) {
	t.Parallel()
	srv := redistest.NeedServer(t)
	proxy := redistest.StartProxy(t, srv.Addr, 0)
	opts := Options{Parties: 10, RunID: redistest.Prefix(t), Redis: proxy.URL}
	b, err := New(opts)
	require.NoError(t, err)
	join(t, b, 1) // loads the script: the cut hits EVALSHA

	proxy.CutNext("evalsha")
	rec, err := b.Join(testCtx(t), "2")
	require.NoError(t, err)
	assert.Equal(t, int32(1), proxy.Cuts.Load(), "the reply was cut")
	assert.True(t, rec.Counted, "%+v", rec)

	require.NoError(t, failScript.Load(testCtx(t), srv.Client(t)).Err(), "fail has a script of its own: loaded, the cut hits its EVALSHA")
	proxy.CutNext("evalsha")
	rec, err = b.Fail(testCtx(t), "3", "login")
	require.NoError(t, err)
	assert.Equal(t, int32(2), proxy.Cuts.Load())
	assert.True(t, rec.Counted, "%+v", rec)

	rec, err = b.Join(testCtx(t), "2")
	require.NoError(t, err)
	assert.Equal(t, Record{Previous: "joined"}, rec, "a later join of the same id is not counted")

	admin := srv.Client(t)
	k := newKeyLayout(opts.WithDefaults())
	ctx := testCtx(t)
	assert.EqualValues(t, 2, admin.SCard(ctx, k.joined).Val())
	assert.EqualValues(t, 1, admin.HLen(ctx, k.failed).Val())
	assert.Equal(t, "1", admin.HGet(ctx, k.failures, "login").Val())
	assert.Equal(t, "1", admin.Get(ctx, k.reasonCounter("login")).Val())

	require.NoError(t, phaseLeaveScript.Load(ctx, admin).Err())
	proxy.CutNext("evalsha")
	left, err := b.Leave(ctx, "5")
	require.NoError(t, err)
	assert.Equal(t, int32(3), proxy.Cuts.Load())
	assert.True(t, left.Counted, "the replayed reply of the first attempt: %+v", left)
	assert.EqualValues(t, 1, admin.SCard(ctx, newPhaseKeys(k).left).Val())
	admin.Del(ctx, k.joined, k.failed, k.failures, k.meta, k.reasonCounter("login"), newPhaseKeys(k).left)
}

// TestFailoverNoPromotionBounded kills a master that has no replica: nothing is promoted, and every
// call on its keys still ends within its bound, saying that no master answers: a wait at its
// timeout (outcome timeout), a join at CallTimeout.
func TestFailoverNoPromotionBounded(t *testing.T) {
	t.Parallel()
	nodes := redistest.NeedCluster(t, 3)
	c := &redistest.Cluster{Masters: nodes}
	opts := Options{Parties: 3, RunID: redistest.Prefix(t), Redis: "redis+cluster://" + c.Seeds()}
	b, err := New(opts)
	require.NoError(t, err)
	join(t, b, 1)
	victim := nodes[masterOf(t, c, newKeyLayout(opts.WithDefaults()).joined)]

	// A wait that was waiting when the master died, and one that starts after.
	for _, before := range []bool{true, false} {
		done := make(chan error, 1)
		start := time.Now()
		go func() {
			_, err := b.Wait(testCtx(t), WaitOptions{Timeout: 3 * time.Second})
			done <- err
		}()
		if before {
			time.Sleep(500 * time.Millisecond)
			victim.Kill()
		}
		err := <-done
		took := time.Since(start)
		we := waitErr(t, err)
		assert.Equal(t, OutcomeTimeout, we.Result.Outcome)
		assert.Less(t, took, 3*time.Second+time.Second)
		assert.Contains(t, err.Error(), "failover in progress: no master answers since")
		if before {
			assert.Contains(t, err.Error(), "; as of the last read: joined 1/3")
		}
		t.Logf("wait: %v (after %s)", err, took.Round(time.Millisecond))
	}

	start := time.Now()
	_, err = b.Join(testCtx(t), "2")
	took := time.Since(start)
	require.Error(t, err)
	assert.Less(t, took, CallTimeout+time.Second)
	assert.Contains(t, err.Error(), "barrier default: join 2: no answer within 10s: redis ")
	assert.Contains(t, err.Error(), "failover in progress: no master answers since")
	t.Logf("join: %v (after %s)", err, took.Round(time.Millisecond))
}
