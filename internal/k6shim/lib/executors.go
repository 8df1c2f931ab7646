package lib

import (
	"sort"
	"strings"
	"time"
)

// ExecutionStep is one step of an execution plan: from TimeOffset on, PlannedVUs VUs are planned,
// and up to MaxUnplannedVUs more may be initialized during the test (the arrival-rate executors).
type ExecutionStep struct {
	TimeOffset      time.Duration
	PlannedVUs      uint64
	MaxUnplannedVUs uint64
}

// ScenarioOptions are options specific to a scenario (k6 browser options).
type ScenarioOptions struct {
	Browser map[string]any `json:"browser"`
}

// ExecutorConfig is a scenario's configuration. k6's interface has more methods (Validate,
// GetEnv, GetExec, GetTags, IsDistributable, GetScenarioOptions, GetDescription, NewExecutor,
// HasWork); the shim holds those this project calls. Implement it nowhere but in the shim's
// lib/executor, whose configs are k6's: a type of this project's would then not build against k6.
type ExecutorConfig interface {
	GetName() string
	GetType() string
	GetStartTime() time.Duration
	GetGracefulStop() time.Duration

	// GetExecutionRequirements calculates the VU requirements of the scenario over time, for the
	// part of the test that et describes, gracefulStop and ramp-downs included.
	GetExecutionRequirements(et *ExecutionTuple) []ExecutionStep
}

// ScenarioConfigs are the test's scenarios by name (Options.Scenarios; k6 derives one from the
// vus/duration/iterations/stages shortcuts).
type ScenarioConfigs map[string]ExecutorConfig

// GetSortedConfigs returns the scenarios sorted by start time, then name.
func (scs ScenarioConfigs) GetSortedConfigs() []ExecutorConfig {
	configs := make([]ExecutorConfig, 0, len(scs))
	for _, c := range scs {
		configs = append(configs, c)
	}
	sort.Slice(configs, func(a, b int) bool {
		sa, sb := configs[a].GetStartTime(), configs[b].GetStartTime()
		if sa != sb {
			return sa < sb
		}
		return strings.Compare(configs[a].GetName(), configs[b].GetName()) < 0
	})
	return configs
}

// GetFullExecutionRequirements combines every scenario's requirements, shifted by its start time,
// into the test's: at each time offset where a scenario's step begins, the sum over the scenarios of
// their current planned and unplanned VUs (a step equal to the one before is left out).
func (scs ScenarioConfigs) GetFullExecutionRequirements(et *ExecutionTuple) []ExecutionStep {
	type tracked struct {
		ExecutionStep
		config int
	}
	var all []tracked
	for i, c := range scs.GetSortedConfigs() {
		for _, s := range c.GetExecutionRequirements(et) {
			s.TimeOffset += c.GetStartTime()
			all = append(all, tracked{s, i})
		}
	}
	sort.SliceStable(all, func(a, b int) bool {
		if all[a].TimeOffset == all[b].TimeOffset {
			return all[a].config < all[b].config
		}
		return all[a].TimeOffset < all[b].TimeOffset
	})
	planned := make([]uint64, len(scs))
	unplanned := make([]uint64, len(scs))
	var steps []ExecutionStep
	for _, s := range all {
		planned[s.config], unplanned[s.config] = s.PlannedVUs, s.MaxUnplannedVUs
		var p, u uint64
		for i := range planned {
			p += planned[i]
			u += unplanned[i]
		}
		if n := len(steps); n == 0 || steps[n-1].PlannedVUs != p || steps[n-1].MaxUnplannedVUs != u {
			steps = append(steps, ExecutionStep{TimeOffset: s.TimeOffset, PlannedVUs: p, MaxUnplannedVUs: u})
		}
	}
	return steps
}

// GetMaxPlannedVUs returns the most planned VUs of any step.
func GetMaxPlannedVUs(steps []ExecutionStep) (result uint64) {
	for _, s := range steps {
		result = max(result, s.PlannedVUs)
	}
	return result
}

// GetMaxPossibleVUs returns the most planned plus unplanned VUs of any step: the most VUs the plan
// may run at once.
func GetMaxPossibleVUs(steps []ExecutionStep) (result uint64) {
	for _, s := range steps {
		result = max(result, s.PlannedVUs+s.MaxUnplannedVUs)
	}
	return result
}

// GetEndOffset returns the time offset of the plan's last step, and whether that step is a final
// one (no VUs, planned or unplanned).
func GetEndOffset(steps []ExecutionStep) (lastStepOffset time.Duration, isFinal bool) {
	if len(steps) == 0 {
		return 0, true
	}
	last := steps[len(steps)-1]
	return last.TimeOffset, last.PlannedVUs == 0 && last.MaxUnplannedVUs == 0
}
