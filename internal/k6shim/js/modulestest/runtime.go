// Package modulestest is the shim of go.k6.io/k6/v2/js/modulestest: a VU with a real sobek runtime
// and an event loop with k6's rules, for testing JavaScript modules.
package modulestest

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"testing"

	"github.com/grafana/sobek"

	"go.k6.io/k6/v2/internal/js/compiler"
	"go.k6.io/k6/v2/internal/js/eventloop"
	"go.k6.io/k6/v2/internal/js/timers"
	"go.k6.io/k6/v2/internal/testutils"
	"go.k6.io/k6/v2/js/common"
	"go.k6.io/k6/v2/js/modules"
	"go.k6.io/k6/v2/lib"
	"go.k6.io/k6/v2/metrics"
)

// Runtime is what a module test needs: a VU, its event loop, and a way to stop the VU.
type Runtime struct {
	VU             *VU
	EventLoop      *eventloop.EventLoop
	CancelContext  func()
	BuiltinMetrics *metrics.BuiltinMetrics

	goModules map[string]any
	instances map[string]modules.Instance
}

// NewRuntime returns a test runtime in the init context; its VU context is cancelled when the test
// or benchmark ends.
func NewRuntime(t testing.TB) *Runtime {
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	vu := &VU{CtxField: ctx, RuntimeField: sobek.New()}
	vu.RuntimeField.SetFieldNameMapper(common.FieldNameMapper{})
	vu.InitEnvField = &common.InitEnvironment{
		TestPreInitState: &lib.TestPreInitState{
			Logger:   testutils.NewLogger(t),
			Registry: metrics.NewRegistry(),
		},
		CWD: new(url.URL),
	}
	loop := eventloop.New(vu)
	vu.RegisterCallbackField = loop.RegisterCallback
	r := &Runtime{
		VU:             vu,
		EventLoop:      loop,
		CancelContext:  cancel,
		BuiltinMetrics: metrics.RegisterBuiltinMetrics(vu.InitEnvField.Registry),
	}
	if err := timers.SetupGlobally(vu); err != nil {
		t.Fatalf("modulestest: installing timers: %v", err)
	}
	t.Cleanup(func() { r.CancelContext() })
	return r
}

// MoveToVUContext leaves the init context: State becomes state and InitEnv nil, as in a running VU.
func (r *Runtime) MoveToVUContext(state *lib.State) {
	r.VU.InitEnvField = nil
	r.VU.StateField = state
}

// SetupModuleSystem defines require() on the runtime, resolving the names in goModules. The shim
// resolves Go modules only: pass nil for loader and c.
func (r *Runtime) SetupModuleSystem(goModules map[string]any, loader modules.FileLoader, c *compiler.Compiler) error {
	if loader != nil || c != nil {
		return errors.New("modulestest shim: only Go modules are supported; pass nil loader and compiler")
	}
	r.goModules = goModules
	r.instances = map[string]modules.Instance{}
	return r.VU.RuntimeField.Set("require", r.require)
}

// require returns a Go module's exports the way k6's require() does: named exports with `default`
// beside them, or the default export alone when there are no named ones.
func (r *Runtime) require(name string) (*sobek.Object, error) {
	if name == "" {
		return nil, errors.New("require() can't be used with an empty specifier")
	}
	mod, ok := r.goModules[name]
	if !ok {
		return nil, fmt.Errorf("unknown module: %s", name)
	}
	rt := r.VU.Runtime()
	k6mod, ok := mod.(modules.Module)
	if !ok {
		return rt.ToValue(mod).ToObject(rt), nil
	}
	inst, ok := r.instances[name]
	if !ok {
		inst = k6mod.NewModuleInstance(r.VU)
		r.instances[name] = inst
	}
	exp := inst.Exports()
	if exp.Named == nil {
		return rt.ToValue(exp.Default).ToObject(rt), nil
	}
	obj := rt.NewObject()
	for k, v := range exp.Named {
		if err := obj.Set(k, v); err != nil {
			return nil, err
		}
	}
	if exp.Default != nil {
		_ = obj.Set("default", exp.Default)
		_ = obj.Set("__esModule", true)
	}
	return obj, nil
}

// RunOnEventLoop runs code on the event loop and returns once the loop is done and every reserved
// callback has been called.
func (r *Runtime) RunOnEventLoop(code string) (value sobek.Value, err error) {
	defer r.EventLoop.WaitOnRegistered()
	err = r.EventLoop.Start(func() error {
		value, err = r.VU.Runtime().RunString(code)
		return err
	})
	return value, err
}

// CompileFile compiles the JavaScript file base/name.
func CompileFile(base, name string) (*sobek.Program, error) {
	b, err := os.ReadFile(filepath.Clean(path.Join(base, name)))
	if err != nil {
		return nil, err
	}
	return sobek.Compile(name, string(b), false)
}
