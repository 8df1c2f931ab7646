package barrier

import (
	"context"
	"sort"
	"strconv"
	"sync"
	"testing"
	"time"
)

// Benchmarks of the rendezvous. They print figures and assert nothing about speed. Run them with
//
//	go test -run '^$' -bench Rendezvous -benchtime 20x ./barrier/

// rendezvousBackend makes a fresh barrier of parties for a benchmark, in-process or on the test
// Redis (a client of its own per call, standing for one k6 process).
func rendezvousBackend(b *testing.B, redisToo bool, parties int) func() *Barrier {
	name := "bench" + strconv.FormatInt(time.Now().UnixNano()%1e9, 10)
	if !redisToo {
		return func() *Barrier {
			bar, err := New(Options{Parties: parties, Name: name, KeyPrefix: "B" + name})
			if err != nil {
				b.Fatal(err)
			}
			return bar
		}
	}
	srv, _, run := benchRedis(b)
	return func() *Barrier {
		bar, err := NewWithClient(Options{Parties: parties, RunID: run, Name: name}, srv.Client(b))
		if err != nil {
			b.Fatal(err)
		}
		return bar
	}
}

// runPhase has every id of ids arrive at bar and returns each waiter's release skew: from its
// phase's release instant to the waiter's goroutine running again.
func runPhase(b *testing.B, bar *Barrier, ids []string, skews []time.Duration) {
	var wg sync.WaitGroup
	for i, id := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, err := bar.Arrive(context.Background(), id, ArriveOptions{})
			if err != nil {
				b.Error(err)
				return
			}
			skews[i] = time.Since(r.ReleasedAt)
		}()
	}
	wg.Wait()
}

func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[min(len(sorted)-1, int(float64(len(sorted))*p))]
}

// BenchmarkRendezvousReleaseSkew: 1,000 waiters (goroutines) arrive at each phase; the figures are
// the p50/p99 of the time from a phase's release to each waiter running again, over all phases.
func BenchmarkRendezvousReleaseSkew(b *testing.B) {
	for _, be := range []struct {
		name  string
		redis bool
	}{{"memory", false}, {"redis", true}} {
		b.Run(be.name, func(b *testing.B) {
			const waiters = 1000
			bar := rendezvousBackend(b, be.redis, waiters)()
			ids := make([]string, waiters)
			for i := range ids {
				ids[i] = strconv.Itoa(i + 1)
			}
			var all []time.Duration
			skews := make([]time.Duration, waiters)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				runPhase(b, bar, ids, skews)
				all = append(all, skews...)
			}
			b.StopTimer()
			sort.Slice(all, func(i, j int) bool { return all[i] < all[j] })
			b.ReportMetric(float64(percentile(all, 0.50).Microseconds())/1000, "skew-p50-ms")
			b.ReportMetric(float64(percentile(all, 0.99).Microseconds())/1000, "skew-p99-ms")
			b.ReportMetric(float64(all[len(all)-1].Microseconds())/1000, "skew-max-ms")
		})
	}
}

// BenchmarkRendezvousPhases: 100 parties arrive phase after phase, each as fast as it can.
func BenchmarkRendezvousPhases(b *testing.B) {
	for _, be := range []struct {
		name  string
		redis bool
	}{{"memory", false}, {"redis", true}} {
		b.Run(be.name, func(b *testing.B) {
			const parties = 100
			bar := rendezvousBackend(b, be.redis, parties)()
			b.ResetTimer()
			start := time.Now()
			var wg sync.WaitGroup
			for p := 1; p <= parties; p++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					id := strconv.Itoa(p)
					for i := 0; i < b.N; i++ {
						if _, err := bar.Arrive(context.Background(), id, ArriveOptions{}); err != nil {
							b.Error(err)
							return
						}
					}
				}()
			}
			wg.Wait()
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "phases/s")
		})
	}
}

// BenchmarkRendezvousRedisCommands: processes k6-like instances (each a client of its own, so a
// session of its own) with waiters participants each. It reports the Redis commands per phase per
// participant, the commands per phase per process (arrivals share script calls: this grows with the
// processes, not the waiters), and
// the pub/sub messages Redis delivers per phase (one per subscribed process).
func BenchmarkRendezvousRedisCommands(b *testing.B) {
	for _, shape := range []struct{ processes, waiters int }{{1, 1000}, {10, 100}} {
		b.Run(strconv.Itoa(shape.processes)+"x"+strconv.Itoa(shape.waiters), func(b *testing.B) {
			srv, _, run := benchRedis(b)
			parties := shape.processes * shape.waiters
			name := "cmds" + strconv.FormatInt(time.Now().UnixNano()%1e9, 10)
			counter := &commandCounter{}
			bars := make([]*Barrier, shape.processes)
			for p := range bars {
				c := srv.Client(b)
				c.AddHook(counter)
				bar, err := NewWithClient(Options{Parties: parties, RunID: run, Name: name}, c)
				if err != nil {
					b.Fatal(err)
				}
				bars[p] = bar
			}
			admin := srv.Client(b)
			channel := newPhaseKeys(newKeyLayout(bars[0].Options())).channel
			// Warm up: load the script, subscribe the hubs.
			runAll := func() {
				var wg sync.WaitGroup
				for p, bar := range bars {
					for w := 0; w < shape.waiters; w++ {
						wg.Add(1)
						go func() {
							defer wg.Done()
							if _, err := bar.Arrive(context.Background(), strconv.Itoa(p*shape.waiters+w+1), ArriveOptions{}); err != nil {
								b.Error(err)
							}
						}()
					}
				}
				wg.Wait()
			}
			runAll()
			subs, err := admin.PubSubNumSub(context.Background(), channel).Result()
			if err != nil {
				b.Fatal(err)
			}
			counter.n.Store(0)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				runAll()
			}
			b.StopTimer()
			perPhase := float64(counter.n.Load()) / float64(b.N)
			b.ReportMetric(perPhase/float64(parties), "cmds/phase/participant")
			b.ReportMetric(perPhase/float64(shape.processes), "cmds/phase/process")
			b.ReportMetric(float64(subs[channel]), "messages/phase")
		})
	}
}
