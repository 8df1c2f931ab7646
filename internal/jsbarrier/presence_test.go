package jsbarrier

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"go.k6.io/k6/v2/js/modulestest"
	"go.k6.io/k6/v2/lib"
	"go.k6.io/k6/v2/metrics"
)

// k6Model plays, for the VUs of one k6 process, what k6 v2.2.0 does that this extension sees
// (internal/js/runner.go and lib/executor): an executor activates a VU with a run context that
// carries k6's ExecutionState and the scenario's ScenarioState; each iteration's context is a child
// of it, which k6 sets as the VU's context before it emits IterStart (k6's per-VU event, whose
// types a test outside k6 cannot build: the model tells the VU's presence directly, as the
// module's subscriber does) and ends when the iteration ends; a deactivation ends the run context.
// k6 counts a VU as active from its activation to its deactivation under the closed-model
// executors, and while it runs an iteration under the arrival-rate ones.
type k6Model struct {
	es       *lib.ExecutionState
	ss       *lib.ScenarioState
	progress atomic.Int64 // the scenario's progress in percent, as its ProgressFn says
	root     *RootModule
}

// modelVU is one VU of a k6Model.
type modelVU struct {
	*jsVU
	m          *k6Model
	ss         *lib.ScenarioState
	runCtx     context.Context
	deactivate context.CancelFunc
	endIter    context.CancelFunc
}

// newK6Model returns a k6 process running one scenario of executor.
func newK6Model(t *testing.T, executor string) *k6Model {
	t.Helper()
	et, err := lib.NewExecutionTuple(nil, nil)
	require.NoError(t, err)
	m := &k6Model{es: lib.NewExecutionState(&lib.TestRunState{}, et, 0, 0), root: &RootModule{}}
	m.ss = &lib.ScenarioState{Name: "users", Executor: executor, StartTime: time.Now(),
		ProgressFn: func() (float64, []string) { return float64(m.progress.Load()) / 100, nil }}
	return m
}

func (m *k6Model) arrivalRate() bool { return arrivalRate(m.ss) }

// vus initializes n VUs (ids 1..n) of a script whose init code is initCode, and activates them in
// the model's scenario.
func (m *k6Model) vus(t *testing.T, n int, initCode string) []*modelVU {
	t.Helper()
	ids := make([]uint64, n)
	for i := range ids {
		ids[i] = uint64(i + 1)
	}
	return m.vusIn(t, m.ss, ids, initCode)
}

// vusIn initializes the VUs of ids (their ids in the test) of a script whose init code is initCode,
// and activates them in the scenario ss.
func (m *k6Model) vusIn(t *testing.T, ss *lib.ScenarioState, ids []uint64, initCode string) []*modelVU {
	t.Helper()
	vus := make([]*modelVU, len(ids))
	for i, id := range ids {
		rt := modulestest.NewRuntime(t)
		v := &jsVU{rt: rt}
		root := m.root
		root.onInstance = func(mi *ModuleInstance) { v.mi = mi }
		require.NoError(t, rt.SetupModuleSystem(map[string]any{"k6/x/barrier": root}, nil, nil))
		_, err := rt.VU.Runtime().RunString(`const { Barrier, BarrierError } = require("k6/x/barrier");` + initCode)
		require.NoError(t, err)
		v.samples = make(chan metrics.SampleContainer, 10000)
		v.start(id)
		vus[i] = &modelVU{jsVU: v, m: m, ss: ss}
		vus[i].activate(t)
	}
	return vus
}

// activate is an executor's activation of the VU.
func (v *modelVU) activate(t *testing.T) {
	ctx := lib.WithScenarioState(lib.WithExecutionState(context.Background(), v.m.es), v.ss)
	v.runCtx, v.deactivate = context.WithCancel(ctx)
	t.Cleanup(v.deactivate)
	v.rt.VU.CtxField = v.runCtx
	if !v.m.arrivalRate() {
		v.m.es.ModCurrentlyActiveVUsCount(1)
	}
}

// stop is the VU's deactivation (its run context ends, then k6 uncounts it).
func (v *modelVU) stop() {
	v.deactivate()
	if !v.m.arrivalRate() {
		v.m.es.ModCurrentlyActiveVUsCount(-1)
	}
}

// startIteration is k6's RunOnce up to the iteration's function.
func (v *modelVU) startIteration() {
	if v.m.arrivalRate() {
		v.m.es.ModCurrentlyActiveVUsCount(1)
	}
	var ctx context.Context
	ctx, v.endIter = context.WithCancel(v.runCtx)
	v.rt.VU.CtxField = ctx
	v.mi.presence.iterStarted(ctx)
}

// endIteration is the end of the iteration's function: k6 cancels the iteration's context.
func (v *modelVU) endIteration() {
	v.endIter()
	if v.m.arrivalRate() {
		v.m.es.ModCurrentlyActiveVUsCount(-1)
	}
}

// iterate runs code as one iteration of each VU, concurrently, and returns how long it took.
func iterate(t *testing.T, vus []*modelVU, code string) time.Duration {
	t.Helper()
	for _, v := range vus {
		v.startIteration()
	}
	took := runAll(t, vus, code)
	for _, v := range vus {
		v.endIteration()
	}
	return took
}

// runAll runs code on each VU, concurrently, in the iteration under way, and returns how long it took.
func runAll(t *testing.T, vus []*modelVU, code string) time.Duration {
	t.Helper()
	start := time.Now()
	var wg sync.WaitGroup
	errs := make([]error, len(vus))
	for i, v := range vus {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = v.rt.RunOnEventLoop(`(async () => {` + code + `})()`)
		}()
	}
	wg.Wait()
	for i := range vus {
		require.NoError(t, errs[i], "VU %d", i+1)
	}
	return time.Since(start)
}

// assertPhase asserts the result res of a VU's arrive().
func assertPhase(t *testing.T, vu *modelVU, outcome string, phase, parties int) {
	t.Helper()
	res := jsObj(vu.jsVU, "res")
	assert.Equal(t, outcome, res.Get("outcome").String())
	assert.EqualValues(t, phase, res.Get("phase").ToInteger())
	assert.EqualValues(t, parties, res.Get("parties").ToInteger())
}

const arriveRes = `globalThis.res = await room.arrive({ timeout: "20s", progress: false });`

func roomInit(t *testing.T, parties string, backend jsBackend) string {
	return `const room = new Barrier({ parties: ` + parties + `, name: "` + uniqueName(t) + `"` + backend.extra + ` });`
}

// TestJSRampDownLeaves (ramping-vus, a graceful ramp-down): 4 VUs meet at phase 0; k6 then
// deactivates VUs 3 and 4 after their iteration. The 2 that go on are released together at phase 1
// with 2 parties, without waiting out the timeout.
func TestJSRampDownLeaves(t *testing.T) {
	for be, backend := range jsRendezvousBackends(t) {
		t.Run(be, func(t *testing.T) {
			m := newK6Model(t, "ramping-vus")
			vus := m.vus(t, 4, roomInit(t, "4", backend))
			iterate(t, vus, arriveRes)
			vus[2].stop()
			vus[3].stop()
			took := iterate(t, vus[:2], arriveRes)
			assert.Less(t, took, 10*time.Second, "released by the leaves, not at the timeout")
			for _, vu := range vus[:2] {
				assertPhase(t, vu, "released", 1, 2)
				assert.EqualValues(t, 2, jsObj(vu.jsVU, "res").Get("left").ToInteger())
			}
			t.Logf("phase 1 released %s after the ramp-down", took)
		})
	}
}

// TestJSLateIterationStays (a loaded machine): k6 starts a VU's next iteration 1.5 s after its last
// one (three times the old half-second guess). The VU is still active in k6's account, so it does
// not leave: the next phase waits for it and releases both VUs with 2 parties.
func TestJSLateIterationStays(t *testing.T) {
	for be, backend := range jsRendezvousBackends(t) {
		t.Run(be, func(t *testing.T) {
			m := newK6Model(t, "constant-vus")
			vus := m.vus(t, 2, roomInit(t, "2", backend))
			iterate(t, vus, arriveRes)
			done := make(chan struct{})
			go func() { defer close(done); iterate(t, vus[:1], arriveRes) }()
			time.Sleep(1500 * time.Millisecond)
			iterate(t, vus[1:], arriveRes)
			<-done
			for _, vu := range vus {
				assertPhase(t, vu, "released", 1, 2)
				assert.EqualValues(t, 2, jsObj(vu.jsVU, "res").Get("arrived").ToInteger())
			}
		})
	}
}

// TestJSScenarioEndLeaves (per-vu-iterations: its iterations done; constant-vus: its duration
// over): VU 1 waits at phase 1; VUs 2 and 3 end their last iteration and k6 deactivates them: VU
// 1 is released with 1 party, without waiting out the phase's timeout.
func TestJSScenarioEndLeaves(t *testing.T) {
	for be, backend := range jsRendezvousBackends(t) {
		t.Run(be, func(t *testing.T) {
			m := newK6Model(t, "per-vu-iterations")
			vus := m.vus(t, 3, roomInit(t, "3", backend))
			for _, vu := range vus {
				vu.startIteration()
			}
			runAll(t, vus, arriveRes) // phase 0: the last of VUs 2 and 3
			vus[0].endIteration()
			done := make(chan time.Duration, 1)
			go func() { done <- iterate(t, vus[:1], arriveRes) }()
			time.Sleep(200 * time.Millisecond) // VU 1 waits at phase 1
			for _, vu := range vus[1:] {
				vu.endIteration()
				vu.stop()
			}
			took := <-done
			assert.Less(t, took, 10*time.Second, "released by the leaves, not at the timeout")
			assertPhase(t, vus[0], "released", 1, 1)
		})
	}
}

// TestJSDeactivatedWhileWaiting (a hard stop: the end of a duration plus gracefulStop, a hard
// ramp-down): k6 ends VU 3's run context while it waits in arrive(). It leaves at once: VUs 1 and
// 2 are released with 2 parties.
func TestJSDeactivatedWhileWaiting(t *testing.T) {
	for be, backend := range jsRendezvousBackends(t) {
		t.Run(be, func(t *testing.T) {
			m := newK6Model(t, "constant-vus")
			vus := m.vus(t, 3, roomInit(t, "3", backend))
			vus[2].startIteration()
			stopped := make(chan error, 1)
			go func() {
				_, err := vus[2].rt.RunOnEventLoop(`room.arrive({ timeout: "20s", progress: false }).catch(() => {})`) // arriveRes's rule
				stopped <- err
			}()
			time.Sleep(200 * time.Millisecond) // VU 3 waits at phase 0
			vus[2].stop()
			require.NoError(t, <-stopped)
			took := iterate(t, vus[:2], arriveRes)
			assert.Less(t, took, 10*time.Second)
			for _, vu := range vus[:2] {
				assertPhase(t, vu, "released", 0, 2)
			}
		})
	}
}

// TestJSArrivalRateGate (constant-arrival-rate, ramping-arrival-rate): a VU waiting for its next
// start still takes part. VU 2 waits a second for its next iteration while VU 1 waits at phase 1:
// phase 1 waits for it, then releases both with 2 parties. When k6's progress of the scenario
// reaches its end, an idle participant leaves: VUs 1 and 2, in iterations started before the end,
// are released at phase 2 without VU 3.
func TestJSArrivalRateGate(t *testing.T) {
	for be, backend := range jsRendezvousBackends(t) {
		t.Run(be, func(t *testing.T) {
			m := newK6Model(t, executorConstantArrivalRate)
			vus := m.vus(t, 3, roomInit(t, "3", backend))
			iterate(t, vus, arriveRes)
			done := make(chan struct{})
			go func() { defer close(done); iterate(t, vus[:1], arriveRes) }()
			time.Sleep(time.Second)
			select {
			case <-done:
				t.Fatal("phase 1 released without VUs 2 and 3, which wait for their next start")
			default:
			}
			iterate(t, vus[1:], arriveRes)
			<-done
			for _, vu := range vus {
				assertPhase(t, vu, "released", 1, 3)
			}
			for _, vu := range vus[:2] {
				vu.startIteration()
			}
			m.progress.Store(100) // the scenario's duration is over: k6 starts no more iterations
			took := runAll(t, vus[:2], arriveRes)
			assert.Less(t, took, 10*time.Second, "released by VU 3's leave, not at the timeout")
			for _, vu := range vus[:2] {
				assertPhase(t, vu, "released", 2, 2)
			}
		})
	}
}
