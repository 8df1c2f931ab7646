package errext

import (
	"errors"

	"go.k6.io/k6/v2/errext/exitcodes"
)

// WithExitCodeIfNone returns err with exitCode attached, unless err is nil or already carries an
// exit code (then err itself). k6 exits with the exit code of the error a command returns.
func WithExitCodeIfNone(err error, exitCode exitcodes.ExitCode) error {
	if err == nil {
		return nil
	}
	var has HasExitCode
	if errors.As(err, &has) {
		return err
	}
	return exitCodeError{err: err, code: exitCode}
}

type exitCodeError struct {
	err  error
	code exitcodes.ExitCode
}

func (e exitCodeError) Error() string                { return e.err.Error() }
func (e exitCodeError) Unwrap() error                { return e.err }
func (e exitCodeError) ExitCode() exitcodes.ExitCode { return e.code }
