package lib

import (
	"sync/atomic"
	"time"
)

// ExecutionState is the state of a test run that k6 shares with the executors and modules (the
// shim holds the VU counters that this project reads). k6 counts a VU as active from the moment an
// executor activates it until the executor deactivates it (the closed-model executors: constant-vus,
// ramping-vus, per-vu-iterations, shared-iterations), or, for the arrival-rate executors, while the VU
// runs an iteration.
type ExecutionState struct {
	// Test is the state of the test run.
	Test *TestRunState
	// ExecutionTuple is this instance's execution segment in its sequence.
	ExecutionTuple *ExecutionTuple

	activeVUs      *int64
	initializedVUs *int64
}

// NewExecutionState returns an ExecutionState with zero counters.
func NewExecutionState(
	testRunState *TestRunState, et *ExecutionTuple, maxPlannedVUs, maxPossibleVUs uint64,
) *ExecutionState {
	_, _ = maxPlannedVUs, maxPossibleVUs // k6 sizes its VU buffer with them; the shim keeps no buffer
	return &ExecutionState{Test: testRunState, ExecutionTuple: et, activeVUs: new(int64), initializedVUs: new(int64)}
}

// GetCurrentlyActiveVUsCount returns the number of VUs that k6 currently runs (see ExecutionState).
func (es *ExecutionState) GetCurrentlyActiveVUsCount() int64 { return atomic.LoadInt64(es.activeVUs) }

// ModCurrentlyActiveVUsCount changes the number of active VUs by mod and returns the new number.
func (es *ExecutionState) ModCurrentlyActiveVUsCount(mod int64) int64 {
	return atomic.AddInt64(es.activeVUs, mod)
}

// GetInitializedVUsCount returns the number of initialized VUs.
func (es *ExecutionState) GetInitializedVUsCount() int64 { return atomic.LoadInt64(es.initializedVUs) }

// ModInitializedVUsCount changes the number of initialized VUs by mod and returns the new number.
func (es *ExecutionState) ModInitializedVUsCount(mod int64) int64 {
	return atomic.AddInt64(es.initializedVUs, mod)
}

// TestRunState is the state of a test run after its init (k6's has the pre-init state, the options,
// the runner and more; the shim holds the options).
type TestRunState struct {
	*TestPreInitState

	Options Options
}

// ScenarioState is a scenario's runtime information, as the k6/execution module returns it.
type ScenarioState struct {
	Name, Executor string
	StartTime      time.Time
	ProgressFn     func() (float64, []string)
}
