package sse

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"unicode/utf8"
)

// MaxErrorBodySize is how much of the body of a rejected response a
// ResponseError keeps: 64 KiB.
const MaxErrorBodySize = 64 << 10

var (
	// ErrStatus is wrapped by the ResponseError of a response whose status
	// is not 2xx.
	ErrStatus = errors.New("sse: response status is not 2xx")
	// ErrNoContent is wrapped by the ResponseError of a 204 No Content
	// response: the server's way to say "do not reconnect".
	ErrNoContent = errors.New("sse: response is 204 No Content")
	// ErrContentType is wrapped by the ResponseError of a 2xx response whose
	// Content-Type is not text/event-stream.
	ErrContentType = errors.New("sse: response Content-Type is not text/event-stream")
	// ErrConnectTimeout is wrapped by the error of a connection whose
	// response headers did not arrive within Config.Timeout.
	ErrConnectTimeout = errors.New("sse: timeout waiting for response headers")
	// ErrIdleTimeout is wrapped by the error of a connection that received
	// no bytes for Config.IdleTimeout.
	ErrIdleTimeout = errors.New("sse: idle timeout")
	// ErrRetriesExhausted is wrapped by the error reported when the stream
	// gives up reconnecting after Config.MaxRetries reconnections.
	ErrRetriesExhausted = errors.New("sse: reconnection attempts exhausted")
	// ErrAlreadyRun is returned by Run on a Stream that already ran.
	ErrAlreadyRun = errors.New("sse: stream already run")
)

// ResponseError is a response rejected as an event stream: a status other
// than 2xx, a 204, a Content-Type other than text/event-stream, or a
// Content-Encoding that cannot be decoded. The
// connection is failed and not reestablished, as the spec says.
type ResponseError struct {
	StatusCode int         // e.g. 500
	Status     string      // e.g. "500 Internal Server Error"
	Header     http.Header // the response headers
	Body       []byte      // the first MaxErrorBodySize bytes of the body
	Truncated  bool        // the body was longer than Body
	err        error       // ErrStatus, ErrNoContent, ErrContentType or ErrContentEncoding
}

// Error says what was rejected, with the start of the body.
func (e *ResponseError) Error() string {
	msg := fmt.Sprintf("%v: %s", e.err, e.Status)
	switch {
	case errors.Is(e.err, ErrContentType):
		msg += fmt.Sprintf(" with Content-Type %q", e.Header.Get("Content-Type"))
	case errors.Is(e.err, ErrContentEncoding):
		_, unsupported := contentCodings(e.Header.Values("Content-Encoding"))
		msg += fmt.Sprintf(
			" with Content-Encoding %q: %q is not one of gzip, deflate, br, zstd",
			strings.Join(e.Header.Values("Content-Encoding"), ", "), unsupported)
	}
	if len(e.Body) > 0 {
		const snippet = 200
		body := e.Body
		if len(body) > snippet {
			body = body[:snippet]
			for len(body) > 0 && !utf8.Valid(body) { // do not cut a character
				body = body[:len(body)-1]
			}
		}
		msg += fmt.Sprintf(": %q", body)
	}
	return msg
}

// Unwrap returns ErrStatus, ErrNoContent, ErrContentType or ErrContentEncoding.
func (e *ResponseError) Unwrap() error { return e.err }
