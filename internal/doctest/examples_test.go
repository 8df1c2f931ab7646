package doctest

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/xk6-barrier/xk6-barrier/internal/redistest"
)

// TestSmokeAlone runs examples/smoke.test.js as `k6 run examples/smoke.test.js` runs it with no
// server and no environment (xk6 lint's smoke check does so): every check must pass, and its
// streams scenario, which needs the demo server, is not in the plan.
func TestSmokeAlone(t *testing.T) {
	t.Parallel()
	w := newWorld(t, redistest.New(t))
	src := readDoc(t, "examples/smoke.test.js")
	require.NoError(t, runScript(t, w, "examples/smoke.test.js", src, map[string]string{"REDIS_URL": "", "RUN_ID": "", "K6_BARRIER_RUN_ID": "", "TOKEN": ""}))
}
