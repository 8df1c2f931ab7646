// Package errext is the shim of go.k6.io/k6/v2/errext: errors that carry k6's exit code and abort
// reason. An *InterruptError returned from an event-loop callback ends the VU's iteration, and k6
// aborts the whole test with exit code 108, as k6/execution's test.abort() does.
package errext

import (
	"errors"

	"go.k6.io/k6/v2/errext/exitcodes"
)

// HasExitCode is an error with the exit code k6 exits with when it reaches the top.
type HasExitCode interface {
	error
	ExitCode() exitcodes.ExitCode
}

// AbortReason tells outputs why a test run stopped early.
type AbortReason uint8

// The abort reasons of k6 v2.2.0.
const (
	AbortedByUser AbortReason = iota + 1
	AbortedByThreshold
	AbortedByThresholdsAfterTestEnd
	AbortedByScriptError
	AbortedByScriptAbort
	AbortedByTimeout
	AbortedByOutput
)

// HasAbortReason is an error with an abort reason.
type HasAbortReason interface {
	error
	AbortReason() AbortReason
}

// InterruptError halts the test run.
type InterruptError struct {
	Reason string
}

var _ interface {
	HasExitCode
	HasAbortReason
} = &InterruptError{}

// Error returns the reason.
func (i *InterruptError) Error() string { return i.Reason }

// ExitCode is exitcodes.ScriptAborted (108).
func (i *InterruptError) ExitCode() exitcodes.ExitCode { return exitcodes.ScriptAborted }

// AbortReason is AbortedByScriptAbort.
func (i *InterruptError) AbortReason() AbortReason { return AbortedByScriptAbort }

// AbortTest is the reason of test.abort() without a message; with one it is "test aborted: <msg>".
const AbortTest = "test aborted"

// MarkedAsFailedTest is the reason of test.fail().
const MarkedAsFailedTest = "test marked as failed"

// IsInterruptError reports whether err is, or wraps, an *InterruptError.
func IsInterruptError(err error) bool {
	if err == nil {
		return false
	}
	var intErr *InterruptError
	return errors.As(err, &intErr)
}
