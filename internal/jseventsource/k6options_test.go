package jseventsource

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/guregu/null.v3"

	"go.k6.io/k6/v2/metrics"
)

// TestStreamsSendTheUserAgentOption: EventSource and open() send the userAgent option as k6/http
// does: unless the script sets User-Agent itself; an empty or unset option sends none (not Go's).
func TestStreamsSendTheUserAgentOption(t *testing.T) {
	t.Parallel()
	got := make(chan []string, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got <- r.Header.Values("User-Agent")
		w.Header().Set("Content-Type", "text/event-stream")
	}))
	t.Cleanup(srv.Close)
	tests := []struct {
		name    string
		option  null.String
		headers string
		want    []string
	}{
		{"the option", null.StringFrom("shop-load/1.0"), `{}`, []string{"shop-load/1.0"}},
		{"k6's default", null.StringFrom(k6DefaultUserAgent), `{}`, []string{k6DefaultUserAgent}},
		{"the script's header wins", null.StringFrom("shop-load/1.0"), `{ "User-Agent": "mine" }`, []string{"mine"}},
		{"the script's header in lower case wins", null.StringFrom("shop-load/1.0"), `{ "user-agent": "mine" }`, []string{"mine"}},
		{"empty: none", null.StringFrom(""), `{}`, nil},
		{"unset: none", null.String{}, `{}`, nil},
	}
	for _, path := range []string{"dialer", "transport"} {
		for _, api := range []string{"EventSource", "open"} {
			for _, tc := range tests {
				t.Run(path+"/"+api+"/"+tc.name, func(t *testing.T) {
					t.Parallel()
					vu := newJSVUOn(t, path, nil)
					vu.state.Options.UserAgent = tc.option
					code := fmt.Sprintf(`new EventSource(%q, { headers: %s });`, srv.URL, tc.headers)
					if api == "open" {
						code = fmt.Sprintf(`open(%q, { headers: %s }, () => {});`, srv.URL, tc.headers)
					}
					vu.run(t, code)
					assert.Equal(t, tc.want, <-got)
				})
			}
		}
	}
}

// TestStreamsHonourSystemTags: the url and name tags are added only where the systemTags option
// enables them; a name tag of the script is also the url tag, as k6/http does.
func TestStreamsHonourSystemTags(t *testing.T) {
	t.Parallel()
	srv := streamServer(t, "data: x\n\n", true)
	tests := []struct {
		name       string
		systemTags *metrics.SystemTagSet
		tags       string
		want       map[string]string
	}{
		{"default", metrics.NewSystemTagSet(metrics.TagURL, metrics.TagName, metrics.TagScenario), `{}`,
			map[string]string{"scenario": "default", "url": srv.URL, "name": srv.URL}},
		{"none", metrics.NewSystemTagSet(), `{}`, map[string]string{"scenario": "default"}},
		{"unset", nil, `{}`, map[string]string{"scenario": "default"}},
		{"url only", metrics.NewSystemTagSet(metrics.TagURL), `{}`, map[string]string{"scenario": "default", "url": srv.URL}},
		{"name only", metrics.NewSystemTagSet(metrics.TagName), `{}`, map[string]string{"scenario": "default", "name": srv.URL}},
		{"a name tag of the script", metrics.NewSystemTagSet(metrics.TagURL, metrics.TagName), `{ name: "waiting" }`,
			map[string]string{"scenario": "default", "url": "waiting", "name": "waiting"}},
		{"a name tag of the script, url disabled", metrics.NewSystemTagSet(metrics.TagName), `{ name: "waiting" }`,
			map[string]string{"scenario": "default", "name": "waiting"}},
	}
	for _, api := range []string{"EventSource", "open"} {
		for _, tc := range tests {
			t.Run(api+"/"+tc.name, func(t *testing.T) {
				t.Parallel()
				vu := newJSVU(t)
				vu.state.Options.SystemTags = tc.systemTags
				code := fmt.Sprintf(`new EventSource(%q, { tags: %s }).onmessage = () => {};`, srv.URL, tc.tags)
				if api == "open" {
					code = fmt.Sprintf(`open(%q, { tags: %s }, () => {});`, srv.URL, tc.tags)
				}
				vu.run(t, code)
				var sessions []metrics.Sample
				for len(vu.samples) > 0 {
					for _, s := range (<-vu.samples).GetSamples() {
						if s.Metric.Name == MetricSessions {
							sessions = append(sessions, s)
						}
					}
				}
				require.Len(t, sessions, 1)
				assert.Equal(t, tc.want, sessions[0].Tags.Map())
			})
		}
	}
}
