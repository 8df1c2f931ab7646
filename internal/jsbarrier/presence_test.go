package jsbarrier

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// k6 tells the extension each VU's iteration start through its per-VU events, whose types a test
// outside k6 cannot build: these tests tell a VU's presence directly what k6 would (an iteration
// started with its context, which ends with the iteration), and run the rest as k6 does.

// endIteration is the end of a VU's iteration; again says whether k6 starts another one at once.
func (v *jsVU) endIteration(t *testing.T, again bool) {
	t.Helper()
	p := v.mi.presence
	require.NotNil(t, p, "the VU never arrived")
	p.mu.Lock()
	gen := p.gen
	p.mu.Unlock()
	p.iterEnded(gen)
	if again {
		p.iterStarted(context.Background())
	}
}

// arriveOn runs code on vus concurrently and returns how long it took.
func arriveOn(t *testing.T, vus []*jsVU, code string) time.Duration {
	t.Helper()
	start := time.Now()
	var wg sync.WaitGroup
	errs := make([]error, len(vus))
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
	return time.Since(start)
}

// TestJSRampDownLeaves: 4 VUs meet at phase 0; a ramp-down stops VUs 3 and 4 (their iteration ends
// and k6 starts none). The 2 that go on are released together at phase 1, without waiting out the
// timeout, and the result counts 2 parties.
func TestJSRampDownLeaves(t *testing.T) {
	for be, backend := range jsRendezvousBackends(t) {
		t.Run(be, func(t *testing.T) {
			vus := runVUs(t, 4, `const room = new Barrier({ parties: 4, name: "`+uniqueName(t)+`"`+backend.extra+` });`,
				`await room.arrive({ timeout: "10s" });`)
			vus[0].endIteration(t, true)
			vus[1].endIteration(t, true)
			vus[2].endIteration(t, false)
			vus[3].endIteration(t, false)
			took := arriveOn(t, vus[:2], `globalThis.res = await room.arrive({ timeout: "10s" });`)
			assert.Less(t, took, 5*time.Second, "released by the leaves, not at the timeout")
			for _, vu := range vus[:2] {
				res := jsObj(vu, "res")
				assert.Equal(t, "released", res.Get("outcome").String())
				assert.EqualValues(t, 1, res.Get("phase").ToInteger())
				assert.EqualValues(t, 2, res.Get("parties").ToInteger())
				assert.EqualValues(t, 2, res.Get("left").ToInteger())
			}
			t.Logf("phase 1 released %s after the ramp-down", took)
		})
	}
}

// TestJSScenarioEndLeaves: at the end of a duration (constant-vus) or of its iterations
// (per-vu-iterations), k6 runs no further iteration of any VU. VU 1 arrived at the last phase;
// VUs 2 and 3 were sleeping after their arrival and end their iterations: VU 1 is released, the
// scenario does not wait out the phase's timeout (or gracefulStop).
func TestJSScenarioEndLeaves(t *testing.T) {
	for be, backend := range jsRendezvousBackends(t) {
		t.Run(be, func(t *testing.T) {
			vus := runVUs(t, 3, `const room = new Barrier({ parties: 3, name: "`+uniqueName(t)+`"`+backend.extra+` });`,
				`await room.arrive({ timeout: "20s" });`)
			vus[0].endIteration(t, true)
			done := make(chan time.Duration, 1)
			go func() { done <- arriveOn(t, vus[:1], `globalThis.res = await room.arrive({ timeout: "20s" });`) }()
			time.Sleep(200 * time.Millisecond) // VU 1 waits at phase 1
			ended := time.Now()
			vus[1].endIteration(t, false)
			vus[2].endIteration(t, false)
			<-done
			took := time.Since(ended)
			assert.Less(t, took, 3*time.Second, "released by the leaves, not at the timeout")
			res := jsObj(vus[0], "res")
			assert.Equal(t, "released", res.Get("outcome").String())
			assert.EqualValues(t, 1, res.Get("phase").ToInteger())
			assert.EqualValues(t, 1, res.Get("parties").ToInteger())
			t.Logf("the last phase released %s after the other VUs' last iteration ended", took)
		})
	}
}

// TestJSNextIterationStays: a VU whose iteration ends and that k6 runs again at once (even after an
// iteration that threw between two phases) does not leave: the next phase still waits for it.
func TestJSNextIterationStays(t *testing.T) {
	vus := runVUs(t, 2, `const room = new Barrier({ parties: 2, name: "`+uniqueName(t)+`" });`,
		`await room.arrive({ timeout: "1s" });`) // one rule for every arrive() of the barrier
	vus[0].endIteration(t, true)
	vus[1].endIteration(t, true)
	time.Sleep(2 * leaveGrace)
	_, err := vus[0].rt.RunOnEventLoop(`room.arrive({ timeout: "1s" }).then(() => { globalThis.outcome = "released"; }, (e) => { globalThis.outcome = e.outcome; })`)
	require.NoError(t, err)
	assert.Equal(t, "timeout", vus[0].get("outcome").String(), "released without VU 2, which goes on")
}

// TestPresenceLateIterationEnd: the end of an iteration that k6 reports after the next iteration
// started (its context's AfterFunc ran late) changes nothing; the end of the current one leaves.
func TestPresenceLateIterationEnd(t *testing.T) {
	vus := runVUs(t, 1, `const room = new Barrier({ parties: 2, name: "`+uniqueName(t)+`" });`,
		`globalThis.p = room.arrive({ timeout: "1s" }).catch(() => {});`)
	p := vus[0].mi.presence
	first, endFirst := context.WithCancel(context.Background())
	second, endSecond := context.WithCancel(context.Background())
	p.iterStarted(first)
	p.iterStarted(second)
	endFirst()
	time.Sleep(2 * leaveGrace)
	p.mu.Lock()
	assert.NotEmpty(t, p.joined, "left on the end of an iteration that was not the last")
	assert.Nil(t, p.timer)
	p.mu.Unlock()
	endSecond()
	require.Eventually(t, func() bool {
		p.mu.Lock()
		defer p.mu.Unlock()
		return len(p.joined) == 0
	}, 5*time.Second, 10*time.Millisecond, "never left after its last iteration ended")
}
