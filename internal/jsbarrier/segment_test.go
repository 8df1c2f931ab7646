package jsbarrier

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"go.k6.io/k6/v2/errext"
	"go.k6.io/k6/v2/lib"

	"github.com/xk6-barrier/xk6-barrier/internal/redistest"
)

// TestJSInProcessRefusesSegment: an in-process barrier in a segmented run (--execution-segment) could
// never be met, since it counts one instance's participants: its first call throws, saying to use redis.
// The whole test (no segment, or 0:1) is fine, and so is a Redis barrier.
func TestJSInProcessRefusesSegment(t *testing.T) {
	seg := func(s string) *lib.ExecutionSegment {
		es, err := lib.NewExecutionSegmentFromString(s)
		require.NoError(t, err)
		return es
	}
	srv := redistest.New(t)
	run := redistest.Prefix(t)
	srv.Cleanup(t, "*{"+run+"}*")
	tests := []struct {
		name, init string
		segment    *lib.ExecutionSegment
		refused    bool
	}{
		{"no segment", `{ parties: 1, name: "%s" }`, nil, false},
		{"full segment", `{ parties: 1, name: "%s" }`, seg("0:1"), false},
		{"half", `{ parties: 1, name: "%s" }`, seg("0:1/2"), true},
		{"second half", `{ parties: 1, name: "%s" }`, seg("1/2:1"), true},
		{"redis, half", `{ parties: 1, name: "%s", redis: "` + srv.URL + `", runId: "` + run + `" }`, seg("0:1/2"), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			init := `const room = new Barrier(` + tc.init + `);`
			vu := newJSVU(t, strings.ReplaceAll(init, "%s", uniqueName(t)))
			vu.startWith(1, lib.Options{ExecutionSegment: tc.segment})
			_, err := vu.rt.RunOnEventLoop(`(async () => { await room.join(); })()`)
			if !tc.refused {
				require.NoError(t, err)
				return
			}
			// The whole test aborts (exit code 108) at the first use, even where the script catches.
			require.Error(t, err)
			var ie *errext.InterruptError
			require.ErrorAs(t, err, &ie, "%v", err)
			assert.Contains(t, ie.Reason, "test aborted: barrier ")
			assert.Contains(t, ie.Reason, "execution segment "+tc.segment.String())
			assert.Contains(t, ie.Reason, "give it the option redis")
			for _, call := range []string{`room.status()`, `room.wait({ timeout: "1s" })`, `room.fail("login")`, `room.reset()`, `room.arrive()`} {
				vu.rt.VU.Runtime().ClearInterrupt()
				_, err := vu.rt.RunOnEventLoop(`(async () => { try { await ` + call + `; } catch (e) { globalThis.caught = e; } })()`)
				require.ErrorAs(t, err, &ie, call)
				assert.Contains(t, ie.Reason, "give it the option redis", call)
			}
		})
	}
}
