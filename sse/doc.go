// Package sse is a Server-Sent Events client core: a Decoder that parses an
// event stream by the WHATWG HTML rules ("9.2.6 Interpreting an event
// stream"), and a Stream that runs the HTTP side of an EventSource (request,
// response checks, idle timeout, reconnection with Last-Event-ID) and hands
// what happens to a Handler, events in batches. A Stream sends its requests
// through an http.Client or http.Transport, or, given a Dialer, on a lean
// HTTP/1.1 path of its own (one goroutine and small buffers per open
// stream; HTTP/1.1 only, no HTTP proxy): see Config.Dialer.
//
// The k6/x/sse JavaScript binding sits on top of that core, in the js_*.go
// files and module.go: EventSource (event-loop driven, in the browser's
// shape) and open() (blocking, compatible with the xk6-sse extension). The
// core does not depend on the binding.
package sse
