package tests_test

import (
	"fmt"
	"testing"

	"go.k6.io/k6/v2/cmd/tests"
)

func TestGlobalTestStateBuffers(t *testing.T) {
	t.Parallel()
	ts := tests.NewGlobalTestState(t)
	_, _ = fmt.Fprint(ts.GlobalState.Stdout, "out")
	_, _ = fmt.Fprint(ts.GlobalState.Stderr, "err")
	if ts.Stdout.String() != "out" || ts.Stderr.String() != "err" {
		t.Fatalf("stdout %q, stderr %q", ts.Stdout, ts.Stderr)
	}
	ts.ExpectedExitCode = 3
	ts.OSExit(3)
	if ts.Ctx.Err() == nil {
		t.Fatal("OSExit did not cancel the context")
	}
}

// recorder is a testing.TB that records errors and cleanups instead of acting on them.
type recorder struct {
	testing.TB
	errs     []string
	cleanups []func()
}

func (r *recorder) Helper()          {}
func (r *recorder) Cleanup(f func()) { r.cleanups = append(r.cleanups, f) }
func (r *recorder) Errorf(format string, a ...any) {
	r.errs = append(r.errs, fmt.Sprintf(format, a...))
}
func (r *recorder) runCleanups() {
	for i := len(r.cleanups) - 1; i >= 0; i-- {
		r.cleanups[i]()
	}
}

func TestGlobalTestStateExitCodeChecks(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name     string
		expected int
		exit     func(*tests.GlobalTestState)
		wantErrs int
	}{
		{"matching code", 4, func(ts *tests.GlobalTestState) { ts.OSExit(4) }, 0},
		{"other code", 4, func(ts *tests.GlobalTestState) { ts.OSExit(1) }, 1},
		{"never called", 4, func(*tests.GlobalTestState) {}, 1},
		{"zero expected, not called", 0, func(*tests.GlobalTestState) {}, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := &recorder{TB: t}
			ts := tests.NewGlobalTestState(r)
			ts.ExpectedExitCode = tc.expected
			tc.exit(ts)
			r.runCleanups()
			if len(r.errs) != tc.wantErrs {
				t.Fatalf("want %d errors, got %q", tc.wantErrs, r.errs)
			}
		})
	}
}
