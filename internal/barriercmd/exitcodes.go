package barriercmd

import (
	"errors"

	"github.com/spf13/cobra"

	"go.k6.io/k6/v2/errext"
	"go.k6.io/k6/v2/errext/exitcodes"
)

// Exit codes of `k6 x barrier` (k6 exits with the exit code of the error a command returns). They
// stay below k6's own codes (97 and up).
const (
	// ExitError is any error: Redis unreachable, authentication failed, a key of another type.
	ExitError exitcodes.ExitCode = 1
	// ExitUsage is a bad flag or argument, or a missing Redis URL or run id.
	ExitUsage exitcodes.ExitCode = 2
	// ExitNotFound: status found no such barrier.
	ExitNotFound exitcodes.ExitCode = 3
	// ExitFailed: watch saw the barrier fail.
	ExitFailed exitcodes.ExitCode = 4
	// ExitTimeout: watch's --timeout passed before the barrier was met or failed.
	ExitTimeout exitcodes.ExitCode = 5
	// ExitNotConfirmed: reset was not confirmed.
	ExitNotConfirmed exitcodes.ExitCode = 6
)

// withCode attaches code to err unless it has one.
func withCode(err error, code exitcodes.ExitCode) error {
	return errext.WithExitCodeIfNone(err, code)
}

// usageArgs makes the errors of an argument check bad-usage errors.
func usageArgs(check cobra.PositionalArgs) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if err := check(cmd, args); err != nil {
			return usageError(err.Error())
		}
		return nil
	}
}

// usageError is a bad-usage error with msg.
func usageError(msg string) error {
	return withCode(errors.New(msg), ExitUsage)
}
