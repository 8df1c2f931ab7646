// Package jseventsource is the k6 JavaScript binding of the SSE client core (package sse): the
// k6/x/eventsource module. It gives scripts EventSource (event-loop driven, in the browser's shape)
// and open() (blocking, compatible with the xk6-sse extension), converts their arguments into the
// core's Config, runs the core's Stream with the VU's network, cookies and user agent, hands what
// happens to JavaScript on the VU's event loop, and records the sse_* metrics.
package jseventsource

import (
	"github.com/grafana/sobek"

	"go.k6.io/k6/v2/js/common"
	"go.k6.io/k6/v2/js/modules"

	"github.com/xk6-barrier/xk6-barrier/internal/k6util"
)

// ImportPath is the module's name in scripts: import { EventSource } from 'k6/x/eventsource'.
const ImportPath = "k6/x/eventsource"

// RootModule is the k6/x/eventsource module: one per process, registered by the extension's
// register.go.
type RootModule struct{}

// NewRootModule returns the k6/x/eventsource root module.
func NewRootModule() *RootModule { return &RootModule{} }

var _ modules.Module = (*RootModule)(nil)

// NewModuleInstance returns the module as one VU sees it: its metrics, the EventSource class and
// the xk6-sse compatible open(). Its JavaScript helpers are compiled here, once per VU.
func (*RootModule) NewModuleInstance(vu modules.VU) modules.Instance {
	rt := vu.Runtime()
	mi := &ModuleInstance{vu: vu, metrics: &streamMetrics{}} // no registry: nothing is recorded
	if registry := k6util.InitRegistry(vu); registry != nil {
		m, err := registerMetrics(registry)
		if err != nil {
			common.Throw(rt, err)
		}
		mi.metrics = m
	}
	var err error
	if mi.dispatchRun, err = k6util.CompileFunc(rt, "dispatchRun", dispatchRunSource); err != nil {
		common.Throw(rt, err)
	}
	if mi.eventSourceClass, err = newEventSourceClass(rt, mi.newEventSource); err != nil {
		common.Throw(rt, err)
	}
	if err = mi.defineEventSourcePrototype(rt, mi.eventSourceClass); err != nil {
		common.Throw(rt, err)
	}
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
func newEventSourceClass(rt *sobek.Runtime, init func(sobek.FunctionCall) sobek.Value) (*sobek.Object, error) {
	makeClass, err := k6util.CompileFunc(rt, "EventSource", eventSourceClassSource)
	if err != nil {
		return nil, err
	}
	classValue, err := makeClass(sobek.Undefined(), rt.ToValue(init))
	if err != nil {
		return nil, err
	}
	class := classValue.ToObject(rt)
	proto := class.Get("prototype").ToObject(rt)
	for name, state := range readyStates() {
		for _, o := range []*sobek.Object{class, proto} {
			err := o.DefineDataProperty(name, rt.ToValue(state), sobek.FLAG_FALSE, sobek.FLAG_FALSE, sobek.FLAG_TRUE)
			if err != nil {
				return nil, err
			}
		}
	}
	return class, nil
}

// ModuleInstance is k6/x/eventsource as one VU sees it.
type ModuleInstance struct {
	vu               modules.VU
	metrics          *streamMetrics
	eventSourceClass *sobek.Object
	dispatchRun      sobek.Callable // dispatchRunSource, compiled
	conns            vuConns        // how the VU's streams get their connections
	// sources are the VU's EventSource instances whose stream runs, by JS object; on the loop only.
	sources map[sobek.Value]*eventSource
}

// vuConns is how a VU's streams get their connections: https ones by turns per host (gates),
// http:// ones through a copy of the VU's transport with small buffers (plain).
type vuConns struct {
	gates connGates
	plain plainTransport
}

var _ modules.Instance = (*ModuleInstance)(nil)

// Exports returns EventSource (named) and open (named, and on the default export, as the xk6-sse
// extension has it: `import sse from 'k6/x/eventsource'; sse.open(...)`).
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
