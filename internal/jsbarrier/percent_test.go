package jsbarrier

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"go.k6.io/k6/v2/js/modulestest"

	"github.com/xk6-barrier/xk6-barrier/internal/redistest"
)

// TestJSPercentInMessages feeds '%' through every error path of the module: a message is never
// used as a format string, so what the user wrote comes back verbatim (no %!d(MISSING)).
func TestJSPercentInMessages(t *testing.T) {
	init := []struct{ name, code, want string }{
		{"url hint", `new Barrier({ parties: 1, redis: "redis://u:p%zz@127.0.0.1:1", runId: "r" })`, "'@' as %40"},
		{"name", `new Barrier({ parties: 1, name: "a%d%s" })`, `option name "a%d%s" is invalid`},
		{"keyPrefix", `new Barrier({ parties: 1, keyPrefix: "K%x" })`, `option keyPrefix "K%x" is invalid`},
		{"runId", `new Barrier({ parties: 1, runId: "{%v}" })`, `option runId "{%v}" is invalid`},
		{"ttl", `new Barrier({ parties: 1, ttl: "5%s" })`, `invalid duration "5%s"`},
		{"unknown option", `new Barrier({ parties: 1, "p%d": 1 })`, `unknown option "p%d"`},
	}
	for _, tc := range init {
		t.Run(tc.name, func(t *testing.T) {
			rt := modulestest.NewRuntime(t)
			require.NoError(t, rt.SetupModuleSystem(map[string]any{"k6/x/barrier": NewRootModule()}, nil, nil))
			_, err := rt.VU.Runtime().RunString(`const { Barrier } = require("k6/x/barrier");` + tc.code)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
			assert.NotContains(t, err.Error(), "%!")
		})
	}
	calls := []struct{ name, code, want string }{
		{"fail reason", `room.fail("login%s")`, `invalid failure reason "login%s"`},
		{"wait timeout", `room.wait({ timeout: "1%d" })`, `invalid duration "1%d"`},
		{"wait option", `room.wait({ "t%s": 1 })`, `unknown option "t%s"`},
		{"progress", `room.wait({ progress: "%s" })`, `invalid duration "%s"`},
	}
	for _, tc := range calls {
		t.Run(tc.name, func(t *testing.T) {
			vu := newJSVU(t, `const room = new Barrier({ parties: 3, name: "`+uniqueName(t)+`" });`)
			vu.start(1)
			_, err := vu.rt.RunOnEventLoop(tc.code)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
			assert.NotContains(t, err.Error(), "%!")
		})
	}
	t.Run("redis error", func(t *testing.T) {
		srv := redistest.New(t)
		if srv.Kind == redistest.KindEmbedded {
			t.Skip("the embedded server's Lua errors differ")
		}
		prefix := redistest.Prefix(t)
		runID := prefix + "%d%s"
		srv.Cleanup(t, "*{"+prefix+"*")
		key := "K6_BARRIER_JOINED:{" + runID + "}"
		rdb := srv.Client(t)
		require.NoError(t, rdb.Set(t.Context(), key, "x", 0).Err())
		t.Cleanup(func() { rdb.Del(t.Context(), key) })
		vu := newJSVU(t, fmt.Sprintf(`const room = new Barrier({ parties: 1, redis: %q, runId: %q });`, srv.URL, runID))
		vu.start(1)
		vu.run(t, `try { await room.join(1); } catch (e) { globalThis.msg = String(e); }`)
		msg := vu.get("msg").String()
		assert.Contains(t, msg, "key "+key)
		assert.NotContains(t, msg, "%!")
	})
}
