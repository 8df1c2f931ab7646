package jseventsource

import (
	"errors"
	"strconv"
	"strings"
)

// k6's error codes of HTTP/2 failures: a base per kind, plus 1 + the HTTP/2 error code for the
// codes HTTP/2 defines (NO_ERROR 0 to HTTP_1_1_REQUIRED 13), the base alone for another code.
const (
	errCodeHTTP2GoAway     = 1610 // the server sent GOAWAY and closed the connection
	errCodeHTTP2Stream     = 1630 // a stream error: RST_STREAM, from the server or the client
	errCodeHTTP2Connection = 1650 // a connection error
)

// http2ErrCodeNames are the names of the HTTP/2 error codes, by code, as Go's HTTP/2 errors
// print them.
func http2ErrCodeNames() []string {
	return []string{
		"NO_ERROR", "PROTOCOL_ERROR", "INTERNAL_ERROR", "FLOW_CONTROL_ERROR", "SETTINGS_TIMEOUT",
		"STREAM_CLOSED", "FRAME_SIZE_ERROR", "REFUSED_STREAM", "CANCEL", "COMPRESSION_ERROR",
		"CONNECT_ERROR", "ENHANCE_YOUR_CALM", "INADEQUATE_SECURITY", "HTTP_1_1_REQUIRED",
	}
}

// http2CodeOffset returns what k6 adds to a kind's base for the HTTP/2 error code named name:
// 1 + the code for a code HTTP/2 defines, 0 for another ("unknown error code 0x..."). It reports
// false for a name that is neither.
func http2CodeOffset(name string) (int, bool) {
	for code, n := range http2ErrCodeNames() {
		if n == name {
			return 1 + code, true
		}
	}
	if hex, ok := strings.CutPrefix(name, "unknown error code 0x"); ok {
		if _, err := strconv.ParseUint(hex, 16, 32); err == nil {
			return 0, true
		}
	}
	return 0, false
}

// http2ErrorCode is k6/http's error code of an HTTP/2 failure, read as k6 reads it, from the text
// of the innermost error (Go's HTTP/2 errors, bundled in net/http or not, print alike):
// "stream error: stream ID N; CODE[; cause]", "connection error: CODE", "http2: server sent
// GOAWAY and closed the connection; ..., ErrCode=CODE, ...". It returns errCodeDefault for any
// other error.
func http2ErrorCode(err error) int {
	for inner := errors.Unwrap(err); inner != nil; inner = errors.Unwrap(err) {
		err = inner
	}
	msg := err.Error()
	switch {
	case strings.HasPrefix(msg, "stream error: "):
		if _, rest, ok := strings.Cut(msg, "; "); ok {
			name, _, _ := strings.Cut(rest, ";")
			if off, ok := http2CodeOffset(strings.TrimSpace(name)); ok {
				return errCodeHTTP2Stream + off
			}
		}
	case strings.HasPrefix(msg, "connection error: "):
		if off, ok := http2CodeOffset(strings.TrimPrefix(msg, "connection error: ")); ok {
			return errCodeHTTP2Connection + off
		}
	case strings.HasPrefix(msg, "http2: server sent GOAWAY"):
		if _, after, ok := strings.Cut(msg, "ErrCode="); ok {
			name, _, _ := strings.Cut(after, ",")
			if off, ok := http2CodeOffset(name); ok {
				return errCodeHTTP2GoAway + off
			}
		}
	}
	return errCodeDefault
}
