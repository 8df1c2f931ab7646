package jsbarrier

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"go.k6.io/k6/v2/lib"
)

// TestJSDefaultIDBesideController: 30 users join() without an id beside a controller scenario of 1
// VU that waits, k6 handing the 31 VU ids to the two scenarios in any order: the users are 1..30
// every time, and the wait is met, in 20 runs of 20 (each with its own order).
func TestJSDefaultIDBesideController(t *testing.T) {
	for run := range 20 {
		m := newK6Model(t, "per-vu-iterations")
		ids := rand.Perm(31)
		users := make([]uint64, 30)
		for i := range users {
			users[i] = uint64(ids[i] + 1)
		}
		controllerID := uint64(ids[30] + 1)
		init := `const room = new Barrier({ parties: 30, name: "` + uniqueName(t) + `" });`
		controller := m.vusIn(t, &lib.ScenarioState{Name: "controller", Executor: "per-vu-iterations", StartTime: time.Now()},
			[]uint64{controllerID}, init)[0]
		uvus := m.vusIn(t, m.ss, users, init)
		controller.startIteration()
		waited := make(chan error, 1)
		go func() {
			_, err := controller.rt.RunOnEventLoop(`(async () => { globalThis.res = await room.wait({ timeout: "20s", progress: false }); })()`)
			waited <- err
		}()
		iterate(t, uvus, `globalThis.joined = await room.join();`)
		require.NoError(t, <-waited, "run %d: controller VU %d", run+1, controllerID)
		res := jsObj(controller.jsVU, "res")
		assert.Equal(t, "met", res.Get("outcome").String(), "run %d", run+1)
		assert.EqualValues(t, 30, res.Get("joined").ToInteger())
		for _, vu := range uvus {
			assert.True(t, jsObj(vu.jsVU, "joined").Get("counted").ToBoolean(), "run %d: each user is counted once", run+1)
		}
	}
}

// TestJSDefaultIDInSetup: setup() and teardown() run in no scenario (k6 gives them VU id 0): a call
// without an id there aborts the test, asking for one; with an id it counts.
func TestJSDefaultIDInSetup(t *testing.T) {
	vu := newJSVU(t, `const room = new Barrier({ parties: 3, name: "`+uniqueName(t)+`" });`)
	vu.start(0)
	_, err := vu.rt.RunOnEventLoop(`room.join()`)
	assertAborted(t, err, "join() without an id in setup() or teardown(): they run outside every scenario, "+
		"so no VU number can be the id; pass one, e.g. join(1) (ids are 1..3)")
	vu2 := newJSVU(t, `const room = new Barrier({ parties: 3, name: "`+uniqueName(t)+`" });`)
	vu2.start(0)
	vu2.run(t, `globalThis.r = await room.join(2);`)
	assert.True(t, vu2.get("r").ToObject(vu2.rt.VU.Runtime()).Get("counted").ToBoolean())
}

// TestJSDefaultIDBeyondScenario: a scenario with more VUs than the barrier's parties: the VU
// numbered beyond parties aborts the test, naming the scenario, its number and the parties.
func TestJSDefaultIDBeyondScenario(t *testing.T) {
	m := newK6Model(t, "constant-vus")
	vus := m.vus(t, 3, `const room = new Barrier({ parties: 2, name: "`+uniqueName(t)+`" });`)
	for _, vu := range vus {
		vu.startIteration()
	}
	vus[0].run(t, `await room.join();`)
	vus[1].run(t, `await room.join();`)
	_, err := vus[2].rt.RunOnEventLoop(`room.join()`)
	assertAborted(t, err, `join(): the default id, the VU's number within its scenario "users", is 3, outside 1..2`)
}
