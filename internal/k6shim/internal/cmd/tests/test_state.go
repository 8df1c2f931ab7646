// Package tests is the shim of go.k6.io/k6/v2/internal/cmd/tests: a GlobalState whose streams are
// buffers and whose OSExit checks the expected exit code, for tests of k6 commands.
package tests

import (
	"bytes"
	"context"
	"sync"
	"testing"

	"github.com/sirupsen/logrus"

	"go.k6.io/k6/v2/cmd/state"
	"go.k6.io/k6/v2/internal/testutils"
	"go.k6.io/k6/v2/internal/ui/console"
)

// GlobalTestState is a GlobalState for tests, with buffers for its standard output and error.
type GlobalTestState struct {
	*state.GlobalState
	Cancel func()

	Stdout, Stderr *bytes.Buffer

	Cwd string

	// ExpectedExitCode is the code that OSExit must be called with. When it is above 0, the test
	// also fails unless OSExit was called.
	ExpectedExitCode int
}

// NewGlobalTestState returns a GlobalTestState: a context cancelled when the test ends, an environment
// without the process's variables, empty Stdin, Stdout and Stderr buffers, a logger writing to the
// test log, and an OSExit that cancels the context and checks its code against ExpectedExitCode.
func NewGlobalTestState(tb testing.TB) *GlobalTestState {
	tb.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	tb.Cleanup(cancel)

	ts := &GlobalTestState{
		Cwd:    "/test/",
		Cancel: cancel,
		Stdout: new(bytes.Buffer),
		Stderr: new(bytes.Buffer),
	}

	var exitCalled bool
	osExit := func(code int) {
		cancel()
		exitCalled = true
		if code != ts.ExpectedExitCode {
			tb.Errorf("exit code: expected %d, got %d", ts.ExpectedExitCode, code)
		}
	}
	tb.Cleanup(func() {
		if ts.ExpectedExitCode > 0 && !exitCalled {
			tb.Errorf("expected exit code %d, but the os.Exit() mock was not called", ts.ExpectedExitCode)
		}
	})

	logger := testutils.NewLogger(tb)
	logger.SetLevel(logrus.InfoLevel)
	outMutex := &sync.Mutex{}
	ts.GlobalState = &state.GlobalState{
		Ctx:            ctx,
		BinaryName:     "k6",
		CmdArgs:        []string{},
		Env:            map[string]string{"K6_NO_USAGE_REPORT": "true"},
		OutMutex:       outMutex,
		Stdout:         &console.Writer{Mutex: outMutex, Writer: ts.Stdout},
		Stderr:         &console.Writer{Mutex: outMutex, Writer: ts.Stderr},
		Stdin:          new(bytes.Buffer),
		OSExit:         osExit,
		Logger:         logger,
		FallbackLogger: testutils.NewLogger(tb).WithField("fallback", true),
	}
	return ts
}
