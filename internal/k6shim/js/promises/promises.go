// Package promises is the shim of go.k6.io/k6/v2/js/promises.
package promises

import (
	"github.com/grafana/sobek"

	"go.k6.io/k6/v2/js/modules"
)

// New makes a promise whose resolve and reject functions may be called from any goroutine: each
// settles the promise on the VU's event loop. Exactly one of them must be called, once; until then
// the event loop does not end.
func New(vu modules.VU) (p *sobek.Promise, resolve func(result any), reject func(reason any)) {
	p, resolveJS, rejectJS := vu.Runtime().NewPromise()
	enqueue := vu.RegisterCallback()
	resolve = func(result any) {
		enqueue(func() error { return resolveJS(result) })
	}
	reject = func(reason any) {
		enqueue(func() error { return rejectJS(reason) })
	}
	return p, resolve, reject
}
