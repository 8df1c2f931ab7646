package jsbarrier

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"go.k6.io/k6/v2/errext"
	"go.k6.io/k6/v2/errext/exitcodes"
)

// TestJSAbortOnFail: with abortOnFail, its default, a wait that fails or times out ends the
// iteration with k6's InterruptError (exit code 108, as exec.test.abort(reason)), the reason being
// the one-line summary; the script's catch never runs. A met wait resolves as usual;
// abortOnFail: false rejects instead.
func TestJSAbortOnFail(t *testing.T) {
	tests := []struct {
		name, outcome, code, reason string
	}{
		{"failed", "failed", `await room.fail("login", 3); await room.wait({ abortOnFail: true, progress: false });`,
			"test aborted: barrier NAME: failed after "},
		{"timeout", "timeout", `await room.join(1); await room.wait({ timeout: "50ms", abortOnFail: true, progress: false });`,
			"test aborted: barrier NAME: timeout after 50ms: joined 1/3, failed 0, missing 2 (2, 3)"},
		{"failed by default", "failed", `await room.fail("login", 3); await room.wait({ progress: false });`,
			"test aborted: barrier NAME: failed after "},
		{"timeout by default", "timeout", `await room.join(1); await room.wait({ timeout: "50ms", progress: false });`,
			"test aborted: barrier NAME: timeout after 50ms: joined 1/3, failed 0, missing 2 (2, 3)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			name := uniqueName(t)
			vu := newJSVU(t, `const room = new Barrier({ parties: 3, name: "`+name+`" });`)
			vu.start(1)
			_, err := vu.rt.RunOnEventLoop(`(async () => { try {` + tc.code + `} catch (e) { globalThis.caught = e; } })()`)
			require.Error(t, err)
			var ie *errext.InterruptError
			require.ErrorAs(t, err, &ie, "the iteration ends with k6's InterruptError")
			assert.Equal(t, exitcodes.ScriptAborted, ie.ExitCode())
			assert.Contains(t, ie.Reason, strings.ReplaceAll(tc.reason, "NAME", name))
			assert.True(t, vu.get("caught") == nil || vu.get("caught").Export() == nil, "the script does not catch an abort")
			got := vu.drained()
			require.Len(t, got[MetricWaitDuration], 1, "the wait is recorded before the abort")
			outcome, _ := got[MetricWaitDuration][0].Tags.Get("outcome")
			assert.Equal(t, tc.outcome, outcome)
		})
	}
	t.Run("abortOnFail false rejects", func(t *testing.T) {
		vu := newJSVU(t, `const room = new Barrier({ parties: 3, name: "`+uniqueName(t)+`" });`)
		vu.start(1)
		vu.run(t, `await room.join(1);
			try { await room.wait({ timeout: "50ms", abortOnFail: false, progress: false }); } catch (e) { globalThis.outcome = e.outcome; }`)
		assert.Equal(t, "timeout", vu.get("outcome").String())
	})
	t.Run("met", func(t *testing.T) {
		vu := newJSVU(t, `const room = new Barrier({ parties: 1, name: "`+uniqueName(t)+`" });`)
		vu.start(1)
		vu.run(t, `await room.join(1); globalThis.res = await room.wait({ abortOnFail: true, progress: false });`)
		assert.Equal(t, "met", vu.get("res").ToObject(vu.rt.VU.Runtime()).Get("outcome").String())
	})
	t.Run("not a boolean", func(t *testing.T) {
		vu := newJSVU(t, `const room = new Barrier({ parties: 1, name: "`+uniqueName(t)+`" });`)
		vu.start(1)
		_, err := vu.rt.RunOnEventLoop(`room.wait({ abortOnFail: "yes" })`)
		require.Error(t, err)
		assert.Contains(t, err.Error(), `TypeError: barrier `)
		assert.Contains(t, err.Error(), `option abortOnFail must be true or false, got the string "yes"`)
	})
}
