// Package exitcodes is the shim of go.k6.io/k6/v2/errext/exitcodes: the process exit codes of k6.
package exitcodes

// ExitCode is a process exit code of k6.
type ExitCode uint8

// The exit codes of k6 v2.2.0 (the values are part of k6's public contract).
const (
	CloudTestRunFailed       ExitCode = 97
	CloudFailedToGetProgress ExitCode = 98
	ThresholdsHaveFailed     ExitCode = 99
	SetupTimeout             ExitCode = 100
	TeardownTimeout          ExitCode = 101
	GenericTimeout           ExitCode = 102
	ScriptStoppedFromRESTAPI ExitCode = 103
	InvalidConfig            ExitCode = 104
	ExternalAbort            ExitCode = 105
	CannotStartRESTAPI       ExitCode = 106
	ScriptException          ExitCode = 107
	// ScriptAborted is the exit code of a test aborted by the script (k6/execution's
	// test.abort(), or an extension returning an InterruptError).
	ScriptAborted  ExitCode = 108
	GoPanic        ExitCode = 109
	MarkedAsFailed ExitCode = 110
)
