package errext

import (
	"errors"
	"fmt"
	"testing"

	"go.k6.io/k6/v2/errext/exitcodes"
)

func TestInterruptError(t *testing.T) {
	t.Parallel()
	var err error = &InterruptError{Reason: AbortTest + ": why"}
	wrapped := fmt.Errorf("iteration: %w", err)
	if !IsInterruptError(wrapped) || IsInterruptError(nil) || IsInterruptError(fmt.Errorf("other")) {
		t.Fatal("IsInterruptError does not follow the chain")
	}
	var ie *InterruptError
	if !errors.As(err, &ie) {
		t.Fatal("not an *InterruptError")
	}
	if ie.ExitCode() != exitcodes.ScriptAborted || ie.ExitCode() != 108 || ie.AbortReason() != AbortedByScriptAbort {
		t.Fatalf("exit code %d, reason %d", ie.ExitCode(), ie.AbortReason())
	}
	if err.Error() != "test aborted: why" {
		t.Fatalf("Error() = %q", err.Error())
	}
}
