package sse

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/xk6-barrier/xk6-barrier/internal/redact"
)

// errStreamEnded is the cancellation cause once Run has returned.
var errStreamEnded = errors.New("sse: stream ended")

// errClosed is the cancellation cause of Close.
var errClosed = errors.New("sse: stream closed")

// Stream is the HTTP side of an EventSource: it connects, checks the
// response, decodes events, and reconnects if configured to, reporting all
// of it to a Handler. Close and Done are safe for concurrent use.
type Stream struct {
	cfg    Config
	ctx    context.Context // ends with Close, Run's context, or Run's return
	cancel context.CancelCauseFunc
	ran    atomic.Bool

	// Owned by the Run goroutine.
	lastEventID string
	retryDelay  time.Duration
	batchCap    int

	errorBodyTimeout time.Duration // bounds reading a rejected response's body
}

// NewStream checks cfg and returns a Stream ready to Run.
func NewStream(cfg Config) (*Stream, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	s := &Stream{cfg: cfg, retryDelay: cfg.RetryDelay, batchCap: 8, errorBodyTimeout: errorBodyTimeout}
	s.ctx, s.cancel = context.WithCancelCause(context.Background())
	if id := cfg.Header.Get("Last-Event-ID"); id != "" {
		s.lastEventID = id
	}
	return s, nil
}

// Close stops the stream: it cancels the request in flight and makes Run
// return soon. It does not wait for Run; it is idempotent and may be called
// from any goroutine, a Handler method included, before or during Run.
func (s *Stream) Close() {
	s.cancel(errClosed)
}

// stopped reports whether the stream was stopped by its user, by Close or the
// end of Run's context. Whatever ends the connection then follows from the
// stop, so Run reports no error for it.
func (s *Stream) stopped() bool {
	return s.ctx.Err() != nil
}

// Done is closed when the stream stops: on Close, at the end of Run's
// context, or when Run returns.
func (s *Stream) Done() <-chan struct{} {
	return s.ctx.Done()
}

// Run connects and delivers events to h until the stream ends: by Close or
// ctx, by an error that is not followed by a reconnection, or by the server
// ending the stream when Reconnect is off. It returns nil in the first and
// last case, else the error that ended it (already given to h.OnError).
// When Run returns, the connection is closed and no goroutine of the stream
// is left. Run may be called once.
func (s *Stream) Run(ctx context.Context, h Handler) error {
	if !s.ran.CompareAndSwap(false, true) {
		return ErrAlreadyRun
	}
	if ctx.Err() != nil {
		s.cancel(context.Cause(ctx))
	}
	stop := context.AfterFunc(ctx, func() { s.cancel(context.Cause(ctx)) })
	defer stop()
	defer s.cancel(errStreamEnded)

	for attempt := 0; ; attempt++ {
		again, err := s.ended(h, attempt, s.connect(h, attempt))
		if !again {
			return err
		}
	}
}

// ended handles the end of a connection, err its reason (see connect): it reports the error, and
// either waits for the reconnection and reports true, or reports false and Run's result. It is a
// function of its own, so that Run's frame, under the reading of every connection, stays small.
func (s *Stream) ended(h Handler, attempt int, err error) (bool, error) {
	if s.stopped() {
		return false, nil
	}
	if err != nil && !endedCleanly(err) {
		s.report(h, err)
	}
	if !s.cfg.Reconnect || !reconnectable(err) {
		if endedCleanly(err) {
			return false, nil
		}
		return false, err
	}
	if attempt >= s.cfg.MaxRetries {
		if endedCleanly(err) {
			err = fmt.Errorf("the server ended the stream (%w)", err)
		}
		err = fmt.Errorf("%w: %d reconnections, last: %w", ErrRetriesExhausted, attempt, err)
		s.report(h, err)
		return false, err
	}
	h.OnReconnect(Reconnect{Attempt: attempt + 1, Delay: s.retryDelay, LastEventID: s.lastEventID, Err: err})
	return s.sleep(s.retryDelay), nil
}

// report gives err to the handler, unless the stream was closed.
func (s *Stream) report(h Handler, err error) {
	if s.ctx.Err() == nil {
		h.OnError(err)
	}
}

// reconnectable reports whether a connection that ended with err is worth
// reestablishing: not after a rejected response or an oversized event.
func reconnectable(err error) bool {
	var re *ResponseError
	return !errors.As(err, &re) && !errors.Is(err, ErrEventTooLarge)
}

// sleep waits d, or until the stream stops; it reports whether d passed.
func (s *Stream) sleep(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-s.ctx.Done():
		return false
	}
}

// connect makes one connection and reads it to its end. It returns why it
// ended: io.EOF when the server ended the stream between events.
//
// connect's and readEvents' frames are under every wait for events, for as
// long as the stream is open, so they are kept small: what the connection
// holds lives in a conn, and the work before and after the reading is done
// by functions that have returned by then (the request by a goroutine of its
// own, see handshake). The stream's goroutine then needs a 4 KiB stack, not 8.
func (s *Stream) connect(h Handler, attempt int) error {
	c, err := s.open(h, attempt)
	if c == nil {
		return err
	}
	defer c.close()
	return s.endSession(h, c, s.readEvents(h, c))
}

// conn is an open connection of a stream, from its response to its end.
type conn struct {
	ctx     context.Context // ends with the connection
	cancel  context.CancelCauseFunc
	resp    *http.Response
	idle    *idleReader  // nil without Config.IdleTimeout
	decoded *decodedBody // nil without Content-Encoding
	dec     *Decoder
	start   time.Time // when the request was sent

	connecting time.Duration // from start to the response's headers
	session    Session
}

// close releases what c holds: its decoders, its idle timer, its response
// and its request.
func (c *conn) close() {
	if c.decoded != nil {
		c.decoded.close()
	}
	if c.idle != nil {
		c.idle.stop()
	}
	if c.resp != nil {
		_ = c.resp.Body.Close() // nothing to do about its error
	}
	c.cancel(nil)
}

// open makes a connection and, if its response is an event stream, tells h
// that it is open and returns it; else it returns the error (nil if the
// stream was stopped meanwhile), the connection closed. The body is read
// through no wrapper that it does not need: an idle timer only with
// IdleTimeout, decoders only for a Content-Encoding.
func (s *Stream) open(h Handler, attempt int) (*conn, error) {
	ctx, cancel := context.WithCancelCause(s.ctx)
	c := &conn{ctx: ctx, cancel: cancel, session: Session{Attempt: attempt}}
	body, err := s.responseBody(c, s.handshake(c))
	if err != nil || s.stopped() {
		c.close()
		return nil, err
	}
	c.dec = NewDecoder(body, WithMaxEventSize(s.cfg.MaxEventSize), WithLastEventID(s.lastEventID))
	s.opened(h, c)
	return c, nil
}

// opened tells h that c is open.
func (s *Stream) opened(h Handler, c *conn) {
	resp := c.resp
	h.OnOpen(Open{
		StatusCode: resp.StatusCode, Status: resp.Status, Proto: resp.Proto, Header: resp.Header,
		URL: resp.Request.URL.String(), Origin: Origin(resp.Request.URL), Attempt: c.session.Attempt,
		ConnectingTime: c.connecting,
	})
}

// responseBody checks the response of c, whose request failed with err if
// not nil, and returns its body as the stream reads it.
func (s *Stream) responseBody(c *conn, err error) (io.Reader, error) {
	if err != nil {
		return nil, err
	}
	resp := c.resp
	if err := checkResponse(resp); err != nil {
		return nil, s.rejected(c.cancel, resp, err)
	}
	codings, unsupported := contentCodings(resp.Header.Values("Content-Encoding"))
	if unsupported != "" {
		return nil, &ResponseError{
			StatusCode: resp.StatusCode, Status: resp.Status, Header: resp.Header, err: ErrContentEncoding,
		}
	}
	var body io.Reader = resp.Body
	if s.cfg.IdleTimeout > 0 {
		c.idle = newIdleReader(resp.Body, c.cancel, s.cfg.IdleTimeout)
		body = c.idle
	}
	if len(codings) > 0 {
		c.decoded = newDecodedBody(body, codings)
		// A body that does not decode fails here, before the stream is open.
		if err := c.decoded.peek(); err != nil {
			if errors.Is(context.Cause(c.ctx), ErrIdleTimeout) && !s.stopped() {
				return nil, fmt.Errorf("%w: no bytes for %v", ErrIdleTimeout, s.cfg.IdleTimeout)
			}
			return nil, err
		}
		body = c.decoded
	}
	return body, nil
}

// endSession ends the session of c, which readEvents ended with err: it keeps
// what the stream carries to its next connection (the last event ID, the
// reconnection time), tells h and returns the session's error.
func (s *Stream) endSession(h Handler, c *conn, err error) error {
	s.lastEventID = c.dec.LastEventID()
	if retry, set := c.dec.Retry(); set {
		s.retryDelay = retry
	}
	c.dec.Release()
	c.session.Err = err
	c.session.Duration = time.Since(c.start)
	if s.stopped() {
		c.session.Err = nil
	}
	h.OnSessionEnd(c.session)
	return c.session.Err
}

// handshake sends the request of c and waits for its response's headers, on
// a goroutine of its own that ends with it, while the stream's goroutine
// waits: sending a request takes net/http deep (dialling, writing the
// request, reading the headers), and a goroutine keeps the stack it grew for
// as long as it runs deep enough (Go halves a stack only when less than a
// quarter of it is used). The stream's goroutine, which then waits for events
// for as long as the stream is open, keeps only the stack that reading needs.
// It returns the request's error; else c holds the response.
func (s *Stream) handshake(c *conn) error {
	done := make(chan error, 1)
	go s.sendRequest(c, done)
	return <-done
}

// sendRequest is handshake's goroutine.
func (s *Stream) sendRequest(c *conn, done chan<- error) {
	req, err := s.newRequest(c.ctx)
	if err == nil {
		c.start = time.Now()
		c.resp, err = s.roundTrip(c.ctx, c.cancel, req) //nolint:bodyclose // closed by c.close, when the connection ends
		c.connecting = time.Since(c.start)
	}
	done <- err
}

// rejected is the error of resp, a response that is not an event stream (err): with its body,
// bounded in size and in time (a body may trickle forever). cancel ends the connection.
func (s *Stream) rejected(cancel context.CancelCauseFunc, resp *http.Response, err *ResponseError) error {
	t := time.AfterFunc(s.errorBodyTimeout, func() { cancel(errErrorBodyTimeout) })
	defer t.Stop()
	var body io.Reader = resp.Body
	if codings, unsupported := contentCodings(resp.Header.Values(
		"Content-Encoding")); unsupported == "" && len(codings) > 0 {
		decoded := newDecodedBody(resp.Body, codings) // the body as the server meant it; bounded below
		defer decoded.close()
		body = decoded
	}
	err.Body, err.Truncated = readBounded(body, MaxErrorBodySize)
	return err
}

// errErrorBodyTimeout cuts the reading of a rejected response's body.
var errErrorBodyTimeout = errors.New("sse: reading the body of a rejected response took too long")

// validHeaderValue reports whether v can be sent as a header value: an ID
// with control characters would make every reconnection fail.
func validHeaderValue(v string) bool {
	for i := range len(v) {
		if c := v[i]; c < ' ' && c != '\t' || c == 0x7f {
			return false
		}
	}
	return true
}

// newRequest builds the request of one connection.
func (s *Stream) newRequest(ctx context.Context) (*http.Request, error) {
	var body io.Reader
	if s.cfg.Body != nil {
		body = bytes.NewReader(s.cfg.Body)
	}
	req, err := http.NewRequestWithContext(ctx, s.cfg.Method, s.cfg.URL, body)
	if err != nil {
		return nil, fmt.Errorf("sse: building request: %w", err)
	}
	if s.cfg.Header != nil {
		req.Header = s.cfg.Header.Clone()
	}
	if req.Header.Get("Accept") == "" {
		req.Header.Set("Accept", "text/event-stream")
	}
	if req.Header.Get("Cache-Control") == "" {
		req.Header.Set("Cache-Control", "no-cache")
	}
	if s.lastEventID != "" && validHeaderValue(s.lastEventID) {
		req.Header.Set("Last-Event-ID", s.lastEventID)
	}
	return req, nil
}

// roundTrip sends req, bounded by the connect timeout.
func (s *Stream) roundTrip(
	ctx context.Context, cancel context.CancelCauseFunc, req *http.Request,
) (*http.Response, error) {
	if s.cfg.Timeout > 0 {
		t := time.AfterFunc(s.cfg.Timeout, func() { cancel(ErrConnectTimeout) })
		defer t.Stop()
	}
	resp, err := s.cfg.Client.Do(req)
	if err != nil {
		if errors.Is(context.Cause(ctx), ErrConnectTimeout) {
			return nil, connectTimeoutError(s.cfg.Timeout, req)
		}
		return nil, fmt.Errorf("sse: request failed: %w", err)
	}
	if errors.Is(context.Cause(ctx), ErrConnectTimeout) { // it fired as the response came
		_ = resp.Body.Close() // the timeout is the error
		return nil, connectTimeoutError(s.cfg.Timeout, req)
	}
	return resp, nil
}

// connectTimeoutError is the error of a request whose response headers did not come within
// timeout: it names the request, its URL's user info masked as k6 masks it.
func connectTimeoutError(timeout time.Duration, req *http.Request) error {
	return fmt.Errorf("%w (%v): %s %s", ErrConnectTimeout, timeout, req.Method, redact.HTTPURL(req.URL.String()))
}

// checkResponse rejects a response that is not an event stream.
func checkResponse(resp *http.Response) *ResponseError {
	var err error
	switch {
	case resp.StatusCode == http.StatusNoContent:
		err = ErrNoContent
	case resp.StatusCode < 200 || resp.StatusCode > 299:
		err = ErrStatus
	case !isEventStream(resp.Header.Get("Content-Type")):
		err = ErrContentType
	default:
		return nil
	}
	return &ResponseError{StatusCode: resp.StatusCode, Status: resp.Status, Header: resp.Header, err: err}
}

// isEventStream reports whether a Content-Type is text/event-stream,
// whatever its parameters.
func isEventStream(contentType string) bool {
	if mt, _, err := mime.ParseMediaType(contentType); err == nil {
		return mt == "text/event-stream"
	}
	essence, _, _ := strings.Cut(contentType, ";") // parameters malformed
	return strings.EqualFold(strings.TrimSpace(essence), "text/event-stream")
}

// readBounded reads up to limit bytes of r, and reports whether there was
// more. A read error just ends the body.
func readBounded(r io.Reader, limit int) ([]byte, bool) {
	body, _ := io.ReadAll(io.LimitReader(r, int64(limit)+1))
	if len(body) > limit {
		return body[:limit], true
	}
	return body, false
}

// readEvents decodes the body of c and delivers the events in batches, until
// the body ends, fails or the stream stops.
func (s *Stream) readEvents(h Handler, c *conn) error {
	for {
		ev, err := c.dec.Next()
		if err != nil {
			return s.endError(c.ctx, c.dec, err)
		}
		s.deliver(h, c, ev)
		if s.stopped() {
			return nil
		}
	}
}

// deliver gives h the batch of ev, the event that the decoder returned, and of the events that
// followed it in the same read. It is a function of its own, so that readEvents' frame, under
// every wait for events, stays small.
func (s *Stream) deliver(h Handler, c *conn, ev Event) {
	dec, session := c.dec, &c.session
	batch := Batch{Events: make([]Event, 1, s.batchCap), First: session.Events == 0}
	batch.Events[0] = ev
	for {
		ev, ok := dec.NextBuffered()
		if !ok {
			break // no further event buffered, or an error that the next Next returns
		}
		batch.Events = append(batch.Events, ev)
	}
	if batch.First {
		batch.TimeToFirstEvent = time.Since(c.start)
	}
	s.batchCap = max(len(batch.Events), 8)
	session.Events += len(batch.Events)
	s.lastEventID = dec.LastEventID()
	h.OnEvents(batch)
}

// endedCleanly reports whether err, the end of a connection, is io.EOF itself:
// the body's reader saw the server end the stream. An error that wraps io.EOF
// is not a clean end: net/http reports a connection closed before the response
// as a *url.Error wrapping io.EOF, and that is a network error.
func endedCleanly(err error) bool {
	return err == io.EOF //nolint:errorlint // only io.EOF itself is a clean end, see above
}

// endError explains the end of a connection's body.
func (s *Stream) endError(ctx context.Context, dec *Decoder, err error) error {
	switch cause := context.Cause(ctx); {
	case s.stopped():
		return nil // stopped by Close or Run's context: how the connection ended is no error
	case errors.Is(cause, ErrIdleTimeout):
		return fmt.Errorf("%w: no bytes for %v", ErrIdleTimeout, s.cfg.IdleTimeout)
	case endedCleanly(err) && dec.Pending():
		return fmt.Errorf("sse: stream ended in the middle of an event: %w", io.ErrUnexpectedEOF)
	}
	return err
}

// idleReader reads a response body, canceling its request when no bytes
// arrive for a while.
type idleReader struct {
	r       io.Reader
	cancel  context.CancelCauseFunc
	timeout time.Duration
	timer   *time.Timer
}

// newIdleReader returns r, read with its idle timer started: timeout, more
// than 0.
func newIdleReader(r io.Reader, cancel context.CancelCauseFunc, timeout time.Duration) *idleReader {
	i := &idleReader{r: r, cancel: cancel, timeout: timeout}
	i.timer = time.AfterFunc(timeout, func() { i.cancel(ErrIdleTimeout) })
	return i
}

// stop disarms the idle timer.
func (i *idleReader) stop() {
	i.timer.Stop()
}

// Read reads from the body, restarting the idle timer on progress.
func (i *idleReader) Read(p []byte) (int, error) {
	n, err := i.r.Read(p)
	if n > 0 {
		i.timer.Reset(i.timeout)
	}
	return n, err
}
