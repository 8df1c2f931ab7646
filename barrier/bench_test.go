package barrier

import (
	"context"
	"math/rand/v2"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/xk6-barrier/xk6-barrier/internal/redistest"
)

// Benchmarks of the Redis backend, against the plain-command baselines of the
// fix plan. They print figures (b.ReportMetric) and assert nothing about
// speed: the machine they run on is shared and noisy. Run them with
//
//	go test -run '^$' -bench . -benchtime 3s ./barrier/

// benchRedis returns the test Redis and a run id whose keys are deleted at
// the end.
func benchRedis(b *testing.B) (*redistest.Server, *redis.Client, string) {
	srv := redistest.New(b)
	run := redistest.Prefix(b)
	srv.Cleanup(b, "*{"+run+"}*")
	return srv, srv.Client(b), run
}

// benchParallelism is goroutines per GOMAXPROCS in the throughput
// benchmarks, standing for many VUs.
const benchParallelism = 8

// BenchmarkJoin measures Join throughput from parallel goroutines: one
// atomic script round trip per join. Compare with BenchmarkRawSADD.
func BenchmarkJoin(b *testing.B) {
	_, rdb, run := benchRedis(b)
	bar, err := NewWithClient(Options{Parties: MaxParties, RunID: run}, rdb)
	if err != nil {
		b.Fatal(err)
	}
	var next atomic.Int64
	b.SetParallelism(benchParallelism)
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		ctx := context.Background()
		for pb.Next() {
			if _, err := bar.Join(ctx, benchID(b, &next)); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "joins/s")
}

// benchID returns the next participant id of a throughput benchmark, failing it
// before the ids pass MaxParties (the barrier would refuse them).
func benchID(b *testing.B, next *atomic.Int64) string {
	b.Helper()
	id := next.Add(1)
	if id > MaxParties {
		b.Fatalf("benchmark ran out of participant ids (more than %d joins): lower -benchtime", MaxParties)
	}
	return strconv.FormatInt(id, 10)
}

// BenchmarkRawSADD is the baseline of BenchmarkJoin: the fix plan's bare
// SADD, without exactly-once across join and fail, TTL or release message.
func BenchmarkRawSADD(b *testing.B) {
	_, rdb, run := benchRedis(b)
	key := "K6_BARRIER_JOINED:{" + run + "}"
	var next atomic.Int64
	b.SetParallelism(benchParallelism)
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		ctx := context.Background()
		for pb.Next() {
			if err := rdb.SAdd(ctx, key, strconv.FormatInt(next.Add(1), 10)).Err(); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "sadds/s")
}

// BenchmarkJoinVsRawSADD runs joins and raw SADDs in alternating 500 ms
// slices, so that both see the same background load on a shared machine,
// and reports their throughputs and ratio (goal: ratio >= 0.7).
func BenchmarkJoinVsRawSADD(b *testing.B) {
	_, rdb, run := benchRedis(b)
	bar, err := NewWithClient(Options{Parties: MaxParties, RunID: run}, rdb)
	if err != nil {
		b.Fatal(err)
	}
	key := "K6_BARRIER_JOINED:{" + run + "}:raw"
	var next atomic.Int64
	ops := map[string]func(ctx context.Context, id string) error{
		"join": func(ctx context.Context, id string) error { _, err := bar.Join(ctx, id); return err },
		"sadd": func(ctx context.Context, id string) error { return rdb.SAdd(ctx, key, id).Err() },
	}
	counted := map[string]int64{}
	elapsed := map[string]time.Duration{}
	workers := benchParallelism * runtime.GOMAXPROCS(0)
	for i := 0; i < b.N; i++ {
		for _, name := range []string{"sadd", "join"} {
			op := ops[name]
			var n atomic.Int64
			ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
			start := time.Now()
			var wg sync.WaitGroup
			for w := 0; w < workers; w++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for ctx.Err() == nil {
						err := op(ctx, benchID(b, &next))
						switch {
						case err == nil:
							n.Add(1)
						case ctx.Err() == nil:
							b.Errorf("%s: %v", name, err)
							return
						}
					}
				}()
			}
			wg.Wait()
			cancel()
			counted[name] += n.Load()
			elapsed[name] += time.Since(start)
		}
	}
	join := float64(counted["join"]) / elapsed["join"].Seconds()
	sadd := float64(counted["sadd"]) / elapsed["sadd"].Seconds()
	b.ReportMetric(join, "joins/s")
	b.ReportMetric(sadd, "sadds/s")
	b.ReportMetric(join/sadd, "ratio")
	b.ReportMetric(0, "ns/op")
}

// BenchmarkRelease measures the time from the start of the last Join to
// Wait returning (p50, p99), beside the fix plan's controller that polls
// SCARD every 100 ms. Each iteration is one barrier of 10 parties.
func BenchmarkRelease(b *testing.B) {
	const parties = 10
	b.Run("barrier", func(b *testing.B) {
		_, rdb, run := benchRedis(b)
		lat := make([]time.Duration, 0, b.N)
		for i := 0; i < b.N; i++ {
			bar, err := NewWithClient(Options{Parties: parties, RunID: run, Name: "r" + strconv.Itoa(i)}, rdb)
			if err != nil {
				b.Fatal(err)
			}
			joinIDs(b, bar, 1, parties-1)
			done := make(chan error, 1)
			go func() {
				_, err := bar.Wait(context.Background(), WaitOptions{Timeout: time.Minute})
				done <- err
			}()
			waitSubscribed(b, rdb, newKeyLayout(bar.Options()).channel)
			t0 := time.Now()
			joinIDs(b, bar, parties, parties)
			if err := <-done; err != nil {
				b.Fatal(err)
			}
			lat = append(lat, time.Since(t0))
		}
		reportPercentiles(b, lat)
	})
	b.Run("poll-SCARD-100ms", func(b *testing.B) {
		_, rdb, run := benchRedis(b)
		lat := make([]time.Duration, 0, b.N)
		ctx := context.Background()
		for i := 0; i < b.N; i++ {
			key := "K6_BARRIER_JOINED:{" + run + "}:r" + strconv.Itoa(i)
			for id := 1; id < parties; id++ {
				rdb.SAdd(ctx, key, id)
			}
			done := make(chan struct{})
			go func() { // the fix plan's adminController loop
				defer close(done)
				for rdb.SCard(ctx, key).Val() < parties {
					time.Sleep(100 * time.Millisecond)
				}
			}()
			time.Sleep(time.Duration(rand.IntN(100)) * time.Millisecond) // the last VU arrives at any phase of the poll
			t0 := time.Now()
			rdb.SAdd(ctx, key, parties)
			<-done
			lat = append(lat, time.Since(t0))
		}
		reportPercentiles(b, lat)
	})
}

// BenchmarkIdleWaiter measures what a waiter costs Redis while nothing
// happens, on a redis-server of its own (so other tests' traffic does not
// count), over a 10 s window per iteration:
//
//   - cmds/s: commands the waiter's client sent (round trips), counted by a
//     go-redis hook;
//   - redis-calls/s: calls in INFO commandstats, which also counts each
//     command a Lua script runs inside Redis (the counts script runs 3).
func BenchmarkIdleWaiter(b *testing.B) {
	srv := redistest.NeedServer(b)
	admin := srv.Client(b)
	ctx := context.Background()
	const window = 10 * time.Second
	var sent, calls float64
	for i := 0; i < b.N; i++ {
		client := srv.Client(b)
		counter := &commandCounter{}
		client.AddHook(counter)
		bar, err := NewWithClient(Options{Parties: 2, RunID: redistest.Prefix(b)}, client)
		if err != nil {
			b.Fatal(err)
		}
		wctx, cancel := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() {
			defer close(done)
			_, _ = bar.Wait(wctx, WaitOptions{})
		}()
		waitSubscribed(b, admin, newKeyLayout(bar.Options()).channel)
		sentBefore, callsBefore := counter.n.Load(), commandCalls(b, admin)
		time.Sleep(window)
		sentAfter, callsAfter := counter.n.Load(), commandCalls(b, admin)
		cancel()
		<-done
		sent += float64(sentAfter-sentBefore) / window.Seconds()
		calls += float64(callsAfter-callsBefore) / window.Seconds()
	}
	b.ReportMetric(sent/float64(b.N), "cmds/s")
	b.ReportMetric(calls/float64(b.N), "redis-calls/s")
}

// commandCounter is a go-redis hook counting the commands a client sends.
type commandCounter struct{ n atomic.Int64 }

func (c *commandCounter) DialHook(next redis.DialHook) redis.DialHook { return next }

func (c *commandCounter) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		c.n.Add(1)
		return next(ctx, cmd)
	}
}

func (c *commandCounter) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		c.n.Add(int64(len(cmds)))
		return next(ctx, cmds)
	}
}

// BenchmarkMemory100k reports the Redis memory of the joined SET of a
// barrier of 100,000 joined ids.
func BenchmarkMemory100k(b *testing.B) {
	const parties = 100000
	_, rdb, run := benchRedis(b)
	ctx := context.Background()
	var bytes int64
	for i := 0; i < b.N; i++ {
		bar, err := NewWithClient(Options{Parties: parties, RunID: run, Name: "m" + strconv.Itoa(i)}, rdb)
		if err != nil {
			b.Fatal(err)
		}
		ids := make(chan int)
		errs := make(chan error, 32)
		for w := 0; w < 32; w++ {
			go func() {
				var err error
				for id := range ids {
					if err == nil {
						_, err = bar.Join(ctx, strconv.Itoa(id))
					}
				}
				errs <- err
			}()
		}
		for id := 1; id <= parties; id++ {
			ids <- id
		}
		close(ids)
		for w := 0; w < 32; w++ {
			if err := <-errs; err != nil {
				b.Fatal(err)
			}
		}
		bytes, err = rdb.MemoryUsage(ctx, newKeyLayout(bar.Options()).joined, 0).Result()
		if err != nil {
			b.Skipf("MEMORY USAGE unsupported here: %v", err)
		}
	}
	b.ReportMetric(float64(bytes), "bytes")
	b.ReportMetric(float64(bytes)/parties, "bytes/id")
}

func joinIDs(b *testing.B, bar *Barrier, from, to int) {
	for id := from; id <= to; id++ {
		if _, err := bar.Join(context.Background(), strconv.Itoa(id)); err != nil {
			b.Fatal(err)
		}
	}
}

// waitSubscribed returns once a waiter listens on channel.
func waitSubscribed(b *testing.B, rdb *redis.Client, channel string) {
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		n, err := rdb.PubSubNumSub(context.Background(), channel).Result()
		if err != nil {
			b.Fatal(err)
		}
		if n[channel] > 0 {
			return
		}
	}
	b.Fatal("the waiter never subscribed")
}

// commandCalls sums the calls of INFO commandstats, except the INFO
// commands this benchmark sends itself.
func commandCalls(b *testing.B, rdb *redis.Client) int64 {
	info, err := rdb.Info(context.Background(), "commandstats").Result()
	if err != nil {
		b.Fatal(err)
	}
	var total int64
	for _, line := range strings.Split(info, "\n") {
		name, stats, ok := strings.Cut(strings.TrimSpace(line), ":")
		if !ok || !strings.HasPrefix(name, "cmdstat_") || name == "cmdstat_info" {
			continue
		}
		for _, field := range strings.Split(stats, ",") {
			if v, ok := strings.CutPrefix(field, "calls="); ok {
				n, _ := strconv.ParseInt(v, 10, 64)
				total += n
			}
		}
	}
	return total
}

func reportPercentiles(b *testing.B, lat []time.Duration) {
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	at := func(p float64) float64 {
		i := int(p * float64(len(lat)-1))
		return float64(lat[i]) / float64(time.Millisecond)
	}
	b.ReportMetric(at(0.50), "p50-ms")
	b.ReportMetric(at(0.99), "p99-ms")
	b.ReportMetric(0, "ns/op")
}
