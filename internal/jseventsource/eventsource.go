package jseventsource

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"

	"github.com/grafana/sobek"

	"github.com/xk6-barrier/xk6-barrier/internal/jsopts"
	"github.com/xk6-barrier/xk6-barrier/internal/k6util"
	"github.com/xk6-barrier/xk6-barrier/internal/redact"
	"github.com/xk6-barrier/xk6-barrier/sse"
)

// EventSource ready states, as in the browser.
const (
	stateConnecting = 0
	stateOpen       = 1
	stateClosed     = 2
)

// readyStates are the readyState constants of the EventSource class and its prototype.
func readyStates() map[string]int {
	return map[string]int{"CONNECTING": stateConnecting, "OPEN": stateOpen, "CLOSED": stateClosed}
}

// eventSource is one `new EventSource(url, params)`. Its fields are touched on the event loop only,
// except stream, queue, budget and sampler, which are safe for concurrent use.
type eventSource struct {
	mi       *ModuleInstance
	rt       *sobek.Runtime
	ctx      context.Context // the VU's context of the iteration that opened the stream
	obj      *sobek.Object
	url      string
	userInfo *url.URL // the URL as given, whose user info errors must not show
	stream   *sse.Stream
	queue    *taskQueue
	budget   *byteBudget // bounds the bytes of the events read but not yet dispatched
	sampler  *sampler

	// Owned by the stream goroutine (run and the Handler methods).
	// pendingErr is the error reported last, not yet dispatched: whether it ends the stream
	// (readyState CLOSED) or is followed by a reconnection (CONNECTING) is known at the next call.
	pendingErr error
	// lastEnd is why the last established connection ended (io.EOF: the server ended it), until a
	// reconnection follows.
	lastEnd error

	readyState int
	// origin is the origin of the URL that answered last (message events' origin).
	origin    string
	closed    bool // close() was called, or the stream ended
	listeners map[string][]sobek.Value
	// jsState is what dispatchRunSource reads, { closed }, kept equal to closed.
	jsState *sobek.Object
}

// newEventSource makes call.This, a new instance of EventSource (see newEventSourceClass), an
// EventSource of the stream to url: `new EventSource(url, params?)`. It connects at once, in the
// background; the iteration stays alive until the stream is closed or ends.
func (mi *ModuleInstance) newEventSource(call sobek.FunctionCall) sobek.Value {
	rt := mi.vu.Runtime()
	this, ok := call.This.(*sobek.Object)
	if !ok {
		k6util.ThrowTypeError(rt, "EventSource: call it with new, as in `new EventSource(url, params)`")
	}
	vs := mi.newVUStream("new EventSource()", call.Argument(0), call.Argument(1), eventSourceParams())
	es := &eventSource{
		mi: mi, rt: rt, ctx: mi.vu.Context(), url: vs.url, userInfo: vs.parsed, stream: vs.stream,
		origin:    sse.Origin(vs.parsed),
		budget:    newByteBudget(queueBudget(vs.maxEventSize)),
		sampler:   vs.sampler,
		listeners: map[string][]sobek.Value{},
	}
	es.jsState = rt.NewObject()
	_ = es.jsState.Set("closed", false)
	es.obj = es.initObject(this)
	es.queue = newTaskQueue(mi.vu.RegisterCallback)
	go es.run()
	return sobek.Undefined()
}

// initObject makes o, the new instance, the JS face of es: its url, and its entry in mi.sources,
// by which the methods and readyState of EventSource.prototype find it (see
// defineEventSourcePrototype), until the stream ends. The state constants are inherited from
// EventSource.prototype too.
func (es *eventSource) initObject(o *sobek.Object) *sobek.Object {
	rt := es.rt
	must := k6util.Must(rt)
	must(o.DefineDataProperty("url", rt.ToValue(es.url), sobek.FLAG_FALSE, sobek.FLAG_FALSE, sobek.FLAG_TRUE))
	if es.mi.sources == nil {
		es.mi.sources = map[sobek.Value]*eventSource{}
	}
	es.mi.sources[o] = es
	return o
}

// checkListener throws the TypeError of a listener that is not a function.
func checkListener(rt *sobek.Runtime, method, typ string, fn sobek.Value) {
	if _, ok := sobek.AssertFunction(fn); !ok {
		k6util.ThrowTypeError(rt, fmt.Sprintf(
			"EventSource.%s(%q): the listener must be a function, got %s", method, typ, jsopts.Describe(fn)))
	}
}

func (es *eventSource) addEventListener(typ string, fn sobek.Value) {
	for _, l := range es.listeners[typ] {
		if l.SameAs(fn) {
			return
		}
	}
	es.listeners[typ] = append(es.listeners[typ], fn)
}

func (es *eventSource) removeEventListener(typ string, fn sobek.Value) {
	ls := es.listeners[typ]
	for i, l := range ls {
		if l.SameAs(fn) {
			es.listeners[typ] = append(ls[:i:i], ls[i+1:]...)
			return
		}
	}
}

// close is `es.close()`: no event is dispatched after it; the connection closes in the background.
func (es *eventSource) close() {
	es.closed = true
	_ = es.jsState.Set("closed", true)
	es.readyState = stateClosed
	es.stream.Close()
}

// serverEndedReconnecting is the error event of a stream that the server ended cleanly, before
// the reconnection r.
func serverEndedReconnecting(r sse.Reconnect) error {
	return fmt.Errorf("sse: the server ended the stream; reconnecting in %s", r.Delay)
}

// errServerEnded is the error event of a stream that the server ended cleanly, without reconnect.
var errServerEnded = errors.New("sse: the server ended the stream (reconnect is off)")

// run is the stream's goroutine: it runs the stream until it ends, dispatches how it ended, then
// releases the event loop. Every end that the script did not cause reaches it as an error event,
// readyState already CLOSED: the last error, or the server's clean end.
func (es *eventSource) run() {
	err := es.stream.Run(es.ctx, es)
	es.flushPendingError()
	if err == nil && errors.Is(es.lastEnd, io.EOF) {
		es.queueFatal(errServerEnded)
	}
	es.queue.Queue(func() error {
		es.closed = true
		_ = es.jsState.Set("closed", true)
		es.readyState = stateClosed
		delete(es.mi.sources, es.obj)
		return nil
	})
	es.queue.Close()
}

// flushPendingError dispatches the pending error as one that ended the stream.
func (es *eventSource) flushPendingError() {
	if err := es.pendingErr; err != nil {
		es.pendingErr = nil
		es.queueFatal(err)
	}
}

// queueFatal dispatches the error event of an error that ended the stream: readyState is CLOSED
// when the handlers run.
func (es *eventSource) queueFatal(err error) {
	es.queue.Queue(func() error {
		if !es.live() {
			return nil
		}
		es.readyState = stateClosed
		return es.fire("error", errorEvent(es.rt, err))
	})
}

// live reports whether JavaScript may still be called for this stream: not closed, and the
// iteration still running (when it ends, k6 may interrupt the runtime).
func (es *eventSource) live() bool {
	return !es.closed && es.ctx.Err() == nil
}

// OnOpen implements Handler.
func (es *eventSource) OnOpen(o sse.Open) {
	es.sampler.opened(o)
	es.queue.Queue(func() error {
		if !es.live() {
			return nil
		}
		es.readyState = stateOpen
		es.origin = o.Origin
		ev := es.rt.NewObject()
		_ = ev.Set("type", "open")
		_ = ev.Set("status", o.StatusCode)
		_ = ev.Set("headers", headerObject(es.rt, o.Header))
		_ = ev.Set("url", redact.HTTPURL(o.URL))
		return es.fire("open", ev)
	})
}

// OnEvents implements Handler: one loop task per batch, while the bytes of the batches queued stay
// within the stream's budget (see queueBudget): past it, OnEvents waits, and so the reading does.
func (es *eventSource) OnEvents(b sse.Batch) {
	es.sampler.arrived(b)
	n, ok := es.budget.acquire(batchBytes(b), es.stream.Done())
	if !ok {
		return
	}
	tags := es.sampler.current()
	if !es.queue.Queue(func() error {
		defer es.budget.release(n)
		delivered, err := es.dispatch(b.Events)
		es.sampler.delivered(tags, delivered)
		return err
	}) {
		es.budget.release(n)
	}
}

// dispatch fires the events of one batch, on the event loop. It returns how many were handed to
// the script: those dispatched before the stream was closed (whether anyone listened or not).
func (es *eventSource) dispatch(events []sse.Event) (int, error) {
	delivered := 0
	for i := 0; i < len(events); {
		if !es.live() {
			return delivered, nil
		}
		// A run of events of one type goes to JavaScript in one call (dispatchRun): a call from Go
		// into the runtime costs more than the JS handler call it makes.
		typ, j := events[i].Type, i+1
		for j < len(events) && events[j].Type == typ {
			j++
		}
		on := es.onHandler(typ)
		listeners := es.listeners[typ]
		if on == nil && len(listeners) == 0 {
			delivered += j - i
			i = j
			continue // nobody listens: skip building the events
		}
		n, err := es.dispatchRun(typ, events[i:j], listeners)
		delivered += n
		if err != nil {
			es.close()
			return delivered, err
		}
		i = j
	}
	return delivered, nil
}

// dispatchRunSource dispatches a run of message events of one type in JavaScript: for each event,
// the target's on<type> handler (read again for each event, so a handler replaced by a handler
// takes effect at once) and the listeners, stopping as soon as the stream is closed. The listeners
// are those registered when the run started. It returns how many events it dispatched.
const dispatchRunSource = `(function (target, prop, events, listeners, state) {
  for (let i = 0; i < events.length; i++) {
    const e = events[i];
    if (prop !== "" && typeof target[prop] === "function") {
      target[prop](e); // a method call: this is the target, without Function.prototype.call
      if (state.closed) return i + 1;
    }
    for (let j = 0; j < listeners.length; j++) {
      listeners[j].call(target, e);
      if (state.closed) return i + 1;
    }
  }
  return events.length;
})`

// dispatchRun dispatches events, all of type typ, on the event loop, and returns how many it
// dispatched (an exception counts the event it came from).
func (es *eventSource) dispatchRun(typ string, events []sse.Event, listeners []sobek.Value) (int, error) {
	rt := es.rt
	objs := make([]any, len(events))
	for k, e := range events {
		objs[k] = es.messageEvent(e)
	}
	prop := ""
	switch typ {
	case sse.DefaultEventType, "open", "error":
		// The handler attributes are listeners of their type, whoever fires it: a server's event
		// named error reaches onerror, as in browsers (the spec's "fire an event named type").
		prop = "on" + typ
	}
	ls := make([]any, len(listeners))
	for k, l := range listeners {
		ls[k] = l
	}
	n, err := es.mi.dispatchRun(sobek.Undefined(), es.obj, rt.ToValue(prop),
		rt.NewArray(objs...), rt.NewArray(ls...), es.jsState)
	if err != nil {
		return 1, err // at least the event whose handler threw; which one is not known
	}
	return int(n.ToInteger()), nil
}

// messageEvent builds the JS object of a message event, on the event loop. It is the hot path of
// a busy stream, so the object is a sobek dynamic object over the Go event: one small allocation,
// no property map, each property made when a script reads it. It behaves as a plain object: a
// script may add, change and delete properties.
func (es *eventSource) messageEvent(e sse.Event) *sobek.Object {
	return es.rt.NewDynamicObject(&messageEventObject{rt: es.rt, e: e, origin: es.origin})
}

// messageEventObject is a message event as JavaScript sees it: type, data, lastEventId, origin,
// and whatever a script sets on it.
type messageEventObject struct {
	rt      *sobek.Runtime
	e       sse.Event
	origin  string
	set     map[string]sobek.Value // properties a script set; a nil value: deleted
	changed bool                   // set holds something
}

// messageEventKeys are the keys of a message event, in order.
func messageEventKeys() []string { return []string{"type", "data", "lastEventId", "origin"} }

func (m *messageEventObject) own(key string) (string, bool) {
	switch key {
	case "type":
		return m.e.Type, true
	case "data":
		return m.e.Data, true
	case "lastEventId":
		return m.e.LastEventID, true
	case "origin":
		return m.origin, true
	}
	return "", false
}

// Get implements sobek.DynamicObject.
func (m *messageEventObject) Get(key string) sobek.Value {
	if m.changed {
		if v, ok := m.set[key]; ok {
			return v
		}
	}
	if s, ok := m.own(key); ok {
		return m.rt.ToValue(s)
	}
	return nil
}

// Set implements sobek.DynamicObject.
func (m *messageEventObject) Set(key string, val sobek.Value) bool {
	if m.set == nil {
		m.set = map[string]sobek.Value{}
	}
	m.set[key], m.changed = val, true
	return true
}

// Has implements sobek.DynamicObject.
func (m *messageEventObject) Has(key string) bool {
	if m.changed {
		if v, ok := m.set[key]; ok {
			return v != nil
		}
	}
	_, ok := m.own(key)
	return ok
}

// Delete implements sobek.DynamicObject.
func (m *messageEventObject) Delete(key string) bool {
	if m.set == nil {
		m.set = map[string]sobek.Value{}
	}
	m.set[key], m.changed = nil, true
	return true
}

// Keys implements sobek.DynamicObject.
func (m *messageEventObject) Keys() []string {
	if !m.changed {
		return messageEventKeys()
	}
	var keys []string
	for _, k := range messageEventKeys() {
		if v, ok := m.set[k]; !ok || v != nil {
			keys = append(keys, k)
		}
	}
	for k, v := range m.set {
		if _, own := m.own(k); !own && v != nil {
			keys = append(keys, k)
		}
	}
	return keys
}

// OnSessionEnd implements Handler.
func (es *eventSource) OnSessionEnd(s sse.Session) {
	es.lastEnd = s.Err
	es.sampler.pushDuration(es.sampler.count.sessionDuration, s.Duration)
}

// OnError implements Handler: an error event carries the message and, for a refused response, its
// status, headers and (bounded) body. It is dispatched at the next call, which tells whether the
// stream reconnects (OnReconnect) or not (another error, or the end of Run).
func (es *eventSource) OnError(err error) {
	err = maskUserInfo(err, es.userInfo)
	es.sampler.failed(err)
	es.flushPendingError()
	es.pendingErr = err
}

// OnReconnect implements Handler. As the spec says, reestablishing the connection sets readyState
// to CONNECTING, then fires an error event: the error that ended the connection, or, when the
// server ended the stream cleanly, one that says so.
func (es *eventSource) OnReconnect(r sse.Reconnect) {
	es.sampler.reconnecting()
	err := es.pendingErr
	es.pendingErr, es.lastEnd = nil, nil
	if err == nil {
		err = serverEndedReconnecting(r)
	}
	es.queue.Queue(func() error {
		if !es.live() {
			return nil
		}
		es.readyState = stateConnecting
		return es.fire("error", errorEvent(es.rt, err))
	})
}

// onHandler returns the on<typ> property's function (onopen, onmessage, onerror), or nil.
func (es *eventSource) onHandler(typ string) sobek.Callable {
	switch typ {
	case "open", "message", "error":
		fn, _ := sobek.AssertFunction(es.obj.Get("on" + typ))
		return fn
	}
	return nil
}

// fire calls the on<type> handler (open, message, error) and the listeners of typ with ev. An
// exception in a handler closes the stream and ends the iteration with it, as in k6's own modules.
func (es *eventSource) fire(typ string, ev *sobek.Object) error {
	return es.fireWith(es.onHandler(typ), typ, ev)
}

func (es *eventSource) fireWith(on sobek.Callable, typ string, ev *sobek.Object) error {
	if on != nil {
		if _, err := on(es.obj, ev); err != nil {
			es.close()
			return err
		}
	}
	for _, l := range es.listeners[typ] {
		if !es.live() && typ != "error" {
			return nil
		}
		fn, _ := sobek.AssertFunction(l)
		if _, err := fn(es.obj, ev); err != nil {
			es.close()
			return err
		}
	}
	return nil
}

// errorEvent builds the JS error event of err.
func errorEvent(rt *sobek.Runtime, err error) *sobek.Object {
	ev := rt.NewObject()
	_ = ev.Set("type", "error")
	_ = ev.Set("error", errorText(err))
	var re *sse.ResponseError
	if errors.As(err, &re) {
		_ = ev.Set("status", re.StatusCode)
		_ = ev.Set("headers", headerObject(rt, re.Header))
		_ = ev.Set("body", string(re.Body))
	}
	return ev
}

// errorText is the message of an error event: the error's, with how to raise the limit of an
// event too large.
func errorText(err error) string {
	if errors.Is(err, sse.ErrEventTooLarge) {
		return fmt.Sprintf("%s (the maxEventSize param bounds an event's data and a line: %d bytes by default, "+
			"at most %d; raise it with new EventSource(url, { maxEventSize: n }) or sse.open(url, { maxEventSize: n }, fn))",
			err, sse.DefaultMaxEventSize, sse.MaxEventSizeLimit)
	}
	return err.Error()
}

// headerObject returns headers as a JS object of canonical names to comma-joined values.
func headerObject(rt *sobek.Runtime, h map[string][]string) *sobek.Object {
	o := rt.NewObject()
	for k, vs := range h {
		_ = o.Set(k, strings.Join(vs, ", "))
	}
	return o
}

var _ sse.Handler = (*eventSource)(nil)
