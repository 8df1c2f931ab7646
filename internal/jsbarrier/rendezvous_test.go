package jsbarrier

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/grafana/sobek"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"go.k6.io/k6/v2/errext"
	"go.k6.io/k6/v2/js/modulestest"

	"github.com/xk6-barrier/xk6-barrier/internal/redistest"

	"github.com/xk6-barrier/xk6-barrier/barrier"
)

// jsBackend is where a JS test's barriers live: extra is the JS options that say it, opts the
// same for a core barrier.Barrier.
type jsBackend struct {
	extra string
	opts  barrier.Options
}

// jsRendezvousBackends are the backends of the JS tests: in-process and on the test Redis.
func jsRendezvousBackends(t *testing.T) map[string]jsBackend {
	srv := redistest.New(t)
	run := redistest.Prefix(t)
	srv.Cleanup(t, "*{"+run+"}*")
	return map[string]jsBackend{
		"memory": {},
		"redis":  {extra: `, redis: "` + srv.URL + `", runId: "` + run + `"`, opts: barrier.Options{Redis: srv.URL, RunID: run}},
	}
}

// runVUs runs code on n VUs (ids 1..n) of a script whose init code is initCode, concurrently, and
// returns the VUs.
func runVUs(t *testing.T, n int, initCode, code string) []*jsVU {
	t.Helper()
	vus := make([]*jsVU, n)
	for i := range vus {
		vus[i] = newJSVU(t, initCode)
		vus[i].start(uint64(i + 1))
	}
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i, vu := range vus {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = vu.rt.RunOnEventLoop(`(async () => {` + code + `})()`)
		}()
	}
	wg.Wait()
	for i, err := range errs {
		require.NoError(t, err, "VU %d", i+1)
	}
	return vus
}

func jsObj(vu *jsVU, name string) *sobek.Object {
	return vu.get(name).ToObject(vu.rt.VU.Runtime())
}

func TestJSArrive(t *testing.T) {
	for be, backend := range jsRendezvousBackends(t) {
		extra := backend.extra
		t.Run(be, func(t *testing.T) {
			name := uniqueName(t)
			vus := runVUs(t, 4, `const room = new Barrier({ parties: 4, name: "`+name+`"`+extra+` });`, `
				globalThis.results = [];
				for (let i = 0; i < 3; i++) {
					results.push(await room.arrive({ timeout: "30s" }));
				}`)
			for i, vu := range vus {
				results := vu.get("results").Export().([]any)
				require.Len(t, results, 3)
				for phase, r := range results {
					m := r.(map[string]any)
					assert.Equal(t, "released", m["outcome"])
					assert.EqualValues(t, phase, m["phase"], "VU %d", i+1)
					assert.EqualValues(t, 4, m["arrived"])
					assert.EqualValues(t, 4, m["parties"])
					assert.EqualValues(t, 4, m["quorum"])
					assert.Equal(t, name, m["name"])
					assert.Contains(t, m, "waitedMs")
				}
				got := vu.drained()
				require.Len(t, got[MetricArriveDuration], 3)
				require.Len(t, got[MetricReleaseSkew], 3)
				require.Len(t, got[MetricPhasesReleased], 3)
				for _, s := range got[MetricPhasesReleased] {
					assert.InDelta(t, 1.0, s.Value, 0, "a released arrive() counts 1 in the rate")
				}
				for _, s := range got[MetricArriveDuration] {
					outcome, _ := s.Tags.Get("outcome")
					assert.Equal(t, "released", outcome)
					_, hasPhase := s.Tags.Get("phase")
					assert.False(t, hasPhase, "no phase tag: its cardinality grows without bound")
				}
				for _, s := range got[MetricReleaseSkew] {
					assert.GreaterOrEqual(t, s.Value, 0.0)
					barrier, _ := s.Tags.Get("barrier")
					assert.Equal(t, name, barrier)
				}
			}
		})
	}
}

func TestJSArriveRejections(t *testing.T) {
	for be, backend := range jsRendezvousBackends(t) {
		extra := backend.extra
		t.Run(be, func(t *testing.T) {
			t.Run("timeout is a BarrierError with who is missing", func(t *testing.T) {
				name := uniqueName(t)
				vu := newJSVU(t, `const room = new Barrier({ parties: 3, name: "`+name+`"`+extra+` });`)
				vu.start(2)
				vu.run(t, `try { await room.arrive({ timeout: "100ms" }); } catch (e) { globalThis.err = e; }`)
				rt := vu.rt.VU.Runtime()
				e := jsObj(vu, "err")
				isBE, err := rt.RunString(`err instanceof BarrierError && err instanceof Error`)
				require.NoError(t, err)
				assert.True(t, isBE.ToBoolean())
				assert.Equal(t, "timeout", e.Get("outcome").String())
				assert.EqualValues(t, 0, e.Get("phase").ToInteger())
				assert.Equal(t, []any{int64(1), int64(3)}, e.Get("missing").Export())
				assert.Contains(t, e.Get("message").String(), "barrier "+name+": phase 0 timeout after ")
				assert.Contains(t, e.Get("message").String(), "arrived 1/3, left 0, missing 2 (1, 3)")
				got := vu.drained()
				outcome, _ := got[MetricArriveDuration][0].Tags.Get("outcome")
				assert.Equal(t, "timeout", outcome)
				require.Len(t, got[MetricPhasesReleased], 1)
				assert.InDelta(t, 0.0, got[MetricPhasesReleased][0].Value, 0, "a phase not met counts 0, for a threshold")
			})
			t.Run("release on timeout resolves", func(t *testing.T) {
				vu := newJSVU(t, `const room = new Barrier({ parties: 3, name: "`+uniqueName(t)+`"`+extra+` });`)
				vu.start(1)
				vu.run(t, `globalThis.res = await room.arrive({ timeout: "100ms", onTimeout: "release" });`)
				assert.Equal(t, "released-on-timeout", jsObj(vu, "res").Get("outcome").String())
			})
			t.Run("arriving twice names participant and phase", func(t *testing.T) {
				vu := newJSVU(t, `const room = new Barrier({ parties: 2, name: "`+uniqueName(t)+`"`+extra+` });`)
				vu.start(1)
				vu.run(t, `const both = await Promise.allSettled([
						room.arrive({ timeout: "200ms", onTimeout: "release" }), room.arrive({ timeout: "200ms", onTimeout: "release" })]);
					const rejected = both.filter((r) => r.status === "rejected");
					if (rejected.length !== 1) throw new Error("want exactly one rejected, got " + JSON.stringify(both));
					globalThis.err = rejected[0].reason;`)
				e := jsObj(vu, "err")
				assert.Contains(t, e.Get("message").String(), "participant 1 already arrived at phase 0")
				isBE, err := vu.rt.VU.Runtime().RunString(`err instanceof BarrierError`)
				require.NoError(t, err)
				assert.False(t, isBE.ToBoolean(), "a misuse is a plain Error, not an outcome")
			})
			t.Run("fail breaks the phase", func(t *testing.T) {
				name := uniqueName(t)
				init := `const room = new Barrier({ parties: 3, name: "` + name + `"` + extra + ` });`
				waiter := newJSVU(t, init)
				waiter.start(1)
				failer := newJSVU(t, init)
				failer.start(3)
				done := make(chan error, 1)
				go func() {
					_, err := waiter.rt.RunOnEventLoop(`(async () => { try { await room.arrive(); } catch (e) { globalThis.err = e; } })()`)
					done <- err
				}()
				o := backend.opts
				o.Name, o.Parties = name, 3
				core, err := barrier.New(o)
				require.NoError(t, err)
				require.Eventually(t, func() bool {
					n, err := core.Arrived(context.Background())
					return err == nil && n == 1
				}, 30*time.Second, 2*time.Millisecond, "the waiter never arrived")
				failer.run(t, `await room.fail("login");`)
				require.NoError(t, <-done)
				e := jsObj(waiter, "err")
				assert.Equal(t, "failed", e.Get("outcome").String())
				assert.Equal(t, "login", e.Get("reason").String())
				assert.Equal(t, "3", e.Get("failedBy").String())
				assert.Equal(t, []any{int64(2)}, e.Get("missing").Export())
			})
			t.Run("leave", func(t *testing.T) {
				vu := newJSVU(t, `const room = new Barrier({ parties: 2, name: "`+uniqueName(t)+`"`+extra+` });`)
				vu.start(1)
				vu.run(t, `globalThis.l = await room.leave(2); globalThis.res = await room.arrive();`)
				l := jsObj(vu, "l")
				assert.True(t, l.Get("counted").ToBoolean())
				assert.False(t, l.Get("withdrawn").ToBoolean())
				res := jsObj(vu, "res")
				assert.EqualValues(t, 1, res.Get("parties").ToInteger())
				assert.EqualValues(t, 1, res.Get("left").ToInteger())
			})
			t.Run("abortOnFail aborts the test on timeout", func(t *testing.T) {
				vu := newJSVU(t, `const room = new Barrier({ parties: 2, name: "`+uniqueName(t)+`"`+extra+` });`)
				vu.start(1)
				_, err := vu.rt.RunOnEventLoop(`(async () => { await room.arrive({ timeout: "50ms", abortOnFail: true }); })()`)
				var ie *errext.InterruptError
				require.ErrorAs(t, err, &ie)
				assert.Contains(t, ie.Reason, "test aborted: barrier ")
				assert.Contains(t, ie.Reason, "phase 0 timeout after")
			})
		})
	}
}

func TestJSArriveBadOptions(t *testing.T) {
	tests := []struct{ code, want string }{
		{`room.arrive({ timout: "5s" })`, `unknown option "timout"`},
		{`room.arrive({ timeout: 0 })`, "option timeout must be at least 1ms and at most 7d: it is the phase's hard stop"},
		{`room.arrive({ timeout: '0s' })`, "option timeout must be at least 1ms and at most 7d: it is the phase's hard stop"},
		{`room.arrive({ timeout: '0' })`, "option timeout must be at least 1ms and at most 7d: it is the phase's hard stop"},
		{`room.arrive({ timeout: '0ms' })`, "option timeout must be at least 1ms and at most 7d: it is the phase's hard stop"},
		{`room.arrive({ timeout: 1e-7 })`, "option timeout must be at least 1ms and at most 7d: it is the phase's hard stop"},
		{`room.arrive({ onTimeout: Symbol('release') })`, "option onTimeout must be a string, got a symbol"},
		{`room.arrive({ timeout: "8d" })`, "option timeout must be at least 1ms and at most 7d"},
		{`room.arrive({ quorum: 4 })`, "option quorum must be at least 1 and at most 3, got 4"},
		{`room.arrive({ quorum: "80" })`, `option quorum must be a whole number 1..3 or a percentage of the parties such as '80%'`},
		{`room.arrive({ quorum: "120%" })`, `option quorum as a percentage must be more than 0% and at most 100%, got 120%`},
		{`room.arrive({ quorum: "0%" })`, `got the string "0%"`},
		{`room.arrive({ onTimeout: "ignore" })`, `option onTimeout must be 'reject'`},
		{`room.arrive({ abortOnFail: "yes" })`, `option abortOnFail must be true or false`},
	}
	for _, tc := range tests {
		t.Run(tc.code, func(t *testing.T) {
			vu := newJSVU(t, `const room = new Barrier({ parties: 3, name: "`+uniqueName(t)+`" });`)
			vu.start(1)
			_, err := vu.rt.RunOnEventLoop(tc.code)
			require.Error(t, err)
			assert.Contains(t, err.Error(), "TypeError")
			assert.Contains(t, err.Error(), tc.want)
		})
	}
	t.Run("init context", func(t *testing.T) {
		rt := modulestest.NewRuntime(t)
		require.NoError(t, rt.SetupModuleSystem(map[string]any{"k6/x/barrier": NewRootModule()}, nil, nil))
		_, err := rt.VU.Runtime().RunString(`const { Barrier } = require("k6/x/barrier"); new Barrier({ parties: 1 }).arrive()`)
		require.Error(t, err)
		assert.Contains(t, err.Error(), "arrive() can't be called in the init context")
	})
}

// TestJSArriveQuorumPercent: '50%' of 4 parties releases at 2.
func TestJSArriveQuorumPercent(t *testing.T) {
	name := uniqueName(t)
	vus := runVUs(t, 2, `const room = new Barrier({ parties: 4, name: "`+name+`" });`,
		`globalThis.res = await room.arrive({ quorum: "50%" });`)
	for _, vu := range vus {
		res := jsObj(vu, "res")
		assert.EqualValues(t, 2, res.Get("quorum").ToInteger())
		assert.Equal(t, "released", res.Get("outcome").String())
	}
}

// TestJSArriveProgress: an arrival that waits long logs a progress line at the progress interval,
// as wait() does; of the VUs waiting at one phase in a process, one reports.
func TestJSArriveProgress(t *testing.T) {
	name := uniqueName(t)
	vus := make([]*jsVU, 2)
	for i := range vus {
		vus[i] = newJSVU(t, `const room = new Barrier({ parties: 3, name: "`+name+`" });`)
		vus[i].start(uint64(i + 1))
	}
	var wg sync.WaitGroup
	for _, vu := range vus {
		wg.Add(1)
		go func() {
			defer wg.Done()
			vu.run(t, `await room.arrive({ timeout: "2500ms", progress: "1s", onTimeout: "release" });`)
		}()
	}
	wg.Wait()
	var lines []string
	for _, vu := range vus {
		for _, e := range vu.logs.AllEntries() {
			if strings.Contains(e.Message, "waiting for") {
				lines = append(lines, e.Message)
			}
		}
	}
	require.NotEmpty(t, lines, "no progress line in 2.5s with progress 1s")
	assert.LessOrEqual(t, len(lines), 2, "one VU reports per tick: %q", lines)
	assert.Contains(t, lines[0], "barrier "+name+": phase 0 waiting for 1s: arrived 2 of 3 parties")
	t.Log(lines)
}

// TestJSArriveLostState: the phase keys expired between two steps (ttl 1s, 1.5s apart): the next
// arrive() rejects with a BarrierError of outcome failed whose lost field says what and why; it is
// not released from what the process remembers of phase 0.
func TestJSArriveLostState(t *testing.T) {
	srv := redistest.New(t)
	run := redistest.Prefix(t)
	srv.Cleanup(t, "*{"+run+"}*")
	vu := newJSVU(t, `const room = new Barrier({ parties: 1, ttl: "1s", name: "`+uniqueName(t)+`", redis: "`+srv.URL+`", runId: "`+run+`" });`)
	vu.start(1)
	vu.run(t, `globalThis.first = await room.arrive({ timeout: "1s" });`)
	assert.Equal(t, "released", jsObj(vu, "first").Get("outcome").String())
	time.Sleep(1500 * time.Millisecond)
	vu.run(t, `try { await room.arrive({ timeout: "1s" }); globalThis.err = null; } catch (e) { globalThis.err = e; }`)
	e := vu.get("err")
	require.False(t, sobek.IsNull(e), "released from a state that is gone")
	obj := e.ToObject(vu.rt.VU.Runtime())
	assert.Equal(t, "failed", obj.Get("outcome").String())
	assert.Contains(t, obj.Get("lost").String(), "was lost: it no longer exists; its keys expired (is the barrier's ttl of 1s shorter than the gap between two arrive() calls?)")
	assert.EqualValues(t, -1, obj.Get("phase").ToInteger())
	assert.Contains(t, obj.Get("message").String(), "arrival failed after")
}
