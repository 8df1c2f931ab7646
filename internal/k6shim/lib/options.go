package lib

import (
	"gopkg.in/guregu/null.v3"

	"go.k6.io/k6/v2/lib/types"
	"go.k6.io/k6/v2/metrics"
)

// Options are the test's options as a VU sees them (State.Options). k6's Options has many more
// fields; the shim holds those that this project reads, with k6's names and types.
type Options struct {
	// UserAgent is the default User-Agent of HTTP requests (the userAgent option). Not Valid (or
	// empty): requests send none.
	UserAgent null.String `json:"userAgent" envconfig:"K6_USER_AGENT"`

	// MaxRedirects is how many redirects k6/http follows (the maxRedirects option); k6's default
	// is 10, not Valid (a warning is logged when a request stops there).
	MaxRedirects null.Int `json:"maxRedirects" envconfig:"K6_MAX_REDIRECTS"`

	// HTTPDebug is the --http-debug option: "" (off), "headers" or "full".
	HTTPDebug null.String `json:"httpDebug" envconfig:"K6_HTTP_DEBUG"`

	// SystemTags are the system tags enabled for metrics (the systemTags option); nil enables none.
	SystemTags *metrics.SystemTagSet `json:"systemTags" envconfig:"K6_SYSTEM_TAGS"`

	// MinIterationDuration is the shortest iteration: a VU whose iteration ended sooner pauses for
	// the rest before its next one (the minIterationDuration option).
	MinIterationDuration types.NullDuration `json:"minIterationDuration" envconfig:"K6_MIN_ITERATION_DURATION"`

	// Thresholds are the thresholds option: per metric (or submetric) name, its threshold
	// expressions. k6 parses and validates them against the registry before the test starts
	// (metrics.Thresholds Parse and Validate).
	Thresholds map[string]metrics.Thresholds `json:"thresholds"`

	// Scenarios are the test's scenarios (k6 derives one from the vus/duration/iterations/stages
	// shortcuts).
	Scenarios ScenarioConfigs `json:"scenarios" ignored:"true"`

	// ExecutionSegment is the part of the test this instance runs (--execution-segment); nil
	// means the whole test, 0:1.
	ExecutionSegment *ExecutionSegment `json:"executionSegment" ignored:"true"`
}
