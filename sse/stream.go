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
		err := s.connect(h, attempt)
		if s.stopped() {
			return nil
		}
		if err != nil && !endedCleanly(err) {
			s.report(h, err)
		}
		if !s.cfg.Reconnect || !reconnectable(err) {
			if endedCleanly(err) {
				return nil
			}
			return err
		}
		if attempt >= s.cfg.MaxRetries {
			if endedCleanly(err) {
				err = fmt.Errorf("the server ended the stream (%w)", err)
			}
			err = fmt.Errorf("%w: %d reconnections, last: %w", ErrRetriesExhausted, attempt, err)
			s.report(h, err)
			return err
		}
		h.OnReconnect(Reconnect{Attempt: attempt + 1, Delay: s.retryDelay, LastEventID: s.lastEventID, Err: err})
		if !s.sleep(s.retryDelay) {
			return nil
		}
	}
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
func (s *Stream) connect(h Handler, attempt int) error {
	ctx, cancel := context.WithCancelCause(s.ctx)
	defer cancel(nil)
	req, err := s.newRequest(ctx)
	if err != nil {
		return err
	}
	start := time.Now()
	resp, err := s.roundTrip(ctx, cancel, req)
	if err != nil {
		return err
	}
	connecting := time.Since(start)
	defer resp.Body.Close() // nothing to do about its error

	if err := checkResponse(resp); err != nil {
		// Bound the time too: a body may trickle forever.
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
	codings, unsupported := contentCodings(resp.Header.Values("Content-Encoding"))
	if unsupported != "" {
		return &ResponseError{StatusCode: resp.StatusCode, Status: resp.Status, Header: resp.Header, err: ErrContentEncoding}
	}
	idle := newIdleReader(resp.Body, cancel)
	defer idle.stop()
	idle.arm(s.cfg.IdleTimeout)
	body := newDecodedBody(idle, codings)
	defer body.close()
	if len(codings) > 0 {
		// A body that does not decode fails here, before the stream is open.
		if err := body.peek(); err != nil {
			if errors.Is(context.Cause(ctx), ErrIdleTimeout) && !s.stopped() {
				return fmt.Errorf("%w: no bytes for %v", ErrIdleTimeout, s.cfg.IdleTimeout)
			}
			return err
		}
	}
	if s.stopped() {
		return nil
	}
	h.OnOpen(Open{
		StatusCode: resp.StatusCode, Status: resp.Status, Proto: resp.Proto, Header: resp.Header,
		URL: resp.Request.URL.String(), Origin: Origin(resp.Request.URL), Attempt: attempt, ConnectingTime: connecting,
	})
	session := Session{Attempt: attempt}
	session.Err = s.readEvents(ctx, h, body, start, &session)
	session.Duration = time.Since(start)
	if s.stopped() {
		session.Err = nil
	}
	h.OnSessionEnd(session)
	return session.Err
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

// readEvents decodes the body and delivers the events in batches, until
// the body ends, fails or the stream stops.
func (s *Stream) readEvents(ctx context.Context, h Handler, body io.Reader, start time.Time, session *Session) error {
	dec := NewDecoder(body, WithMaxEventSize(s.cfg.MaxEventSize), WithLastEventID(s.lastEventID))
	defer func() {
		s.lastEventID = dec.LastEventID()
		if retry, set := dec.Retry(); set {
			s.retryDelay = retry
		}
		dec.Release()
	}()
	for {
		ev, err := dec.Next()
		if err != nil {
			return s.endError(ctx, dec, err)
		}
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
			batch.TimeToFirstEvent = time.Since(start)
		}
		s.batchCap = max(len(batch.Events), 8)
		session.Events += len(batch.Events)
		s.lastEventID = dec.LastEventID()
		h.OnEvents(batch)
		if s.stopped() {
			return nil
		}
	}
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

func newIdleReader(r io.Reader, cancel context.CancelCauseFunc) *idleReader {
	return &idleReader{r: r, cancel: cancel}
}

// arm starts (or restarts) the idle timer; 0 disarms it.
func (i *idleReader) arm(timeout time.Duration) {
	i.stop()
	i.timeout = timeout
	if timeout > 0 {
		i.timer = time.AfterFunc(timeout, func() { i.cancel(ErrIdleTimeout) })
	}
}

// stop disarms the idle timer.
func (i *idleReader) stop() {
	if i.timer != nil {
		i.timer.Stop()
		i.timer = nil
	}
}

// Read reads from the body, restarting the idle timer on progress.
func (i *idleReader) Read(p []byte) (int, error) {
	n, err := i.r.Read(p)
	if n > 0 && i.timer != nil {
		i.timer.Reset(i.timeout)
	}
	return n, err
}
