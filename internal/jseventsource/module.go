package sse

import (
	"github.com/grafana/sobek"

	"go.k6.io/k6/v2/js/modules"
)

// RootModule is the k6/x/sse module: one per process, registered by the extension's register.go.
type RootModule struct{}

// NewRootModule returns the k6/x/sse root module.
func NewRootModule() *RootModule { return &RootModule{} }

var _ modules.Module = (*RootModule)(nil)

// NewModuleInstance returns the module as one VU sees it: its metrics, the EventSource class and
// the xk6-sse compatible open().
func (*RootModule) NewModuleInstance(vu modules.VU) modules.Instance {
	rt := vu.Runtime()
	mi := &ModuleInstance{vu: vu, metrics: &streamMetrics{}} // no registry: nothing is recorded
	if env := vu.InitEnv(); env != nil && env.Registry != nil {
		m, err := registerMetrics(env.Registry)
		if err != nil {
			panic(rt.NewGoError(err))
		}
		mi.metrics = m
	}
	mi.eventSourceClass = newEventSourceClass(rt, mi.newEventSource)
	return mi
}

// eventSourceClassSource makes the EventSource constructor around init, the Go function that sets
// up each new instance (this): `new EventSource(...)` makes an instance of EventSource.prototype
// (instanceof works); called without new, it throws a TypeError that says so, as the browser's does.
const eventSourceClassSource = `(function (init) {
  function EventSource(url, params) {
    if (new.target === undefined) {
      throw new TypeError("EventSource: call it with new, as in new EventSource(url, params)");
    }
    init.call(this, url, params);
  }
  return EventSource;
})`

// newEventSourceClass returns the EventSource class, with CONNECTING, OPEN and CLOSED on the class
// and on its prototype, as the browser's.
func newEventSourceClass(rt *sobek.Runtime, init func(sobek.FunctionCall) sobek.Value) *sobek.Object {
	v, err := rt.RunString(eventSourceClassSource)
	if err != nil {
		panic(err) // a bug in eventSourceClassSource
	}
	makeClass, _ := sobek.AssertFunction(v)
	classValue, err := makeClass(sobek.Undefined(), rt.ToValue(init))
	if err != nil {
		panic(err)
	}
	class := classValue.ToObject(rt)
	proto := class.Get("prototype").ToObject(rt)
	for name, state := range readyStates {
		for _, o := range []*sobek.Object{class, proto} {
			_ = o.DefineDataProperty(name, rt.ToValue(state), sobek.FLAG_FALSE, sobek.FLAG_FALSE, sobek.FLAG_TRUE)
		}
	}
	return class
}

// ModuleInstance is k6/x/sse as one VU sees it.
type ModuleInstance struct {
	vu               modules.VU
	metrics          *streamMetrics
	eventSourceClass *sobek.Object
	dispatchRun      sobek.Callable // dispatchRunSource, compiled on first use
}

// dispatchRunFunc returns the VU's compiled dispatchRunSource. Call it on the event loop.
func (mi *ModuleInstance) dispatchRunFunc(rt *sobek.Runtime) sobek.Callable {
	if mi.dispatchRun == nil {
		v, err := rt.RunString(dispatchRunSource)
		if err != nil {
			panic(err) // a bug in dispatchRunSource
		}
		mi.dispatchRun, _ = sobek.AssertFunction(v)
	}
	return mi.dispatchRun
}

var _ modules.Instance = (*ModuleInstance)(nil)

// Exports returns EventSource (named) and open (named, and on the default export, as the xk6-sse
// extension has it: `import sse from 'k6/x/sse'; sse.open(...)`).
func (mi *ModuleInstance) Exports() modules.Exports {
	return modules.Exports{
		Named: map[string]any{
			"EventSource": mi.eventSourceClass,
			"open":        mi.open,
		},
		Default: map[string]any{
			"EventSource": mi.eventSourceClass,
			"open":        mi.open,
		},
	}
}
