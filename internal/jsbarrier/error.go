package jsbarrier

import (
	"fmt"
	"time"

	"github.com/grafana/sobek"

	"github.com/xk6-barrier/xk6-barrier/barrier"
)

// barrierErrorSource defines BarrierError: an Error whose own properties are the barrier's result
// (outcome, name, joined, failed, failures, accounted, parties, quorum, waitedMs, missing). Its
// `name` is the barrier's name, as the result's is, so toString and stack name the class instead.
const barrierErrorSource = `(function () {
  class BarrierError extends Error {
    constructor(message, result) {
      super(message);
      Object.assign(this, result || {});
    }
    toString() { return "BarrierError: " + this.message; }
  }
  Object.defineProperty(BarrierError.prototype, Symbol.toStringTag, { value: "BarrierError" });
  return BarrierError;
})()`

// defineBarrierError evaluates the BarrierError class in rt.
func defineBarrierError(rt *sobek.Runtime) (*sobek.Object, error) {
	v, err := rt.RunString(barrierErrorSource)
	if err != nil {
		return nil, fmt.Errorf("compiling the JavaScript helper BarrierError: %w", err)
	}
	return v.ToObject(rt), nil
}

// newBarrierError turns obj, the JS form of the result of a wait() or arrive() that did not meet or
// release, into a BarrierError with message. Call it on the event loop. It runs no JavaScript: when
// the test stops, k6 interrupts the VU's runtime, and any JS call (such as `new BarrierError()`)
// would throw the interrupt instead of settling the aborted call.
func (mi *ModuleInstance) newBarrierError(message string, obj *sobek.Object) sobek.Value {
	rt := mi.vu.Runtime()
	if err := obj.SetPrototype(mi.errorClass.Get("prototype").ToObject(rt)); err != nil {
		return rt.NewGoError(err)
	}
	_ = obj.DefineDataProperty("message", rt.ToValue(message), sobek.FLAG_TRUE, sobek.FLAG_TRUE, sobek.FLAG_FALSE)
	_ = obj.DefineDataProperty("stack", rt.ToValue("BarrierError: "+message), sobek.FLAG_TRUE, sobek.FLAG_TRUE,
		sobek.FLAG_FALSE)
	return obj
}

// idsToJS converts participant ids into a JS array of numbers.
func idsToJS(rt *sobek.Runtime, ids []int) *sobek.Object {
	out := make([]any, len(ids))
	for i, id := range ids {
		out[i] = id
	}
	return rt.NewArray(out...)
}

// millis is d in milliseconds, to the microsecond, as the results' waitedMs.
func millis(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// resultToJS converts r into a plain JS object with the design's field names.
func resultToJS(rt *sobek.Runtime, r barrier.Result) *sobek.Object {
	o := rt.NewObject()
	failures := rt.NewObject()
	for reason, n := range r.Failures {
		_ = failures.Set(reason, n)
	}
	_ = o.Set("outcome", string(r.Outcome))
	_ = o.Set("name", r.Name)
	_ = o.Set("joined", r.Joined)
	_ = o.Set("failed", r.Failed)
	_ = o.Set("failures", failures)
	_ = o.Set("accounted", r.Accounted)
	_ = o.Set("parties", r.Parties)
	_ = o.Set("quorum", r.Quorum)
	_ = o.Set("maxFailures", r.MaxFailures)
	_ = o.Set("waitedMs", millis(r.Waited))
	_ = o.Set("missing", idsToJS(rt, r.Missing))
	_ = o.Set("missingCount", r.MissingCount())
	return o
}

// recordToJS converts a join/fail record into {counted, previous}.
func recordToJS(rt *sobek.Runtime, rec barrier.Record) *sobek.Object {
	o := rt.NewObject()
	_ = o.Set("counted", rec.Counted)
	if !rec.Counted {
		_ = o.Set("previous", rec.Previous)
	}
	return o
}

// plainError returns an Error (not sobek's GoError) with message msg, built like newBarrierError
// without running JavaScript: Error.prototype, message and stack.
func plainError(rt *sobek.Runtime, msg string) *sobek.Object {
	obj := rt.NewObject()
	if proto, ok := rt.Get("Error").(*sobek.Object); ok {
		if p, ok := proto.Get("prototype").(*sobek.Object); ok {
			_ = obj.SetPrototype(p)
		}
	}
	_ = obj.DefineDataProperty("message", rt.ToValue(msg), sobek.FLAG_TRUE, sobek.FLAG_FALSE, sobek.FLAG_TRUE)
	_ = obj.DefineDataProperty("stack", rt.ToValue("Error: "+msg), sobek.FLAG_TRUE, sobek.FLAG_FALSE, sobek.FLAG_TRUE)
	return obj
}
