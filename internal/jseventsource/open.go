package jseventsource

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"

	"github.com/grafana/sobek"

	"go.k6.io/k6/v2/js/common"

	"github.com/xk6-barrier/xk6-barrier/internal/jsopts"
	"github.com/xk6-barrier/xk6-barrier/internal/k6util"
	"github.com/xk6-barrier/xk6-barrier/internal/redact"
	"github.com/xk6-barrier/xk6-barrier/sse"
)

// openClient is the `client` of sse.open(url, params, (client) => { ... }), the blocking API of the
// xk6-sse extension: client.on('open' | 'event' | 'error' | 'close', fn) and client.close().
type openClient struct {
	rt       *sobek.Runtime
	stream   *sse.Stream
	handlers map[string][]sobek.Callable
	closed   bool // client.close() was called: no more events are handed to the script
}

// close is client.close(): it runs on the VU goroutine, so later events of a batch are dropped.
func (c *openClient) close() {
	c.closed = true
	c.stream.Close()
}

func (c *openClient) on(event string, fn sobek.Value) {
	switch event {
	case "open", "event", "error", "close":
	default:
		k6util.ThrowTypeError(c.rt, fmt.Sprintf(
			`client.on(): unknown event %q: use 'open', 'event', 'error' or 'close'`, event))
	}
	f, ok := sobek.AssertFunction(fn)
	if !ok {
		k6util.ThrowTypeError(c.rt, fmt.Sprintf(
			"client.on(%q): the handler must be a function, got %s",
			event, jsopts.Describe(fn)))
	}
	c.handlers[event] = append(c.handlers[event], f)
}

func (c *openClient) emit(event string, args ...sobek.Value) error {
	for _, f := range c.handlers[event] {
		if _, err := f(sobek.Undefined(), args...); err != nil {
			return err
		}
	}
	return nil
}

// maxTasksInFlight bounds the callbacks of one sse.open() waiting for the VU goroutine (the bytes
// of their events are bounded by the stream's budget).
const maxTasksInFlight = 64

// open is `sse.open(url, params?, fn)`: it calls fn(client) to set up handlers, then runs the
// stream on the calling VU, blocking it, until the stream ends or client.close() is called. It
// returns { url, status, headers, error }, as the xk6-sse extension does.
func (mi *ModuleInstance) open(urlArg sobek.Value, args ...sobek.Value) *sobek.Object {
	rt := mi.vu.Runtime()
	var paramsArg, fnArg sobek.Value
	switch len(args) {
	case 1:
		fnArg = args[0]
	case 2:
		paramsArg, fnArg = args[0], args[1]
	default:
		k6util.ThrowTypeError(rt, fmt.Sprintf("sse.open(url, params?, fn): expected 2 or 3 arguments, got %d", len(args)+1))
	}
	setup, ok := sobek.AssertFunction(fnArg)
	if !ok {
		k6util.ThrowTypeError(rt,
			"sse.open(): the last argument must be a function (client) => { ... }, got "+jsopts.Describe(fnArg))
	}
	vs := mi.newVUStream("sse.open()", urlArg, paramsArg, openParams())
	stream, url := vs.stream, vs.url
	ctx := mi.vu.Context()
	c := &openClient{rt: rt, stream: stream, handlers: map[string][]sobek.Callable{}}
	clientObj := rt.NewObject()
	_ = clientObj.Set("on", c.on)
	_ = clientObj.Set("close", c.close)
	if _, err := setup(sobek.Undefined(), clientObj); err != nil {
		common.Throw(rt, err)
	}

	r := &openRun{
		c: c, ctx: ctx, tasks: make(chan func() error, maxTasksInFlight),
		sampler: vs.sampler, userInfo: vs.parsed, budget: newByteBudget(queueBudget(vs.maxEventSize)),
	}
	runDone := make(chan struct{})
	go func() {
		_ = stream.Run(ctx, r)
		close(runDone)
	}()
	var jsErr error
	run := func(f func() error) {
		if jsErr == nil && ctx.Err() == nil {
			if jsErr = f(); jsErr != nil {
				stream.Close()
			}
		}
	}
	for done := false; !done; {
		select {
		case f := <-r.tasks:
			run(f)
		case <-runDone:
			for len(r.tasks) > 0 {
				run(<-r.tasks)
			}
			done = true
		}
	}
	if jsErr == nil && ctx.Err() == nil {
		jsErr = c.emit("close")
	}
	if jsErr != nil {
		common.Throw(rt, jsErr)
	}
	return r.response(rt, url)
}

// openRun is the Handler of one sse.open(): it hands each callback to the blocked VU goroutine.
type openRun struct {
	c       *openClient
	ctx     context.Context
	tasks   chan func() error
	sampler *sampler
	// userInfo is the URL as given, whose user info errors must not show.
	userInfo *url.URL
	// budget bounds the bytes of the events read but not yet handed to the script.
	budget *byteBudget

	// Written by the stream goroutine before the VU goroutine reads them (after Run returns).
	open    *sse.Open
	lastErr error
}

// live reports whether the script's handlers may still be called: client.close() was not called
// and the iteration is still running (when it ends, k6 may interrupt the runtime). Once not, what
// the stream still delivers is dropped on purpose, and dropping it is not an error.
func (r *openRun) live() bool {
	return !r.c.closed && r.ctx.Err() == nil
}

func (r *openRun) send(f func() error) {
	select {
	case r.tasks <- f:
	case <-r.c.stream.Done():
	}
}

func (r *openRun) OnOpen(o sse.Open) {
	r.open = &o
	r.sampler.opened(o)
	r.send(func() error { return r.c.emit("open") })
}

// OnEvents implements Handler: the batch is handed to the VU goroutine while the bytes of the
// batches queued stay within the stream's budget (see queueBudget).
func (r *openRun) OnEvents(b sse.Batch) {
	r.sampler.arrived(b)
	n, ok := r.budget.acquire(batchBytes(b), r.c.stream.Done())
	if !ok {
		return
	}
	tags := r.sampler.current()
	r.send(func() error {
		defer r.budget.release(n)
		rt := r.c.rt
		delivered := 0
		defer func() { r.sampler.delivered(tags, delivered) }()
		for _, e := range b.Events {
			if !r.live() {
				return nil // the script is done listening: the rest of the batch is dropped, no error
			}
			ev := rt.NewObject()
			_ = ev.Set("id", e.LastEventID)
			_ = ev.Set("name", e.Type)
			_ = ev.Set("data", e.Data)
			_ = ev.Set("lastEventId", e.LastEventID)
			delivered++
			if err := r.c.emit("event", ev); err != nil {
				return err
			}
		}
		return nil
	})
}

func (r *openRun) OnSessionEnd(s sse.Session) {
	r.sampler.pushDuration(r.sampler.count.sessionDuration, s.Duration)
}

func (r *openRun) OnError(err error) {
	err = maskUserInfo(err, r.userInfo)
	r.lastErr = err
	r.sampler.failed(err)
	r.send(func() error { return r.emitError(err) })
}

// emitError calls the 'error' handlers with the error event of err.
func (r *openRun) emitError(err error) error {
	if !r.live() {
		return nil // the script is done listening: the error is dropped, no error of its own
	}
	ev := errorEvent(r.c.rt, err)
	msg := errorText(err)
	_ = ev.Set("error", func() string { return msg }) // xk6-sse: e.error() returns the message
	return r.c.emit("error", ev)
}

// OnReconnect implements Handler: when the server ended the stream cleanly, the 'error' handlers
// hear it, as an EventSource's do (the errors that end a connection reach them through OnError).
func (r *openRun) OnReconnect(rc sse.Reconnect) {
	r.sampler.reconnecting()
	if errors.Is(rc.Err, io.EOF) {
		r.send(func() error { return r.emitError(serverEndedReconnecting(rc)) })
	}
}

// response is open()'s result: { url, status, headers, error }.
func (r *openRun) response(rt *sobek.Runtime, url string) *sobek.Object {
	o := rt.NewObject()
	_ = o.Set("url", redact.HTTPURL(url))
	status := 0
	var headers map[string][]string
	if r.open != nil {
		status, headers = r.open.StatusCode, r.open.Header
		if r.open.URL != "" {
			_ = o.Set("url", redact.HTTPURL(r.open.URL))
		}
	}
	var re *sse.ResponseError
	if errors.As(r.lastErr, &re) {
		status, headers = re.StatusCode, re.Header
		_ = o.Set("body", string(re.Body))
	}
	_ = o.Set("status", status)
	_ = o.Set("headers", headerObject(rt, headers))
	errText := ""
	if r.lastErr != nil {
		errText = errorText(r.lastErr)
	}
	_ = o.Set("error", errText)
	return o
}

var _ sse.Handler = (*openRun)(nil)
