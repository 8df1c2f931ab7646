package jsbarrier

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/guregu/null.v3"

	"go.k6.io/k6/v2/lib"
	"go.k6.io/k6/v2/lib/executor"
	"go.k6.io/k6/v2/lib/types"
)

// scenarios returns the options of a test of 20 constant VUs for a minute beside 1 controller VU
// (per-vu-iterations), as k6 gives them to a VU.
func scenarios() lib.Options {
	users := executor.NewConstantVUsConfig("users")
	users.VUs = null.IntFrom(20)
	users.Duration = types.NullDurationFrom(time.Minute)
	controller := executor.NewPerVUIterationsConfig("controller")
	controller.MaxDuration = types.NullDurationFrom(time.Minute)
	return lib.Options{Scenarios: lib.ScenarioConfigs{"users": users, "controller": controller}}
}

// TestJSPhaseNeverMet: a rendezvous whose phases need more VUs than the test ever runs at once
// (k6's plan: 21 here) aborts the test at its first arrive(), naming both numbers; a quorum that
// fits goes on.
func TestJSPhaseNeverMet(t *testing.T) {
	tests := []struct {
		name, parties, arrive, want string
	}{
		{"parties", "50", `room.arrive({ id: 1 })`, "a phase can never be met: it needs its 50 parties to arrive together, " +
			"but the test runs at most 21 VUs at once (k6's plan: every scenario, every instance)"},
		{"quorum", "50", `room.arrive({ id: 1, quorum: 30 })`, "it needs its quorum of 30 to arrive together, but the test runs at most 21 VUs"},
		{"quorum percent", "50", `room.arrive({ id: 1, quorum: '50%' })`, "it needs its quorum of 50% (25 of 50 parties)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			vu := newJSVU(t, `const room = new Barrier({ parties: `+tc.parties+`, name: "`+uniqueName(t)+`" });`)
			vu.startWith(1, scenarios())
			start := time.Now()
			_, err := vu.rt.RunOnEventLoop(`try { ` + tc.arrive + ` } catch (e) { globalThis.caught = e; }`)
			assertAborted(t, err, tc.want)
			assert.Less(t, time.Since(start), time.Second, "at once, not at a timeout")
		})
	}
	t.Run("a quorum that fits", func(t *testing.T) {
		vu := newJSVU(t, `const room = new Barrier({ parties: 50, name: "`+uniqueName(t)+`" });`)
		vu.startWith(1, scenarios())
		vu.run(t, `globalThis.res = await room.arrive({ id: 1, quorum: 1, progress: false });`)
		assert.Equal(t, "released", jsObj(vu, "res").Get("outcome").String())
	})
	t.Run("an arrival-rate scenario counts its maxVUs", func(t *testing.T) {
		opts := scenarios()
		rate := executor.NewConstantArrivalRateConfig("rate")
		rate.PreAllocatedVUs, rate.MaxVUs = null.IntFrom(5), null.IntFrom(29)
		rate.Duration = types.NullDurationFrom(time.Minute)
		opts.Scenarios["rate"] = rate
		vu := newJSVU(t, `const room = new Barrier({ parties: 50, name: "`+uniqueName(t)+`" });`)
		vu.startWith(1, opts)
		vu.run(t, `globalThis.res = await room.arrive({ id: 1, quorum: 1, progress: false });`)
		assert.Equal(t, "released", jsObj(vu, "res").Get("outcome").String(), "50 VUs at once: 20 + 1 + 29")
	})
}

// TestJSTTLShorterThanTest: ttl: 3600 is 3.6 s (k6 reads numbers as milliseconds), shorter than the
// test's minute and a half (a minute plus gracefulStop): the first use warns, once per process.
func TestJSTTLShorterThanTest(t *testing.T) {
	m := newK6Model(t, "constant-vus")
	name := uniqueName(t)
	vus := m.vus(t, 3, `const room = new Barrier({ parties: 3, ttl: 3600, name: "`+name+`" });`)
	var warnings []string
	for _, vu := range vus {
		vu.startWith(1, scenarios())
		vu.startIteration()
		vu.run(t, `await room.status();`)
		for _, e := range vu.logs.AllEntries() {
			if strings.Contains(e.Message, "ttl") {
				warnings = append(warnings, e.Message)
			}
		}
	}
	require.Len(t, warnings, 1, "once per process: %q", warnings)
	assert.Equal(t, "barrier "+name+": its ttl of 3.6s is shorter than the test, which k6 plans to last up to 1m30s: "+
		"its keys may expire while the test uses them; give a longer ttl, e.g. ttl: '24h' (a number is milliseconds: "+
		"ttl: 3600 is 3.6s)", warnings[0])
}
