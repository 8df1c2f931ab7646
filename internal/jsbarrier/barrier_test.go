package jsbarrier

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/grafana/sobek"
	"github.com/sirupsen/logrus"
	logtest "github.com/sirupsen/logrus/hooks/test"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"go.k6.io/k6/v2/errext"
	"go.k6.io/k6/v2/errext/exitcodes"
	"go.k6.io/k6/v2/js/modulestest"
	"go.k6.io/k6/v2/lib"
	"go.k6.io/k6/v2/metrics"

	"github.com/xk6-barrier/xk6-barrier/internal/redistest"
)

// jsVU is one VU with k6/x/barrier imported through the module system, as a k6 script has it.
type jsVU struct {
	rt      *modulestest.Runtime
	samples chan metrics.SampleContainer
	logs    *logtest.Hook
	mi      *ModuleInstance // the VU's k6/x/barrier instance
}

// newJSVU returns a VU in the init context whose script has run initCode after
// `const { Barrier, BarrierError } = require("k6/x/barrier")`.
func newJSVU(t *testing.T, initCode string) *jsVU {
	t.Helper()
	rt := modulestest.NewRuntime(t)
	v := &jsVU{rt: rt, samples: make(chan metrics.SampleContainer, 10000)}
	root := &RootModule{onInstance: func(mi *ModuleInstance) { v.mi = mi }}
	require.NoError(t, rt.SetupModuleSystem(map[string]any{"k6/x/barrier": root}, nil, nil))
	_, err := rt.VU.Runtime().RunString(`const { Barrier, BarrierError } = require("k6/x/barrier");` + initCode)
	require.NoError(t, err)
	return v
}

// start leaves the init context as VU vuIDGlobal.
func (v *jsVU) start(vuIDGlobal uint64) { v.startWith(vuIDGlobal, lib.Options{}) }

// startWith leaves the init context as VU vuIDGlobal of a test with options opts.
func (v *jsVU) startWith(vuIDGlobal uint64, opts lib.Options) {
	logger, hook := logtest.NewNullLogger()
	logger.SetLevel(logrus.InfoLevel)
	v.logs = hook
	registry := metrics.NewRegistry()
	v.rt.MoveToVUContext(&lib.State{
		Options:        opts,
		Samples:        v.samples,
		Tags:           lib.NewVUStateTags(registry.RootTagSet().With("scenario", "default")),
		VUID:           vuIDGlobal,
		VUIDGlobal:     vuIDGlobal,
		Logger:         logger,
		BuiltinMetrics: v.rt.BuiltinMetrics,
	})
}

func (v *jsVU) run(t *testing.T, code string) {
	t.Helper()
	_, err := v.rt.RunOnEventLoop(`(async () => {` + code + `})()`)
	require.NoError(t, err)
}

func (v *jsVU) get(name string) sobek.Value { return v.rt.VU.Runtime().Get(name) }

// drained returns the samples pushed so far, by metric name.
func (v *jsVU) drained() map[string][]metrics.Sample {
	out := map[string][]metrics.Sample{}
	for {
		select {
		case c := <-v.samples:
			for _, s := range c.GetSamples() {
				out[s.Metric.Name] = append(out[s.Metric.Name], s)
			}
		default:
			return out
		}
	}
}

func uniqueName(t *testing.T) string {
	return fmt.Sprintf("js%d", time.Now().UnixNano()%1e9)
}

func TestJSBadInput(t *testing.T) {
	closed := redistest.ClosedPort(t)
	tests := []struct {
		name, code string
		want       []string // every part must be in the exception
	}{
		{"no options", `new Barrier()`, []string{"options are required"}},
		{"options not an object", `new Barrier(5)`, []string{"options must be an object", "number 5"}},
		{"unknown option", `new Barrier({ parties: 2, partys: 3 })`, []string{`unknown option "partys"`, `did you mean "parties"`}},
		{"missing parties", `new Barrier({ name: "x" })`, []string{"option parties is required"}},
		{"parties zero", `new Barrier({ parties: 0 })`, []string{"option parties must be at least 1 and at most 10000000, got 0"}},
		{"parties beyond 2^53", `new Barrier({ parties: 2**53+2 })`, []string{"option parties must be at least 1 and at most 10000000, got 9007199254740994"}},
		{"parties too many", `new Barrier({ parties: 10000001 })`, []string{"option parties must be at least 1 and at most 10000000, got 10000001"}},
		{"ttl huge", `new Barrier({ parties: 1, ttl: 1e20 })`, []string{"option ttl must be at least 1s and at most 7d, got the number 100000000000000000000"}},
		{"ttl over 7d", `new Barrier({ parties: 1, ttl: "30d" })`, []string{"option ttl must be at least 1s and at most 7d, got 30d"}},
		{"parties negative", `new Barrier({ parties: -3 })`, []string{"option parties must be at least 1", "-3"}},
		{"parties not integer", `new Barrier({ parties: 2.5 })`, []string{"option parties must be a whole number", "2.5"}},
		{"parties a string", `new Barrier({ parties: "10" })`, []string{"option parties must be a whole number", `"10"`}},
		{"name invalid", `new Barrier({ parties: 1, name: "a b" })`, []string{"option name", "invalid"}},
		{"name not string", `new Barrier({ parties: 1, name: 7 })`, []string{"option name must be a string"}},
		{"bad redis url", `new Barrier({ parties: 1, redis: "http://x", runId: "r" })`, []string{"option redis"}},
		{"redis url with password stays secret", `new Barrier({ parties: 1, redis: "redis://u:hunter2@127.0.0.1:notaport", runId: "r" })`, []string{"option redis"}},
		{"missing runId with redis", `new Barrier({ parties: 1, redis: "redis://127.0.0.1:` + closed + `" })`, []string{"option runId is required with redis"}},
		{"bad ttl", `new Barrier({ parties: 1, ttl: "5 minutes" })`, []string{"option ttl", `invalid duration "5 minutes"`}},
		{"ttl too short", `new Barrier({ parties: 1, ttl: 10 })`, []string{"option ttl must be at least 1s and at most 7d: it is the expiry of every key the barrier writes", "got the number 10"}},
		{"ttl 0", `new Barrier({ parties: 1, ttl: 0 })`, []string{"option ttl must be at least 1s and at most 7d: it is the expiry of every key the barrier writes", "got the number 0"}},
		{"ttl '0s'", `new Barrier({ parties: 1, ttl: '0s' })`, []string{"option ttl must be at least 1s and at most 7d: it is the expiry of every key the barrier writes", `got the string "0s"`}},
		{"name a Symbol", `new Barrier({ parties: 1, name: Symbol('x') })`, []string{"option name must be a string, got a symbol"}},
		{"bad keyPrefix", `new Barrier({ parties: 1, keyPrefix: "a{b}" })`, []string{"option keyPrefix"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rt := modulestest.NewRuntime(t)
			require.NoError(t, rt.SetupModuleSystem(map[string]any{"k6/x/barrier": NewRootModule()}, nil, nil))
			_, err := rt.VU.Runtime().RunString(`const { Barrier } = require("k6/x/barrier");` + tc.code)
			require.Error(t, err)
			var exc *sobek.Exception
			require.ErrorAs(t, err, &exc, "a JS exception")
			for _, part := range tc.want {
				assert.Contains(t, err.Error(), part)
			}
			assert.NotContains(t, err.Error(), "hunter2", "a password reached an error message")
		})
	}
}

// TestJSBadIDAbortsTest: an id outside 1..parties, or no whole number, is a mistake every VU would
// make: the test aborts at the first (exit code 108, said once), which no try/catch goes past.
func TestJSBadIDAbortsTest(t *testing.T) {
	tests := []struct{ name, code, want string }{
		{"bad id type", `room.join({})`, "id must be an integer in 1..3 (the barrier counts the ids 1..parties), got an object: pass an integer in 1..3, or omit the id"},
		{"fractional id", `room.join(1.5)`, "id must be an integer in 1..3 (the barrier counts the ids 1..parties), got the number 1.5"},
		{"empty id", `room.join("")`, `id must be an integer in 1..3 (the barrier counts the ids 1..parties), got the string ""`},
		{"id zero", `room.join(0)`, "id must be an integer in 1..3 (the barrier counts the ids 1..parties), got the number 0"},
		{"id above parties", `room.join(99)`, "id must be an integer in 1..3 (the barrier counts the ids 1..parties), got the number 99"},
		{"id 2^53", `room.fail("login", 2**53)`, "id must be an integer in 1..3 (the barrier counts the ids 1..parties), got the number 9007199254740992"},
		{"id a name", `room.fail("login", "alice")`, `id must be an integer in 1..3 (the barrier counts the ids 1..parties), got the string "alice"`},
		{"id a numeric string", `room.join("2")`, `id must be an integer in 1..3 (the barrier counts the ids 1..parties), got the string "2"`},
		{"id negative", `room.join(-1)`, "got the number -1"},
		{"id NaN", `room.join(NaN)`, "got the number NaN"},
		{"arrive id an object", `room.arrive({ id: {} })`, "id must be an integer in 1..3 (the barrier counts the ids 1..parties), got an object"},
		{"leave 1.5", `room.leave(1.5)`, "id must be an integer in 1..3 (the barrier counts the ids 1..parties), got the number 1.5"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			vu := newJSVU(t, `const room = new Barrier({ parties: 3, name: "`+uniqueName(t)+`" });`)
			vu.start(1)
			_, err := vu.rt.RunOnEventLoop(`try { ` + tc.code + ` } catch (e) { globalThis.caught = e; }`)
			assertAborted(t, err, tc.want)
			assert.Nil(t, vu.get("caught"), "caught by the script")
		})
	}
}

// assertAborted asserts that err is k6's abort of the test (exit code 108) saying want.
func assertAborted(t *testing.T, err error, want string) {
	t.Helper()
	require.Error(t, err)
	var ie *errext.InterruptError
	require.ErrorAs(t, err, &ie, "the test aborts: %v", err)
	assert.Equal(t, exitcodes.ScriptAborted, ie.ExitCode())
	assert.Contains(t, ie.Reason, "test aborted: barrier ")
	assert.Contains(t, ie.Reason, want)
}

func TestJSBadMethodArguments(t *testing.T) {
	tests := []struct{ name, code, want string }{
		{"bad reason", `room.fail("Login")`, `invalid failure reason "Login"`},
		{"reason not a string", `room.fail(3)`, "reason must be a string"},
		{"reason missing", `room.fail()`, "reason must be a string"},
		{"bad wait option", `room.wait({ timout: "5s" })`, `unknown option "timout"`},
		{"bad wait timeout", `room.wait({ timeout: "soon" })`, `option timeout: invalid duration "soon"`},
		{"quorum above parties", `room.wait({ quorum: 5 })`, "option quorum must be at least 1 and at most 3, got 5"},
		{"negative maxFailures", `room.wait({ maxFailures: -1 })`, "option maxFailures must be at least 0 and at most 3, got -1"},
		{"maxFailures above parties", `room.wait({ maxFailures: 4 })`, "option maxFailures must be at least 0 and at most 3, got 4"},
		{"huge timeout", `room.wait({ timeout: Number.MAX_SAFE_INTEGER })`, "option timeout must be at least 1ms and at most 7d, got the number 9007199254740991"},
		{"timeout over 7d", `room.wait({ timeout: "8d" })`, "option timeout must be at least 1ms and at most 7d, got 8d"},
		{"timeout 0 refused", `room.wait({ timeout: 0 })`, "option timeout must be at least 1ms and at most 7d: the timeout is the wait's hard stop"},
		{"timeout '0s' refused", `room.wait({ timeout: '0s' })`, "option timeout must be at least 1ms and at most 7d: the timeout is the wait's hard stop"},
		{"timeout '0' refused", `room.wait({ timeout: '0' })`, "option timeout must be at least 1ms and at most 7d: the timeout is the wait's hard stop"},
		{"timeout '0ms' refused", `room.wait({ timeout: '0ms' })`, "option timeout must be at least 1ms and at most 7d: the timeout is the wait's hard stop"},
		{"timeout 1e-7 refused", `room.wait({ timeout: 1e-7 })`, "option timeout must be at least 1ms and at most 7d: the timeout is the wait's hard stop"},
		{"fail reason a Symbol", `room.fail(Symbol('login'))`, "reason must be a string such as 'login' or 'sse', got a symbol"},
		{"progress 1ms", `room.wait({ progress: 1 })`, "option progress must be at least 1s and at most 7d, got 1ms"},
		{"huge progress", `room.wait({ progress: 1e300 })`, "option progress must be at least 1s and at most 7d, got the number 1e+300"},
		{"progress true", `room.wait({ progress: true })`, "option progress must be a duration"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			vu := newJSVU(t, `const room = new Barrier({ parties: 3, name: "`+uniqueName(t)+`" });`)
			vu.start(1)
			_, err := vu.rt.RunOnEventLoop(tc.code)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
			assert.Contains(t, err.Error(), "TypeError")
		})
	}
}

func TestJSInitContextRejectsIO(t *testing.T) {
	rt := modulestest.NewRuntime(t)
	require.NoError(t, rt.SetupModuleSystem(map[string]any{"k6/x/barrier": NewRootModule()}, nil, nil))
	_, err := rt.VU.Runtime().RunString(`const { Barrier } = require("k6/x/barrier");
		new Barrier({ parties: 1 }).join(1);`)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "join() can't be called in the init context")
}

// TestJSInProcessMet: joins from JS, the default id is the VU's global id, wait resolves with the
// design's fields, and the metrics are recorded with their tags.
func TestJSInProcessMet(t *testing.T) {
	name := uniqueName(t)
	vu := newJSVU(t, `const room = new Barrier({ parties: 3, name: "`+name+`" });`)
	vu.start(2)
	vu.run(t, `
		globalThis.first = await room.join();        // VU 2
		globalThis.again = await room.join(2);       // already joined
		await room.join(1);
		await room.fail("sse", 2);                   // already joined: changes nothing
		await room.join(3);
		globalThis.res = await room.wait({ timeout: "5s", progress: false });
		globalThis.st = await room.status();
	`)
	assert.Equal(t, true, vu.get("first").ToObject(vu.rt.VU.Runtime()).Get("counted").Export())
	again := vu.get("again").ToObject(vu.rt.VU.Runtime())
	assert.Equal(t, false, again.Get("counted").Export())
	assert.Equal(t, "joined", again.Get("previous").String())
	res := vu.get("res").Export().(map[string]any)
	assert.Equal(t, "met", res["outcome"])
	assert.Equal(t, name, res["name"])
	assert.EqualValues(t, 3, res["joined"])
	assert.EqualValues(t, 0, res["failed"])
	assert.EqualValues(t, 3, res["accounted"])
	assert.EqualValues(t, 3, res["parties"])
	assert.EqualValues(t, 3, res["quorum"])
	assert.Empty(t, res["missing"])
	assert.Contains(t, res, "waitedMs")
	assert.Equal(t, "met", vu.get("st").Export().(map[string]any)["outcome"])

	got := vu.drained()
	require.Len(t, got[MetricJoins], 3, "one barrier_joins sample per counted join")
	assert.Empty(t, got[MetricFailures], "a fail() after join counts nothing")
	require.Len(t, got[MetricWaitDuration], 1)
	tags := got[MetricWaitDuration][0].Tags.Map()
	assert.Equal(t, map[string]string{"scenario": "default", "barrier": name, "outcome": "met"}, tags)
	assert.Equal(t, metrics.Time, got[MetricWaitDuration][0].Metric.Contains)
}

// TestJSTimeoutIsBarrierError: the rejection is a BarrierError with every field and the one-line
// message, and barrier_wait_duration is recorded with outcome timeout.
func TestJSTimeoutIsBarrierError(t *testing.T) {
	name := uniqueName(t)
	vu := newJSVU(t, `const room = new Barrier({ parties: 6, name: "`+name+`" });`)
	vu.start(1)
	vu.run(t, `
		await room.join(1); await room.join(2); await room.join(4);
		await room.fail("login", 5);
		try {
			await room.wait({ timeout: "200ms", maxFailures: 1, quorum: 4, progress: false, abortOnFail: false });
		} catch (e) {
			globalThis.err = e;
			globalThis.isBarrierError = e instanceof BarrierError;
			globalThis.isError = e instanceof Error;
			globalThis.text = String(e);
		}
	`)
	assert.Equal(t, true, vu.get("isBarrierError").Export())
	assert.Equal(t, true, vu.get("isError").Export())
	e := vu.get("err").ToObject(vu.rt.VU.Runtime())
	msg := e.Get("message").String()
	assert.Equal(t, "barrier "+name+": timeout after 200ms: joined 3/6 (quorum 4), failed 1 (login=1), missing 2 (3, 6)", msg)
	assert.Equal(t, "BarrierError: "+msg, vu.get("text").String())
	assert.Equal(t, "timeout", e.Get("outcome").String())
	assert.Equal(t, name, e.Get("name").String())
	assert.EqualValues(t, 3, e.Get("joined").ToInteger())
	assert.EqualValues(t, 1, e.Get("failed").ToInteger())
	assert.EqualValues(t, 4, e.Get("accounted").ToInteger())
	assert.Equal(t, map[string]any{"login": int64(1)}, e.Get("failures").Export())
	assert.Equal(t, []any{int64(3), int64(6)}, e.Get("missing").Export())
	assert.GreaterOrEqual(t, e.Get("waitedMs").ToFloat(), 200.0)

	got := vu.drained()
	require.Len(t, got[MetricWaitDuration], 1)
	outcome, _ := got[MetricWaitDuration][0].Tags.Get("outcome")
	assert.Equal(t, "timeout", outcome)
	require.Len(t, got[MetricFailures], 1)
	reason, _ := got[MetricFailures][0].Tags.Get("reason")
	assert.Equal(t, "login", reason)
}

// TestJSFailFast: a failure beyond maxFailures rejects at once with outcome failed.
func TestJSFailFast(t *testing.T) {
	vu := newJSVU(t, `const room = new Barrier({ parties: 1000, name: "`+uniqueName(t)+`" });`)
	vu.start(1)
	vu.run(t, `
		await room.fail("login", 17);
		try { await room.wait({ timeout: "1h", progress: false, abortOnFail: false }); } catch (e) { globalThis.err = e; }
	`)
	e := vu.get("err").ToObject(vu.rt.VU.Runtime())
	assert.Equal(t, "failed", e.Get("outcome").String())
	assert.Contains(t, e.Get("message").String(), "failed 1 (login=1)")
}

// TestJSAbortedWhenVUStops: the VU context ending settles a wait as aborted and the iteration ends.
func TestJSAbortedWhenVUStops(t *testing.T) {
	vu := newJSVU(t, `const room = new Barrier({ parties: 10, name: "`+uniqueName(t)+`" });`)
	vu.start(1)
	time.AfterFunc(100*time.Millisecond, vu.rt.CancelContext)
	vu.run(t, `
		try { await room.wait({ progress: false }); } catch (e) { globalThis.err = e; }
	`)
	e := vu.get("err").ToObject(vu.rt.VU.Runtime())
	assert.Equal(t, "aborted", e.Get("outcome").String())
	assert.Contains(t, e.Get("message").String(), "aborted after")
	assertAbortRecorded(t, vu)
}

// TestJSAbortedWhenRuntimeInterrupted: when a test stops, k6 also interrupts the VU's runtime.
// Settling the aborted wait then must not run JavaScript (it would panic with the interrupt); the
// iteration ends with the interrupt and the wait is still recorded.
func TestJSAbortedWhenRuntimeInterrupted(t *testing.T) {
	vu := newJSVU(t, `const room = new Barrier({ parties: 10, name: "`+uniqueName(t)+`" });`)
	vu.start(1)
	time.AfterFunc(100*time.Millisecond, func() {
		vu.rt.CancelContext()
		vu.rt.VU.Runtime().Interrupt(context.Canceled)
	})
	_, err := vu.rt.RunOnEventLoop(`(async () => {
		try { await room.wait({ progress: false }); } catch (e) { globalThis.err = e; }
	})()`)
	if err != nil {
		assert.Contains(t, err.Error(), "context canceled")
	}
	assertAbortRecorded(t, vu)
}

// assertAbortRecorded checks that vu's aborted wait (10 parties, none joined) was recorded with
// outcome aborted and logged, since the script may not see the rejection.
func assertAbortRecorded(t *testing.T, vu *jsVU) {
	t.Helper()
	got := vu.drained()
	require.Len(t, got[MetricWaitDuration], 1, "an aborted wait is still recorded")
	outcome, _ := got[MetricWaitDuration][0].Tags.Get("outcome")
	assert.Equal(t, "aborted", outcome)
	last := vu.logs.LastEntry()
	require.NotNil(t, last, "the aborted wait is logged, since the script may not see it")
	assert.Contains(t, last.Message, "aborted after")
	assert.Contains(t, last.Message, "missing 10 (1, 2, 3")
}

// TestJSProgressLogs: progress lines go through the VU's logger.
func TestJSProgressLogs(t *testing.T) {
	vu := newJSVU(t, `const room = new Barrier({ parties: 2, name: "`+uniqueName(t)+`" });`)
	vu.start(1)
	vu.run(t, `
		await room.join(1);
		try { await room.wait({ timeout: "1300ms", progress: "1s", abortOnFail: false }); } catch (e) { globalThis.outcome = e.outcome; }
	`)
	entries := vu.logs.AllEntries()
	lines := make([]string, 0, len(entries))
	for _, e := range entries {
		lines = append(lines, e.Message)
	}
	assert.Equal(t, "timeout", vu.get("outcome").String())
	require.NotEmpty(t, lines, "no progress line logged")
	assert.Contains(t, lines[0], "joined 1/2, failed 0, missing 1 (2)")
}

// TestJSRedisMet: the same script on the Redis backend, two VUs (as two k6 instances would be).
func TestJSRedisMet(t *testing.T) {
	srv := redistest.New(t)
	runID := redistest.Prefix(t)
	t.Cleanup(func() { srv.Cleanup(t, "K6_BARRIER_*{"+runID+"}*") })
	init := fmt.Sprintf(`const room = new Barrier({ parties: 2, redis: %q, runId: %q });`, srv.URL, runID)
	a, b := newJSVU(t, init), newJSVU(t, init)
	a.start(1)
	b.start(2)
	done := make(chan error, 1)
	go func() {
		_, err := a.rt.RunOnEventLoop(`(async () => {
			globalThis.res = await room.wait({ timeout: "10s", progress: false });
		})()`)
		done <- err
	}()
	b.run(t, `await room.join(); await room.join(1);`)
	require.NoError(t, <-done)
	res := a.get("res").Export().(map[string]any)
	assert.Equal(t, "met", res["outcome"])
	assert.EqualValues(t, 2, res["joined"])
	n, err := srv.Client(t).SCard(t.Context(), "K6_BARRIER_JOINED:{"+runID+"}").Result()
	require.NoError(t, err)
	assert.EqualValues(t, 2, n, "the fix plan's key holds the joined ids")
}

// TestJSRedisErrorNamesAddressNotPassword: an unreachable Redis rejects with host:port and no
// password.
func TestJSRedisErrorNamesAddressNotPassword(t *testing.T) {
	port := redistest.ClosedPort(t)
	vu := newJSVU(t, `const room = new Barrier({ parties: 1, runId: "r", redis: "redis://k6:hunter2@127.0.0.1:`+port+`" });`)
	vu.start(1)
	vu.run(t, `try { await room.join(); } catch (e) {
		globalThis.msg = String(e);
		globalThis.plain = e instanceof Error && e.name === "Error" && !(e instanceof BarrierError) && e.value === undefined;
	}`)
	msg := vu.get("msg").String()
	assert.Contains(t, msg, "127.0.0.1:"+port)
	assert.NotContains(t, msg, "hunter2")
	assert.True(t, strings.HasPrefix(msg, "Error: barrier default: join 1: redis 127.0.0.1:"+port), msg)
	assert.Equal(t, true, vu.get("plain").Export(), "a Redis error reaches JS as a plain Error, not a GoError")
}

// TestJSInProcessIgnoresRunID: one process is one run. A runId made at init (here different per VU,
// as Date.now() would give) does not split the in-process barrier into one per VU.
func TestJSInProcessIgnoresRunID(t *testing.T) {
	name := uniqueName(t)
	a := newJSVU(t, `const room = new Barrier({ parties: 2, name: "`+name+`", runId: "run-1700000000001" });`)
	b := newJSVU(t, `const room = new Barrier({ parties: 2, name: "`+name+`", runId: "run-1700000000002" });`)
	a.start(1)
	b.start(2)
	done := make(chan error, 1)
	go func() {
		_, err := a.rt.RunOnEventLoop(`(async () => {
			await room.join();
			globalThis.res = await room.wait({ timeout: "10s", progress: false });
		})()`)
		done <- err
	}()
	b.run(t, `await room.join();`)
	require.NoError(t, <-done)
	assert.Equal(t, "met", a.get("res").ToObject(a.rt.VU.Runtime()).Get("outcome").String())
}

// TestJSDefaultIDOutsideParties: without a scenario (k6 gives none), the default id is the VU's id
// in the test; a VU whose id is beyond parties aborts the test, saying what to do, and nothing is
// counted.
func TestJSDefaultIDOutsideParties(t *testing.T) {
	name := uniqueName(t)
	vu := newJSVU(t, `const room = new Barrier({ parties: 3, name: "`+name+`" });`)
	vu.start(4)
	_, err := vu.rt.RunOnEventLoop(`room.join()`)
	assertAborted(t, err, "the default id, the VU's id in the test (exec.vu.idInTest), is 4, outside 1..3: "+
		"give the barrier parties at least the number of VUs of the test, or pass an id in 1..3")
	vu2 := newJSVU(t, `const room = new Barrier({ parties: 3, name: "`+name+`" });`)
	vu2.start(1)
	vu2.run(t, `globalThis.s = await room.status();`)
	assert.EqualValues(t, 0, vu2.get("s").ToObject(vu2.rt.VU.Runtime()).Get("accounted").ToInteger())
}
