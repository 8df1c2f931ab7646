package jsbarrier

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xk6-barrier/xk6-barrier/barrier"
	"github.com/xk6-barrier/xk6-barrier/internal/redistest"
)

// TestJSWaitRuleForInspector: a script's wait({ quorum: 3, maxFailures: 1 }) is met with 3 joined
// and 1 failed of 5; the Inspector behind `k6 x barrier status`, `list` and `watch` judges the
// barrier the same (met), from the rule the wait recorded.
func TestJSWaitRuleForInspector(t *testing.T) {
	srv := redistest.New(t)
	run := redistest.Prefix(t)
	srv.Cleanup(t, "*{"+run+"}*")
	vu := newJSVU(t, `const room = new Barrier({ parties: 5, redis: "`+srv.URL+`", runId: "`+run+`" });`)
	vu.start(1)
	vu.run(t, `await room.join(1); await room.join(2); await room.join(3); await room.fail("login", 4);
		globalThis.res = await room.wait({ quorum: 3, maxFailures: 1, timeout: "10s", progress: false });`)
	assert.Equal(t, "met", jsObj(vu, "res").Get("outcome").String())

	in, err := barrier.NewInspector(srv.URL, "")
	require.NoError(t, err)
	t.Cleanup(func() { _ = in.Close() })
	s, err := in.Inspect(context.Background(), barrier.Ref{RunID: run}, barrier.InspectOptions{})
	require.NoError(t, err)
	assert.Equal(t, barrier.OutcomeMet, s.Outcome)
	assert.Equal(t, 3, s.Quorum)
	assert.Equal(t, 1, s.MaxFailures)
}
