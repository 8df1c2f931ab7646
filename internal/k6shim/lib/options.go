package lib

// Options are the test's options as k6 resolved them (script, config, environment, CLI). k6's
// Options has many more fields, which the shim leaves out.
type Options struct {
	// ExecutionSegment is the part of the test this instance runs (--execution-segment); nil
	// means the whole test, 0:1.
	ExecutionSegment *ExecutionSegment `json:"executionSegment" ignored:"true"`
}
