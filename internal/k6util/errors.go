package k6util

import (
	"github.com/grafana/sobek"

	"go.k6.io/k6/v2/js/modules"
	"go.k6.io/k6/v2/lib"
)

// TypeError returns a JS TypeError whose message is msg as it is: msg is never read as a format
// string, so a '%' from a script (a URL, an option value) shows as given.
func TypeError(rt *sobek.Runtime, msg string) *sobek.Object {
	return rt.NewTypeError("%s", msg)
}

// ThrowTypeError throws TypeError(rt, msg) into the running JavaScript.
func ThrowTypeError(rt *sobek.Runtime, msg string) {
	panic(TypeError(rt, msg))
}

// Must returns a function that throws err into the running JavaScript as a Go error, for the
// property definitions of a new JS object that only a bug can make fail.
func Must(rt *sobek.Runtime) func(error) {
	return func(err error) {
		if err != nil {
			panic(rt.NewGoError(err))
		}
	}
}

// VUState returns vu's state, or throws a TypeError "<what> can't be called in the init context:
// <hint>" when vu runs the init context, where k6 forbids I/O. hint says where to call it instead.
func VUState(vu modules.VU, what, hint string) *lib.State {
	state := vu.State()
	if state == nil {
		ThrowTypeError(vu.Runtime(), what+" can't be called in the init context: "+hint)
	}
	return state
}
