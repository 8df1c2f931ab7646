package executor

import (
	"time"

	"gopkg.in/guregu/null.v3"

	"go.k6.io/k6/v2/lib"
	"go.k6.io/k6/v2/lib/types"
)

const (
	constantVUsType         = "constant-vus"
	perVUIterationsType     = "per-vu-iterations"
	constantArrivalRateType = "constant-arrival-rate"
)

// ConstantVUsConfig configures a constant-vus scenario: VUs run for Duration.
type ConstantVUsConfig struct {
	BaseConfig
	VUs      null.Int           `json:"vus"`
	Duration types.NullDuration `json:"duration"`
}

// NewConstantVUsConfig returns a constant-vus configuration with k6's defaults.
func NewConstantVUsConfig(name string) ConstantVUsConfig {
	return ConstantVUsConfig{BaseConfig: NewBaseConfig(name, constantVUsType), VUs: null.NewInt(1, false)}
}

// GetVUs returns the scenario's VUs in the part of the test et describes.
func (clvc ConstantVUsConfig) GetVUs(et *lib.ExecutionTuple) int64 {
	return et.ScaleInt64(clvc.VUs.Int64)
}

// GetExecutionRequirements returns VUs from the start until duration plus gracefulStop.
func (clvc ConstantVUsConfig) GetExecutionRequirements(et *lib.ExecutionTuple) []lib.ExecutionStep {
	return []lib.ExecutionStep{
		{TimeOffset: 0, PlannedVUs: count(clvc.GetVUs(et))},
		{TimeOffset: clvc.Duration.TimeDuration() + clvc.GracefulStop.TimeDuration()},
	}
}

// PerVUIterationsConfig configures a per-vu-iterations scenario: each of VUs runs Iterations.
type PerVUIterationsConfig struct {
	BaseConfig
	VUs         null.Int           `json:"vus"`
	Iterations  null.Int           `json:"iterations"`
	MaxDuration types.NullDuration `json:"maxDuration"`
}

// NewPerVUIterationsConfig returns a per-vu-iterations configuration with k6's defaults.
func NewPerVUIterationsConfig(name string) PerVUIterationsConfig {
	return PerVUIterationsConfig{
		BaseConfig:  NewBaseConfig(name, perVUIterationsType),
		VUs:         null.NewInt(1, false),
		Iterations:  null.NewInt(1, false),
		MaxDuration: types.NewNullDuration(10*time.Minute, false),
	}
}

// GetVUs returns the scenario's VUs in the part of the test et describes.
func (pvic PerVUIterationsConfig) GetVUs(et *lib.ExecutionTuple) int64 {
	return et.ScaleInt64(pvic.VUs.Int64)
}

// GetExecutionRequirements returns VUs from the start until maxDuration plus gracefulStop.
func (pvic PerVUIterationsConfig) GetExecutionRequirements(et *lib.ExecutionTuple) []lib.ExecutionStep {
	return []lib.ExecutionStep{
		{TimeOffset: 0, PlannedVUs: count(pvic.GetVUs(et))},
		{TimeOffset: pvic.MaxDuration.TimeDuration() + pvic.GracefulStop.TimeDuration()},
	}
}

// ConstantArrivalRateConfig configures a constant-arrival-rate scenario: Rate iterations per
// TimeUnit for Duration, on PreAllocatedVUs VUs and up to MaxVUs.
type ConstantArrivalRateConfig struct {
	BaseConfig
	Rate            null.Int           `json:"rate"`
	TimeUnit        types.NullDuration `json:"timeUnit"`
	Duration        types.NullDuration `json:"duration"`
	PreAllocatedVUs null.Int           `json:"preAllocatedVUs"`
	MaxVUs          null.Int           `json:"maxVUs"`
}

// NewConstantArrivalRateConfig returns a constant-arrival-rate configuration with k6's defaults.
func NewConstantArrivalRateConfig(name string) *ConstantArrivalRateConfig {
	return &ConstantArrivalRateConfig{
		BaseConfig: NewBaseConfig(name, constantArrivalRateType),
		TimeUnit:   types.NewNullDuration(time.Second, false),
	}
}

// GetExecutionRequirements returns preAllocatedVUs planned and up to maxVUs in all, from the start
// until duration plus gracefulStop.
func (carc ConstantArrivalRateConfig) GetExecutionRequirements(et *lib.ExecutionTuple) []lib.ExecutionStep {
	pre := et.ScaleInt64(carc.PreAllocatedVUs.Int64)
	unplanned := et.ScaleInt64(carc.MaxVUs.Int64) - pre
	return []lib.ExecutionStep{
		{TimeOffset: 0, PlannedVUs: count(pre), MaxUnplannedVUs: count(unplanned)},
		{TimeOffset: carc.Duration.TimeDuration() + carc.GracefulStop.TimeDuration()},
	}
}

// count is n VUs as a step's count (none below 0; k6 converts its validated counts as they are).
func count(n int64) uint64 {
	if n < 0 {
		return 0
	}
	return uint64(n)
}
