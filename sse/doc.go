// Package sse is a Server-Sent Events client core: a Decoder that parses an
// event stream by the WHATWG HTML rules ("9.2.6 Interpreting an event
// stream"), and a Stream that runs the HTTP side of an EventSource (request,
// response checks, idle timeout, reconnection with Last-Event-ID) and hands
// what happens to a Handler, events in batches. A Stream sends its requests
// through the http.Client or http.RoundTripper it is given (HTTP/2, proxies,
// cookies and redirects are theirs), and decodes a compressed stream
// (Content-Encoding gzip, deflate, br, zstd) as it arrives. Config's rules
// (defaults, limits) live here, checked once by NewStream.
//
// The package knows nothing of k6 or JavaScript: it imports neither. The
// k6/x/eventsource JavaScript module (EventSource, and the xk6-sse
// compatible open()) is a binding on top of it, in
// internal/jseventsource.
package sse
