package sse

import (
	"net/http"
	"time"
)

// Handler receives what happens on a Stream. Run calls its methods one at a
// time, from the goroutine that called Run, in this order per connection:
// OnOpen, OnEvents any number of times, OnSessionEnd; OnError for any
// error; then OnReconnect before the next connection. A method may call
// Stream.Close. A method that blocks holds up reading, which is how a slow
// consumer applies backpressure; it should return once Stream.Done is
// closed.
type Handler interface {
	// OnOpen is called when a connection is established: a 2xx response
	// (not 204) with Content-Type text/event-stream; with a Content-Encoding,
	// once the body's first bytes have decoded (a body that does not decode
	// is an error, without OnOpen).
	OnOpen(Open)
	// OnEvents is called with the events decoded from each read: every
	// event already received, at once, so that a consumer on an event loop
	// can take them in one turn. The handler owns the batch.
	OnEvents(Batch)
	// OnSessionEnd is called when an established connection ends.
	OnSessionEnd(Session)
	// OnError is called for each error: a failed request (network error,
	// timeout, *ResponseError), a broken stream, an event too large, or
	// reconnection given up (ErrRetriesExhausted). A server ending the
	// stream cleanly, and Close, are not errors.
	OnError(error)
	// OnReconnect is called before waiting to reconnect.
	OnReconnect(Reconnect)
}

// Open describes an established connection.
type Open struct {
	StatusCode int         // e.g. 200
	Status     string      // e.g. "200 OK"
	Proto      string      // e.g. "HTTP/2.0"
	Header     http.Header // the response headers
	URL        string      // the URL that answered, after redirects (its user info as given)
	Origin     string      // URL's origin (see Origin): a message event's origin
	Attempt    int         // 0 for the first connection, n for the nth reconnection
	// ConnectingTime is the time from the start of the request to the
	// response headers.
	ConnectingTime time.Duration
}

// Batch is the events decoded from one read, in stream order.
type Batch struct {
	Events []Event
	// First marks the first batch of a connection.
	First bool
	// TimeToFirstEvent is, on the first batch of a connection, the time
	// from the start of the request to its first event; else 0.
	TimeToFirstEvent time.Duration
}

// Session describes an established connection that ended.
type Session struct {
	Attempt int // as in Open
	// Duration is the time from the start of the request to the end.
	Duration time.Duration
	// Events is how many events the connection delivered.
	Events int
	// Err is why it ended: nil when closed by Close or the context, io.EOF
	// when the server ended the stream between events, else the error
	// (also given to OnError).
	Err error
}

// Reconnect describes a coming reconnection.
type Reconnect struct {
	Attempt     int           // 1 for the first reconnection
	Delay       time.Duration // the wait before it: the stream's reconnection time
	LastEventID string        // sent as Last-Event-ID, unless empty
	Err         error         // why the last connection ended, io.EOF if cleanly
}
