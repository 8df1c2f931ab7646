package common

import "testing"

func TestCamelToSnake(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"LastEventID": "last_event_id", "URL": "url", "Status": "status", "HTTPStatus": "http_status",
		"WaitedMs": "waited_ms", "VUIDGlobal": "vuid_global",
	} {
		if got := camelToSnake(in); got != want {
			t.Errorf("camelToSnake(%q) = %q, want %q", in, got, want)
		}
	}
}
