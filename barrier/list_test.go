package barrier

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestParseKey: only keys of the barrier key layout under the prefix belong to a barrier.
func TestParseKey(t *testing.T) {
	tests := []struct {
		key  string
		ref  Ref
		kind keyKind
	}{
		{"K6_BARRIER_JOINED:{run1}", Ref{"run1", "default"}, kindMain},
		{"K6_BARRIER_FAILED:{run1}:checkout", Ref{"run1", "checkout"}, kindMain},
		{"K6_BARRIER_FAILURES:{r:1}", Ref{"r:1", "default"}, kindMain},
		{"K6_BARRIER_META:{run1}", Ref{"run1", "default"}, kindMain},
		{"K6_BARRIER_LOGIN_FAIL:{run1}", Ref{"run1", "default"}, kindCounter},
		{"K6_BARRIER_SSE_CONNECT_FAIL:{run1}:pay", Ref{"run1", "pay"}, kindCounter},
		{"K6_BARRIER_PHASE:{run1}", Ref{"run1", "default"}, kindPhase},
		{"K6_BARRIER_PHASE_SEEN:{run1}:pay", Ref{"run1", "pay"}, kindPhase},
		{"K6_BARRIER_PHASE_LEFT:{run1}", Ref{"run1", "default"}, kindPhase},
		{"K6_BARRIER_PHASE_LOG:{run1}", Ref{"run1", "default"}, kindPhase},
		{"K6_BARRIER_PHASE_FAIL:{run1}", Ref{"run1", "default"}, kindCounter}, // reason "phase"
		{"K6_BARRIER_RELEASE:{run1}", Ref{}, kindNone},                        // a channel, never a key
		{"K6_BARRIER_PHASE_RELEASE:{run1}", Ref{}, kindNone},                  // a channel, never a key
		{"K6_BARRIER_PHASE_OTHER:{run1}", Ref{}, kindNone},
		{"K6_BARRIER_JOINED:{run1}x", Ref{}, kindNone},
		{"K6_BARRIER_JOINED:{run1}:default", Ref{}, kindNone}, // the default name has no suffix
		{"K6_BARRIER_JOINED:{run1}:bad name", Ref{}, kindNone},
		{"K6_BARRIER_JOINED:{}", Ref{}, kindNone},
		{"K6_BARRIER_JOINED:run1", Ref{}, kindNone},
		{"K6_BARRIERS_JOINED:{run1}", Ref{}, kindNone},
		{"OTHER_JOINED:{run1}", Ref{}, kindNone},
		{"K6_BARRIER_login_FAIL:{run1}", Ref{}, kindNone},
		{"K6_BARRIER_NOPE:{run1}", Ref{}, kindNone},
		{"K6_BARRIER__FAIL:{run1}", Ref{}, kindNone},
	}
	for _, tc := range tests {
		ref, kind := parseKey("K6_BARRIER", tc.key)
		assert.Equal(t, tc.kind, kind, tc.key)
		assert.Equal(t, tc.ref, ref, tc.key)
	}
}

func TestGlobEscape(t *testing.T) {
	assert.Equal(t, `a\*b\?c\[d\]e\\f`, globEscape(`a*b?c[d]e\f`))
	assert.Equal(t, "run-42:x", globEscape("run-42:x"))
}
