// Package sse is a Server-Sent Events client core: a Decoder that parses an
// event stream by the WHATWG HTML rules ("9.2.6 Interpreting an event
// stream"), and a Stream that runs the HTTP side of an EventSource (request,
// response checks, idle timeout, reconnection with Last-Event-ID) and hands
// what happens to a Handler, events in batches. A Stream sends its requests
// through an http.Client or http.Transport, or, given a Dialer, on a lean
// HTTP/1.1 path of its own (one goroutine and small buffers per open
// stream; HTTP/1.1 only, no HTTP proxy): see Config.Dialer. Config's rules
// (defaults, limits) live here, checked once by NewStream.
//
// The package knows nothing of k6 or JavaScript: it imports neither. The
// k6/x/eventsource JavaScript module (EventSource, and the xk6-sse
// compatible open()) is a binding on top of it, in
// internal/jseventsource.
package sse
