package executor

import (
	"testing"
	"time"

	"gopkg.in/guregu/null.v3"

	"go.k6.io/k6/v2/lib"
	"go.k6.io/k6/v2/lib/types"
)

// TestFullExecutionRequirements: the test's plan adds up the scenarios that run at once, and only
// those: 30 users and 1 controller at once is 31 VUs; an arrival-rate scenario counts its maxVUs; a
// scenario that starts after the others ended adds nothing to the most VUs at once.
func TestFullExecutionRequirements(t *testing.T) {
	t.Parallel()
	et, err := lib.NewExecutionTuple(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	users := NewConstantVUsConfig("users")
	users.VUs = null.IntFrom(30)
	users.Duration = types.NullDurationFrom(time.Minute)
	controller := NewPerVUIterationsConfig("controller")
	rate := NewConstantArrivalRateConfig("rate")
	rate.PreAllocatedVUs, rate.MaxVUs = null.IntFrom(5), null.IntFrom(20)
	rate.Duration = types.NullDurationFrom(time.Minute)
	rate.StartTime = types.NullDurationFrom(20 * time.Minute)

	tests := []struct {
		name              string
		scenarios         lib.ScenarioConfigs
		possible, planned uint64
		end               time.Duration
	}{
		{"users and a controller", lib.ScenarioConfigs{"users": users, "controller": controller}, 31, 31,
			10*time.Minute + 30*time.Second},
		{"a later arrival-rate scenario", lib.ScenarioConfigs{"users": users, "controller": controller, "rate": rate},
			31, 31, 21*time.Minute + 30*time.Second},
	}
	for _, tc := range tests {
		steps := tc.scenarios.GetFullExecutionRequirements(et)
		end, final := lib.GetEndOffset(steps)
		if got := lib.GetMaxPossibleVUs(steps); got != tc.possible {
			t.Errorf("%s: GetMaxPossibleVUs %d, want %d", tc.name, got, tc.possible)
		}
		if got := lib.GetMaxPlannedVUs(steps); got != tc.planned {
			t.Errorf("%s: GetMaxPlannedVUs %d, want %d", tc.name, got, tc.planned)
		}
		if end != tc.end || !final {
			t.Errorf("%s: GetEndOffset %s %v, want %s true", tc.name, end, final, tc.end)
		}
	}
	at := *rate
	at.StartTime = types.NullDuration{}
	steps := lib.ScenarioConfigs{"users": users, "rate": &at}.GetFullExecutionRequirements(et)
	if got := lib.GetMaxPossibleVUs(steps); got != 50 {
		t.Errorf("users with an arrival-rate scenario at once: GetMaxPossibleVUs %d, want 50 (30 + maxVUs 20)", got)
	}
}
