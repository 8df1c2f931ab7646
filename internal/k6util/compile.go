package k6util

import (
	"fmt"

	"github.com/grafana/sobek"
)

// CompileFunc runs source, a JavaScript expression whose value is a function, in rt and returns
// that function. Compile a VU's helpers once, when its module instance is made: an error then is
// a bug in source, reported as an error rather than a panic in the middle of a test.
func CompileFunc(rt *sobek.Runtime, name, source string) (sobek.Callable, error) {
	v, err := rt.RunString(source)
	if err != nil {
		return nil, fmt.Errorf("compiling the JavaScript helper %s: %w", name, err)
	}
	fn, ok := sobek.AssertFunction(v)
	if !ok {
		return nil, fmt.Errorf("compiling the JavaScript helper %s: its source is not a function", name)
	}
	return fn, nil
}
