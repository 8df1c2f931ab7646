// Package sse is a Server-Sent Events client core: a Decoder that parses an
// event stream by the WHATWG HTML rules ("9.2.6 Interpreting an event
// stream"), and a Stream that runs the HTTP side of an EventSource (request,
// response checks, idle timeout, reconnection with Last-Event-ID) and hands
// what happens to a Handler, events in batches.
//
// The package knows nothing of k6 or JavaScript; the k6/x/sse binding is
// built on top of it.
package sse
