package jseventsource

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestStreamsRefuseInvalidHeaders: a header that cannot be sent as given is refused with an error
// naming it (not its value, which may be a secret), by EventSource and open() alike, instead of
// being dropped or changed.
func TestStreamsRefuseInvalidHeaders(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, headers, want string }{
		{"space in the name", `{ "X Queue": "1" }`, `header "X Queue": invalid name`},
		{"colon in the name", `{ "X-Queue:": "1" }`, `header "X-Queue:": invalid name`},
		{"empty name", `{ "": "1" }`, `header "": invalid name`},
		{"non-ASCII name", `{ "X-Färbe": "1" }`, `header "X-Färbe": invalid name`},
		{"CR LF in the value", `{ "Authorization": "Bearer t\r\nX-Injected: 1" }`, `header "Authorization": invalid value`},
		{"LF in the value", `{ "X-A": "a\nb" }`, `header "X-A": invalid value`},
		{"NUL in the value", `{ "X-A": "a\u0000b" }`, `header "X-A": invalid value`},
	}
	for _, api := range []string{"EventSource", "open"} {
		for _, tc := range tests {
			t.Run(api+"/"+tc.name, func(t *testing.T) {
				t.Parallel()
				vu := newJSVU(t)
				code := fmt.Sprintf(`new EventSource("http://127.0.0.1:1/", { headers: %s });`, tc.headers)
				if api == "open" {
					code = fmt.Sprintf(`open("http://127.0.0.1:1/", { headers: %s }, () => {});`, tc.headers)
				}
				_, err := vu.rt.RunOnEventLoop(code)
				require.Error(t, err)
				assert.Contains(t, err.Error(), "TypeError")
				assert.Contains(t, err.Error(), tc.want)
				assert.NotContains(t, err.Error(), "Bearer", "the value is not shown")
			})
		}
	}
}

// TestStreamsSendValidHeadersUnchanged: what a valid header may hold (a tab, non-ASCII bytes in the
// value, token characters in the name) reaches the server as given.
func TestStreamsSendValidHeadersUnchanged(t *testing.T) {
	t.Parallel()
	got := make(chan [2]string, 1)
	srv := headerEchoServer(t, got, "X-Tok!#$%&'*+.^_`|~", "X-Value")
	vu := newJSVU(t)
	vu.run(t, fmt.Sprintf("new EventSource(%q, { headers: { \"X-Tok!#$%%&'*+.^_`|~\": \"1\", \"X-Value\": \"a\\tb é\" } });", srv.URL))
	assert.Equal(t, [2]string{"1", "a\tb é"}, <-got)
}

// headerEchoServer serves an empty event stream and sends the values of headers a and b of each
// request to got.
func headerEchoServer(t *testing.T, got chan<- [2]string, a, b string) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got <- [2]string{r.Header.Get(a), r.Header.Get(b)}
		w.Header().Set("Content-Type", "text/event-stream")
	}))
	t.Cleanup(srv.Close)
	return srv
}
