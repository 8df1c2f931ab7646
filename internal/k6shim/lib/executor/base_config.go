// Package executor is the shim of go.k6.io/k6/v2/lib/executor: the configurations of k6's
// executors (a subset of them, with the fields and methods this project's tests use; k6's have
// more: Validate, GetDescription, NewExecutor, HasWork, ...).
package executor

import (
	"time"

	"gopkg.in/guregu/null.v3"

	"go.k6.io/k6/v2/lib"
	"go.k6.io/k6/v2/lib/types"
)

// DefaultGracefulStopValue is every executor's gracefulStop unless configured.
var DefaultGracefulStopValue = 30 * time.Second //nolint:gochecknoglobals // k6's name and kind

// BaseConfig is what every executor's configuration has.
type BaseConfig struct {
	Name         string               `json:"-"`
	Type         string               `json:"executor"`
	StartTime    types.NullDuration   `json:"startTime"`
	GracefulStop types.NullDuration   `json:"gracefulStop"`
	Env          map[string]string    `json:"env"`
	Exec         null.String          `json:"exec"`
	Tags         map[string]string    `json:"tags"`
	Options      *lib.ScenarioOptions `json:"options,omitempty"`
}

// NewBaseConfig returns the base configuration of a scenario name of executor type configType.
func NewBaseConfig(name, configType string) BaseConfig {
	return BaseConfig{Name: name, Type: configType, GracefulStop: types.NewNullDuration(DefaultGracefulStopValue, false)}
}

// GetName returns the scenario's name.
func (bc BaseConfig) GetName() string { return bc.Name }

// GetType returns the executor's type, e.g. "constant-vus".
func (bc BaseConfig) GetType() string { return bc.Type }

// GetStartTime returns when the scenario starts, from the test's start.
func (bc BaseConfig) GetStartTime() time.Duration { return bc.StartTime.TimeDuration() }

// GetGracefulStop returns the scenario's gracefulStop.
func (bc BaseConfig) GetGracefulStop() time.Duration { return bc.GracefulStop.TimeDuration() }
