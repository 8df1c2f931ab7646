// Package modules is the shim of go.k6.io/k6/v2/js/modules: the interfaces a k6 JavaScript module
// implements and the registration of external (k6/x/) modules.
package modules

import (
	"context"
	"fmt"
	"net/url"
	"strings"

	"github.com/grafana/sobek"

	"go.k6.io/k6/v2/ext"
	"go.k6.io/k6/v2/js/common"
	"go.k6.io/k6/v2/lib"
)

const extPrefix = "k6/x/"

// Register registers mod as an external JavaScript module importable by name. The name must start
// with "k6/x/" and be unique, otherwise Register panics.
func Register(name string, mod any) {
	if !strings.HasPrefix(name, extPrefix) {
		panic(fmt.Errorf("external module names must be prefixed with '%s', tried to register: %s", extPrefix, name))
	}
	ext.Register(name, ext.JSExtension, mod)
}

// Module is implemented by modules that want a per-VU instance.
type Module interface {
	// NewModuleInstance is called once for each VU that imports the module.
	NewModuleInstance(VU) Instance
}

// Instance is a module's per-VU instance.
type Instance interface {
	Exports() Exports
}

// VU gives a module instance access to the VU it runs in.
type VU interface {
	// Context returns the VU's context; it ends when the VU stops.
	Context() context.Context
	// Events gives access to global and per-VU k6 execution events.
	Events() common.Events
	// InitEnv returns the init environment; nil outside the init context.
	InitEnv() *common.InitEnvironment
	// State returns the VU state; nil in the init context.
	State() *lib.State
	// Runtime returns the VU's JavaScript runtime.
	Runtime() *sobek.Runtime
	// RegisterCallback reserves a future callback on the event loop. It must be called on the event
	// loop; the returned function must be called exactly once, from any goroutine.
	RegisterCallback() (enqueueCallback func(func() error))
}

// Exports is what a module instance exports to JavaScript.
type Exports struct {
	// Default is the module's default export.
	Default any
	// Named are the module's named exports.
	Named map[string]any
}

// FileLoader loads the source of a non-Go module (k6 passes it to its module resolver).
type FileLoader func(specifier *url.URL, name string) ([]byte, error)
