package barrier

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xk6-barrier/xk6-barrier/internal/redistest"
)

// TestRunEnded: the run ended when the ended segments cover 0..1, in any order.
func TestRunEnded(t *testing.T) {
	tests := []struct {
		name string
		meta map[string]string
		want bool
	}{
		{"none", map[string]string{"parties": "3"}, false},
		{"the whole test", map[string]string{"ended:0:1": "1"}, true},
		{"one half", map[string]string{"ended:0:1/2": "1"}, false},
		{"both halves", map[string]string{"ended:1/2:1": "1", "ended:0:1/2": "2"}, true},
		{"a gap", map[string]string{"ended:0:1/3": "1", "ended:2/3:1": "2"}, false},
		{"thirds", map[string]string{"ended:0:1/3": "1", "ended:1/3:2/3": "1", "ended:2/3:1": "2"}, true},
		{"garbage", map[string]string{"ended:x": "1", "ended:1:0": "1"}, false},
	}
	for _, tc := range tests {
		assert.Equal(t, tc.want, runEnded(tc.meta), tc.name)
	}
}

// TestRecordRunEnd: the Inspector says the run ended once both instances recorded their end.
func TestRecordRunEnd(t *testing.T) {
	srv := redistest.New(t)
	run := redistest.Prefix(t)
	srv.Cleanup(t, "*{"+run+"}*")
	b, err := New(Options{Parties: 2, RunID: run, Redis: srv.URL})
	require.NoError(t, err)
	ctx := testCtx(t)
	join(t, b, 1)
	in, err := NewInspector(srv.URL, "")
	require.NoError(t, err)
	t.Cleanup(func() { _ = in.Close() })
	require.NoError(t, b.RecordRunEnd(ctx, "0:1/2"))
	s, err := in.Inspect(ctx, Ref{RunID: run}, InspectOptions{})
	require.NoError(t, err)
	assert.False(t, s.RunEnded)
	assert.Equal(t, 2, s.Parties, "the meta's parties stay")
	require.NoError(t, b.RecordRunEnd(ctx, "1/2:1"))
	s, err = in.Inspect(ctx, Ref{RunID: run}, InspectOptions{})
	require.NoError(t, err)
	assert.True(t, s.RunEnded)
	require.Error(t, b.RecordRunEnd(ctx, "half"), "not a segment")
}
