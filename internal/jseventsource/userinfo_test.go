package jseventsource

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/sirupsen/logrus"
	logtest "github.com/sirupsen/logrus/hooks/test"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.k6.io/k6/v2/metrics"
)

// testPassword is the password of the URLs of these tests: no text a script or k6 sees may hold it.
const testPassword = "S3cr3tPw"

// withUserInfo returns srvURL (http://host:port) with alice:S3cr3tPw@ as its user info, and the same
// URL masked as k6 masks it.
func withUserInfo(srvURL string) (withPassword, masked string) {
	return strings.Replace(srvURL, "http://", "http://alice:"+testPassword+"@", 1),
		strings.Replace(srvURL, "http://", "http://****:****@", 1)
}

// TestNoPasswordInTimeoutError: the error of a stream whose response headers do not come in time
// names the URL masked, in the error event of EventSource, in open()'s error handler and in
// open()'s result (error and url), and the url and name tags of sse_errors are masked too.
func TestNoPasswordInTimeoutError(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		<-r.Context().Done() // never answers
	}))
	t.Cleanup(srv.Close)
	withPassword, masked := withUserInfo(srv.URL)
	want := "sse: timeout waiting for response headers (50ms): GET " + masked + "/"
	for _, tc := range []struct{ api, code string }{
		{"EventSource", `
			var texts = [];
			const es = new EventSource(%q, { timeout: "50ms" });
			es.onerror = (e) => texts.push(e.error);`},
		{"open", `
			var texts = [];
			const res = open(%q, { timeout: "50ms" }, (client) => {
				client.on("error", (e) => texts.push(e.error()));
			});
			texts.push(res.error, res.url);`},
	} {
		t.Run(tc.api, func(t *testing.T) {
			t.Parallel()
			vu := newJSVU(t)
			vu.run(t, fmt.Sprintf(tc.code, withPassword+"/"))
			texts := vu.get("texts").([]any)
			require.NotEmpty(t, texts)
			assert.Equal(t, want, texts[0])
			if tc.api == "open" {
				assert.Equal(t, []any{want, want, masked + "/"}, texts, "handler, result.error, result.url")
			}
			for _, text := range texts {
				assert.NotContains(t, text, testPassword)
			}
			assertTagsMasked(t, vu, masked+"/")
		})
	}
}

// assertTagsMasked checks that the url and name tags of every sample pushed so far are masked as
// want (k6/http's form), and that no tag holds the password.
func assertTagsMasked(t *testing.T, vu *jsVU, want string) {
	t.Helper()
	n := 0
	for len(vu.samples) > 0 {
		for _, s := range (<-vu.samples).GetSamples() {
			n++
			tags := s.Tags.Map()
			assert.Equal(t, want, tags[metrics.TagURL.String()], s.Metric.Name)
			assert.Equal(t, want, tags[metrics.TagName.String()], s.Metric.Name)
			for k, v := range tags {
				assert.NotContains(t, v, testPassword, "tag %s of %s", k, s.Metric.Name)
			}
		}
	}
	assert.Positive(t, n, "samples")
}

// TestNoPasswordInEvents: the open event's url is the URL masked, a message event's origin is the
// URL's origin (scheme://host:port, as the HTML standard serializes it), and neither holds the
// password, in EventSource and in open().
func TestNoPasswordInEvents(t *testing.T) {
	t.Parallel()
	srv := streamServer(t, "data: one\n\n", false)
	withPassword, masked := withUserInfo(srv.URL)
	vu := newJSVU(t)
	vu.run(t, fmt.Sprintf(`
		var seen = {};
		const es = new EventSource(%q);
		es.onopen = (e) => { seen.url = e.url; };
		es.onmessage = (e) => { seen.origin = e.origin; seen.es = es.url; es.close(); };
	`, withPassword+"/sse?x=1"))
	seen := vu.get("seen").(map[string]any)
	assert.Equal(t, masked+"/sse?x=1", seen["url"])
	assert.Equal(t, srv.URL, seen["origin"])
	assert.Equal(t, withPassword+"/sse?x=1", seen["es"], "es.url is what the script gave, as in browsers")
	assertTagsMasked(t, vu, masked+"/sse?x=1")
}

// TestNoPasswordInRedirectWarning: the warning that k6's default maxRedirects stopped a redirect
// chain names the URL masked.
func TestNoPasswordInRedirectWarning(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, r.URL.Path+"x", http.StatusFound)
	}))
	t.Cleanup(srv.Close)
	withPassword, masked := withUserInfo(srv.URL)
	vu := newJSVU(t)
	hook := logtest.NewLocal(vu.state.Logger.(*logrus.Logger))
	vu.run(t, fmt.Sprintf(`
		var errors = [];
		new EventSource(%q).onerror = (e) => errors.push(e.error);
	`, withPassword+"/r"))
	var warned bool
	for _, e := range hook.AllEntries() {
		line, err := e.String()
		require.NoError(t, err)
		assert.NotContains(t, line, testPassword)
		if strings.Contains(e.Message, "Stopped after") {
			warned = true
			assert.Equal(t, masked+"/r", e.Data["url"])
		}
	}
	assert.True(t, warned, "the redirect warning was logged")
	for _, text := range vu.get("errors").([]any) {
		assert.NotContains(t, text, testPassword)
	}
}

// TestMessageOriginAfterRedirect: a message event's origin is that of the URL that answered, after
// redirects, as the spec says (the final URL's origin), not that of the URL given.
func TestMessageOriginAfterRedirect(t *testing.T) {
	t.Parallel()
	target := streamServer(t, "data: one\n\n", false)
	from := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, target.URL+"/moved", http.StatusFound)
	}))
	t.Cleanup(from.Close)
	vu := newJSVU(t)
	vu.run(t, fmt.Sprintf(`
		var seen = {};
		const es = new EventSource(%q);
		es.onopen = (e) => { seen.url = e.url; };
		es.onmessage = (e) => { seen.origin = e.origin; es.close(); };
	`, from.URL+"/start"))
	seen := vu.get("seen").(map[string]any)
	assert.Equal(t, target.URL+"/moved", seen["url"])
	assert.Equal(t, target.URL, seen["origin"])
	assert.NotEqual(t, from.URL, target.URL)
}
