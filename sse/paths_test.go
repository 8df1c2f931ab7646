package sse

import (
	"net/http"
	"testing"

	"github.com/xk6-barrier/xk6-barrier/internal/leaktest"
)

// eachPath runs f with the stream's requests sent through http.DefaultTransport
// ("transport"), and through a transport of its own whose connections are
// tracked ("tracked-dialer"): one of those left open when the test ends fails it.
// The two subtests run in parallel.
func eachPath(t *testing.T, f func(t *testing.T, with func(Config) Config)) {
	t.Helper()
	paths(t, true, f)
}

// eachPathInTurn is eachPath with the subtests run one after the other, for a
// test that counts the process's goroutines.
func eachPathInTurn(t *testing.T, f func(t *testing.T, with func(Config) Config)) {
	t.Helper()
	paths(t, false, f)
}

func paths(t *testing.T, parallel bool, f func(t *testing.T, with func(Config) Config)) {
	t.Helper()
	t.Run("transport", func(t *testing.T) {
		if parallel {
			t.Parallel()
		}
		f(t, func(c Config) Config { return c })
	})
	t.Run("tracked-dialer", func(t *testing.T) {
		if parallel {
			t.Parallel()
		}
		d := leaktest.NewDialer(t)
		tr := &http.Transport{DialContext: d.DialContext, ForceAttemptHTTP2: true, DisableKeepAlives: true}
		t.Cleanup(tr.CloseIdleConnections)
		f(t, func(c Config) Config {
			c.Transport = tr
			return c
		})
	})
}
