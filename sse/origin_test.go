package sse

import (
	"net/url"
	"testing"
)

func TestOrigin(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ in, want string }{
		{"http://alice:S3cr3tPw@example.com:8080/sse?x=1#f", "http://example.com:8080"},
		{"http://Example.COM:80/sse", "http://example.com"},
		{"https://example.com:443/", "https://example.com"},
		{"https://example.com:8443", "https://example.com:8443"},
		{"http://[::1]:8080/x", "http://[::1]:8080"},
		{"http://[::1]/x", "http://[::1]"},
		{"HTTP://127.0.0.1:1234", "http://127.0.0.1:1234"},
		{"ftp://example.com/x", "null"},
	} {
		u, err := url.Parse(tt.in)
		if err != nil {
			t.Fatal(err)
		}
		if got := Origin(u); got != tt.want {
			t.Errorf("Origin(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
