package sse

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/xk6-barrier/xk6-barrier/internal/redact"
)

const (
	// DefaultRetryDelay is the reconnection time until the stream sets one
	// with a "retry" field.
	DefaultRetryDelay = 3 * time.Second
	// DefaultMaxRetries is how many times a stream reconnects at most when
	// reconnection is on and Config.MaxRetries is 0.
	DefaultMaxRetries = 10
	// TimeoutLimit is the largest Config.Timeout (the timeout option).
	TimeoutLimit = 24 * time.Hour
	// IdleTimeoutLimit is the largest Config.IdleTimeout (the idleTimeout option).
	IdleTimeoutLimit = 24 * time.Hour
	// RetryDelayLimit is the largest Config.RetryDelay (the reconnect.delay option); a stream's
	// retry field is not bounded by it.
	RetryDelayLimit = 24 * time.Hour
	// MaxEventSizeLimit is the largest Config.MaxEventSize (the maxEventSize option): 256 MiB.
	MaxEventSizeLimit = 256 << 20
	// MaxRetriesLimit is the largest Config.MaxRetries (the reconnect.retries option).
	MaxRetriesLimit = 1_000_000
	// errorBodyTimeout bounds the time spent reading a rejected response's
	// body, so that a response that trickles forever cannot hang the stream.
	errorBodyTimeout = 5 * time.Second
)

// Config describes an event stream: its HTTP request and how to run it.
// The zero value of each field means its default.
type Config struct {
	// URL is the http or https URL of the stream.
	URL string
	// Method is the request method; default GET.
	Method string
	// Header holds extra request headers. Accept: text/event-stream and
	// Cache-Control: no-cache are sent unless set here; Last-Event-ID is
	// set on reconnection when the stream has given an ID.
	Header http.Header
	// Body is the request body, sent again on each reconnection.
	Body []byte
	// Timeout bounds the time from the start of a request to its response
	// headers; 0 means none.
	Timeout time.Duration
	// IdleTimeout ends a connection that receives no bytes for that long
	// (keep-alive comments count); 0 means none.
	IdleTimeout time.Duration
	// MaxEventSize bounds an event's data and a line (see
	// WithMaxEventSize); default DefaultMaxEventSize.
	MaxEventSize int
	// Reconnect turns on reestablishing the connection, as an EventSource
	// does, after a network error, a timeout or the end of the stream (not
	// after a ResponseError or ErrEventTooLarge). Off by default.
	Reconnect bool
	// RetryDelay is the reconnection time until the stream sends a "retry"
	// field; default DefaultRetryDelay.
	RetryDelay time.Duration
	// MaxRetries bounds the reconnections over the stream's life; default
	// DefaultMaxRetries.
	MaxRetries int
	// Client sends the requests and follows redirects (its CheckRedirect
	// and Jar apply to every connection and reconnection). It must have no
	// Timeout (that would cut the stream); use Timeout and IdleTimeout
	// instead. If nil, the stream uses an http.Client over Transport.
	Client *http.Client
	// Transport is the round tripper used when Client is nil; if it is nil
	// too, http.DefaultTransport.
	Transport http.RoundTripper
}

// LimitError is a Config field out of its range: negative, or over its limit. NewStream returns
// it; a binding that names the field otherwise (an option of its own) reads Field.
type LimitError struct {
	// Field is the Config field: "Timeout", "IdleTimeout", "RetryDelay", "MaxEventSize" or
	// "MaxRetries".
	Field string
	// Value is the value given (nanoseconds for a duration).
	Value int64
	// Limit is the largest value accepted (nanoseconds for a duration); the least is 0.
	Limit int64
	// Duration says that Value and Limit are time.Durations.
	Duration bool
}

// Error says which field is negative, or over which limit.
func (e *LimitError) Error() string {
	switch {
	case e.Value < 0:
		return "sse: negative " + e.Field
	case e.Duration:
		return fmt.Sprintf("sse: %s %v is over its limit of %v", e.Field, time.Duration(e.Value), time.Duration(e.Limit))
	case e.Field == "MaxEventSize":
		return fmt.Sprintf("sse: %s %d is over its limit of %d (256 MiB)", e.Field, e.Value, e.Limit)
	}
	return fmt.Sprintf("sse: %s %d is over its limit of %d", e.Field, e.Value, e.Limit)
}

// withDefaults checks c and returns it with its defaults filled in. NewStream calls it, once: the
// one place of the Config's rules.
func (c Config) withDefaults() (Config, error) {
	u, err := url.Parse(c.URL)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) { // its text quotes the URL: say it masked
			err = ue.Err
		}
		return c, fmt.Errorf("sse: bad URL %q: %w", redact.HTTPURL(c.URL), err)
	}
	if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		return c, fmt.Errorf("sse: bad URL %q: want an http or https URL with a host", redact.HTTPURL(c.URL))
	}
	if c.Method == "" {
		c.Method = http.MethodGet
	}
	if _, err := http.NewRequest(c.Method, c.URL, nil); err != nil {
		return c, fmt.Errorf("sse: bad request: %w", err)
	}
	if err := checkHeader(c.Header); err != nil {
		return c, err
	}
	for _, l := range []LimitError{
		{Field: "Timeout", Value: int64(c.Timeout), Limit: int64(TimeoutLimit), Duration: true},
		{Field: "IdleTimeout", Value: int64(c.IdleTimeout), Limit: int64(IdleTimeoutLimit), Duration: true},
		{Field: "RetryDelay", Value: int64(c.RetryDelay), Limit: int64(RetryDelayLimit), Duration: true},
		{Field: "MaxEventSize", Value: int64(c.MaxEventSize), Limit: MaxEventSizeLimit},
		{Field: "MaxRetries", Value: int64(c.MaxRetries), Limit: MaxRetriesLimit},
	} {
		if l.Value < 0 || l.Value > l.Limit {
			return c, &l
		}
	}
	if c.MaxEventSize == 0 {
		c.MaxEventSize = DefaultMaxEventSize
	}
	if c.RetryDelay == 0 {
		c.RetryDelay = DefaultRetryDelay
	}
	if c.MaxRetries == 0 {
		c.MaxRetries = DefaultMaxRetries
	}
	if c.Client == nil {
		c.Client = &http.Client{Transport: c.Transport}
	}
	return c, nil
}

// checkHeader refuses a header that cannot be sent as given: a name that is not an RFC 7230 token
// (a space, a colon, ...), a value with a control character (CR, LF, NUL, ...; a tab is fine).
// The error names the header, not its value, which may be a secret.
func checkHeader(h http.Header) error {
	for name, values := range h {
		if !validHeaderName(name) {
			return fmt.Errorf(
				"sse: header %q: invalid name: a header name is a token of letters, digits and !#$%%&'*+-.^_`|~ (no space, "+
					"colon or control character)",
				name)
		}
		for _, v := range values {
			if !validHeaderValue(v) {
				return fmt.Errorf(
					"sse: header %q: invalid value: it contains a control character (CR, LF, NUL, ...), which an HTTP header "+
						"cannot carry",
					name)
			}
		}
	}
	return nil
}

// validHeaderName reports whether name is an RFC 7230 token.
func validHeaderName(name string) bool {
	if name == "" {
		return false
	}
	for i := range len(name) {
		c := name[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0:
		default:
			return false
		}
	}
	return true
}
