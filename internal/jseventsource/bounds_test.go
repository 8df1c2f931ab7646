package jseventsource

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestStreamOptionLimits: every duration and size option has a limit; past it (however large, 1e20
// included) the error names the option and its limit. At the limit, the stream is made.
func TestStreamOptionLimits(t *testing.T) {
	t.Parallel()
	refused := []struct{ params, want string }{
		{`{ timeout: 1e20 }`, "option timeout must be at most 24h, got the number 100000000000000000000"},
		{`{ timeout: "25h" }`, `option timeout must be at most 24h, got 25h`},
		{`{ timeout: "99999999999h" }`, `option timeout must be at most 24h, got the string "99999999999h"`},
		{`{ idleTimeout: "2d" }`, `option idleTimeout must be at most 24h, got 2d`},
		{`{ idleTimeout: 86400001 }`, `option idleTimeout must be at most 24h, got 24h0m0.001s`},
		{`{ maxEventSize: 1e20 }`, "option maxEventSize must be at least 1 and at most 268435456, got 100000000000000000000"},
		{`{ maxEventSize: 268435457 }`, "option maxEventSize must be at least 1 and at most 268435456, got 268435457"},
		{`{ reconnect: { delay: "25h" } }`, `option reconnect: option delay must be at most 24h, got 25h`},
		{`{ reconnect: { delay: 1e300 } }`, `option reconnect: option delay must be at most 24h`},
		{`{ reconnect: { retries: 1e7 } }`, "option reconnect: option retries must be at least 1 and at most 1000000, got 10000000"},
		{`{ reconnect: { retries: 0 } }`, "option reconnect: option retries must be at least 1 and at most 1000000, got 0"},
	}
	for _, api := range []string{"EventSource", "open"} {
		for _, tc := range refused {
			t.Run(api+"/"+tc.params, func(t *testing.T) {
				t.Parallel()
				vu := newJSVU(t)
				code := fmt.Sprintf(`new EventSource("http://127.0.0.1:1/", %s);`, tc.params)
				what := "new EventSource(): "
				if api == "open" {
					code = fmt.Sprintf(`open("http://127.0.0.1:1/", %s, () => {});`, tc.params)
					what = "sse.open(): "
				}
				_, err := vu.rt.RunOnEventLoop(code)
				require.Error(t, err)
				assert.Contains(t, err.Error(), "TypeError: "+what+tc.want)
			})
		}
	}

	down := closedURL(t)
	vu := newJSVU(t)
	vu.run(t, fmt.Sprintf(`
		var errors = [];
		const es = new EventSource(%q, { timeout: "24h", idleTimeout: 86400000, maxEventSize: 268435456, reconnect: { retries: 1, delay: 1 } });
		es.onerror = (e) => errors.push(es.readyState);
	`, down))
	assert.Equal(t, []any{int64(0), int64(2), int64(2)}, vu.get("errors"), "at the limits, the stream runs (and fails to connect)")
}
