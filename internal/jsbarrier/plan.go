package jsbarrier

import (
	"fmt"
	"math"
	"time"

	"go.k6.io/k6/v2/lib"

	"github.com/xk6-barrier/xk6-barrier/internal/durfmt"
)

// executorExternallyControlled is the executor whose VUs the user adds at will: k6's plan bounds
// nothing of it.
const executorExternallyControlled = "externally-controlled"

// testPlan is what k6's execution plan of the whole test says (every scenario, every instance,
// unscaled by this instance's execution segment): the most VUs it runs at once (planned and
// unplanned: an arrival-rate scenario's maxVUs), and when its last scenario ends, gracefulStop
// included. ok is false where the plan bounds nothing (no scenarios, as in unit tests; an
// externally-controlled scenario).
func testPlan(opts lib.Options) (maxVUs uint64, end time.Duration, ok bool) {
	if len(opts.Scenarios) == 0 {
		return 0, 0, false
	}
	for _, sc := range opts.Scenarios {
		if sc.GetType() == executorExternallyControlled {
			return 0, 0, false
		}
	}
	whole, err := lib.NewExecutionTuple(nil, nil)
	if err != nil {
		return 0, 0, false
	}
	steps := opts.Scenarios.GetFullExecutionRequirements(whole)
	end, _ = lib.GetEndOffset(steps)
	return lib.GetMaxPossibleVUs(steps), end, true
}

// checkPlan aborts the test at the first arrive() of a phase that can never be met: its quorum
// (need: the quorum, else the parties) is more than the VUs that the test ever runs at once.
func (b *jsBarrier) checkPlan(state *lib.State, o jsArriveOptions) {
	if b.planChecked {
		return
	}
	b.planChecked = true
	maxVUs, _, ok := testPlan(state.Options)
	if !ok {
		return
	}
	parties := b.core.Options().Parties
	need, what := parties, fmt.Sprintf("its %d parties", parties)
	switch {
	case o.Quorum > 0:
		need, what = o.Quorum, fmt.Sprintf("its quorum of %d", o.Quorum)
	case o.QuorumPercent > 0:
		need = int(math.Ceil(o.QuorumPercent * float64(parties) / 100))
		what = fmt.Sprintf("its quorum of %g%% (%d of %d parties)", o.QuorumPercent, need, parties)
	}
	if need <= 0 || uint64(need) <= maxVUs {
		return
	}
	b.abortTest(fmt.Sprintf("barrier %s: arrive(): a phase can never be met: it needs %s to arrive together, "+
		"but the test runs at most %d VUs at once (k6's plan: every scenario, every instance); give the "+
		"barrier parties of at most %d (or arrive() a quorum of at most %d), or the test more VUs",
		b.name, what, maxVUs, maxVUs, maxVUs))
}

// warnTTL warns, once per barrier and process, when the barrier's ttl is shorter than k6's plan of
// the test: its keys could expire while the test still uses them.
func (b *jsBarrier) warnTTL(state *lib.State) {
	_, end, ok := testPlan(state.Options)
	ttl := b.core.Options().TTL
	if !ok || ttl >= end || state.Logger == nil {
		return
	}
	if _, done := b.mi.warned.LoadOrStore("ttl:"+b.name, true); done {
		return
	}
	state.Logger.WithField("barrier", b.name).Warnf("barrier %s: its ttl of %s is shorter than the test, "+
		"which k6 plans to last up to %s: its keys may expire while the test uses them; give a longer ttl, "+
		"e.g. ttl: '24h' (a number is milliseconds: ttl: 3600 is 3.6s)",
		b.name, durfmt.Format(ttl), durfmt.Format(end))
}
