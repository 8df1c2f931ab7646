package jseventsource

import (
	"github.com/grafana/sobek"

	"github.com/xk6-barrier/xk6-barrier/internal/k6util"
)

// defineEventSourcePrototype puts on EventSource.prototype what every instance shares, as the
// browser has it there: readyState (a getter), onopen, onmessage and onerror (null until a script
// sets its own), addEventListener, removeEventListener and close. Each method finds its instance
// by `this` (mi.sources), so an instance carries no function of its own (a few KiB per stream
// less). An instance whose stream ended is gone from mi.sources: it reads as CLOSED, and its
// methods do nothing.
func (mi *ModuleInstance) defineEventSourcePrototype(rt *sobek.Runtime, class *sobek.Object) error {
	proto := class.Get("prototype").ToObject(rt)
	if err := proto.DefineAccessorProperty("readyState", rt.ToValue(func(call sobek.FunctionCall) sobek.Value {
		if es := mi.sources[call.This]; es != nil {
			return rt.ToValue(es.readyState)
		}
		return rt.ToValue(stateClosed)
	}), nil, sobek.FLAG_FALSE, sobek.FLAG_TRUE); err != nil {
		return err
	}
	for _, h := range []string{"onopen", "onmessage", "onerror"} {
		if err := proto.Set(h, sobek.Null()); err != nil {
			return err
		}
	}
	methods := map[string]func(sobek.FunctionCall) sobek.Value{
		"addEventListener": func(call sobek.FunctionCall) sobek.Value {
			typ, fn := call.Argument(0).String(), call.Argument(1)
			checkListener(rt, "addEventListener", typ, fn)
			if es := mi.sources[call.This]; es != nil {
				es.addEventListener(typ, fn)
			}
			return sobek.Undefined()
		},
		"removeEventListener": func(call sobek.FunctionCall) sobek.Value {
			if es := mi.sources[call.This]; es != nil {
				es.removeEventListener(call.Argument(0).String(), call.Argument(1))
			}
			return sobek.Undefined()
		},
		"close": func(call sobek.FunctionCall) sobek.Value {
			if es := mi.sources[call.This]; es != nil {
				es.close()
			}
			return sobek.Undefined()
		},
	}
	must := k6util.Must(rt)
	for name, f := range methods {
		must(proto.DefineDataProperty(name, rt.ToValue(f), sobek.FLAG_TRUE, sobek.FLAG_TRUE, sobek.FLAG_FALSE))
	}
	return nil
}
