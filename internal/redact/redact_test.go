package redact

import (
	"net/url"
	"testing"
)

func TestURL(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"redis://127.0.0.1:6379", "redis://127.0.0.1:6379"},
		{"redis://user:secret@host:6379/0", "redis://user:xxxxx@host:6379/0"},
		{"rediss://:secret@host:6380", "rediss://:xxxxx@host:6380"},
		{"http://u:p%40ss@example.com/sse?x=1", "http://u:xxxxx@example.com/sse?x=1"},
		{"http://u:secret@exa mple.com:bad/", "(unparsable URL)"},
	}
	for _, tt := range tests {
		if got := URL(tt.in); got != tt.want {
			t.Errorf("URL(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestHTTPURL(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"http://example.com:8080/sse?x=1", "http://example.com:8080/sse?x=1"},
		{"http://alice:S3cr3tPw@example.com/sse", "http://****:****@example.com/sse"},
		{"https://alice@example.com/sse", "https://****@example.com/sse"},
		{"http://u:p%40ss@example.com/sse?a=b@c", "http://****:****@example.com/sse?a=b@c"},
		{"http://u:p@ss@example.com/sse", "http://****:****@example.com/sse"},
		{"http://:secret@example.com", "http://****:****@example.com"},
		{"http://u:secret@exa mple.com:bad/x", "http://****:****@exa mple.com:bad/x"},
		{"u:secret@example.com", "(unparsable URL)"},
		{"example.com/x", "example.com/x"},
	}
	for _, tt := range tests {
		if got := HTTPURL(tt.in); got != tt.want {
			t.Errorf("HTTPURL(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestURLAndQuery(t *testing.T) {
	t.Parallel()
	u, err := url.Parse("redis://user:secret@host:6379/0?password=hidden&dial_timeout=5s")
	if err != nil {
		t.Fatal(err)
	}
	want := "redis://user:xxxxx@host:6379/0?dial_timeout=xxxxx&password=xxxxx"
	if got := URLAndQuery(u); got != want {
		t.Errorf("URLAndQuery = %q, want %q", got, want)
	}
}

func TestSecrets(t *testing.T) {
	t.Parallel()
	u, err := url.Parse("redis://user:p%40ss@host:6379/0?password=q%2Fw")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ in, want string }{
		{"dial redis://user:p@ss@host: refused", "dial redis://user:xxxxx@host: refused"},
		{"escaped p%40ss and q%2Fw", "escaped xxxxx and xxxxx"},
		{"plain q/w", "plain xxxxx"},
		{"nothing secret", "nothing secret"},
	}
	for _, tt := range tests {
		if got := Secrets(tt.in, u); got != tt.want {
			t.Errorf("Secrets(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	if got := Secrets("x", nil); got != "x" {
		t.Errorf("Secrets with a nil URL = %q", got)
	}
}
