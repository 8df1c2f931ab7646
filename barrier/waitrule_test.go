package barrier

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xk6-barrier/xk6-barrier/internal/redistest"
)

// TestInspectorJudgesWithWaitRule: a wait({ quorum: 3, maxFailures: 1 }) is met with 3 joined and 1
// failed of 5; the Inspector judges the same from the rule the wait recorded in the META hash
// (met), and a rule given to the Inspector still takes precedence (failed with no failure
// tolerated).
func TestInspectorJudgesWithWaitRule(t *testing.T) {
	srv := redistest.New(t)
	run := redistest.Prefix(t)
	srv.Cleanup(t, "*{"+run+"}*")
	b, err := New(Options{Parties: 5, RunID: run, Redis: srv.URL})
	require.NoError(t, err)
	ctx := testCtx(t)
	in, err := NewInspector(srv.URL, "")
	require.NoError(t, err)
	t.Cleanup(func() { _ = in.Close() })

	wo := WaitOptions{Quorum: 3, MaxFailures: 1, Timeout: 10 * time.Second}
	require.NoError(t, b.RecordWaitRule(ctx, wo))
	join(t, b, 1, 2, 3)
	_, err = b.Fail(ctx, "4", "login")
	require.NoError(t, err)
	r, err := b.Wait(ctx, wo)
	require.NoError(t, err)
	assert.Equal(t, OutcomeMet, r.Outcome)

	s, err := in.Inspect(ctx, Ref{RunID: run}, InspectOptions{})
	require.NoError(t, err)
	assert.Equal(t, OutcomeMet, s.Outcome, "judged as the script's wait")
	assert.Equal(t, 3, s.Quorum)
	assert.Equal(t, 1, s.MaxFailures)

	s, err = in.Inspect(ctx, Ref{RunID: run}, InspectOptions{Quorum: 5})
	require.NoError(t, err)
	assert.Equal(t, OutcomeFailed, s.Outcome, "the Inspector's own rule: all 5 joined, none failed")
}
