// Package tests is the shim of go.k6.io/k6/v2/cmd/tests: the public door to k6's GlobalTestState,
// for tests of subcommand extensions.
package tests

import (
	"testing"

	"go.k6.io/k6/v2/internal/cmd/tests"
)

// GlobalTestState is a GlobalState for tests (see NewGlobalTestState).
type GlobalTestState = tests.GlobalTestState

// NewGlobalTestState returns a GlobalTestState with buffered streams and a checking OSExit.
func NewGlobalTestState(tb testing.TB) *GlobalTestState {
	return tests.NewGlobalTestState(tb)
}
