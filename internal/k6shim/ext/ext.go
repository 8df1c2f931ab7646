// Package ext is the shim of k6's extension registry (go.k6.io/k6/v2/ext): a process-wide table of
// registered extensions by type and name.
package ext

import (
	"fmt"
	"sync"
)

// ExtensionType is the kind of a k6 extension.
type ExtensionType uint8

// The extension types k6 knows.
const (
	JSExtension ExtensionType = iota + 1
	OutputExtension
	SecretSourceExtension
	SubcommandExtension
)

// String returns the name k6 uses for the extension type.
func (e ExtensionType) String() string {
	switch e {
	case JSExtension:
		return "js"
	case OutputExtension:
		return "output"
	case SecretSourceExtension:
		return "secret-source"
	case SubcommandExtension:
		return "subcommand"
	}
	return ""
}

// Extension is one registered extension.
type Extension struct {
	Name, Path, Version string
	Type                ExtensionType
	Module              any
}

// String describes the extension in one line.
func (e Extension) String() string {
	return fmt.Sprintf("%s %s, %s [%s]", e.Path, e.Version, e.Name, e.Type)
}

//nolint:gochecknoglobals // k6's extension registry, as in k6 (ext.Register is called from init)
var (
	mu       sync.RWMutex
	registry = map[ExtensionType]map[string]*Extension{
		JSExtension:           {},
		OutputExtension:       {},
		SecretSourceExtension: {},
		SubcommandExtension:   {},
	}
)

// Register adds an extension of the given type. It panics on an unknown type and on a name that is
// already registered for that type, as k6 does.
func Register(name string, typ ExtensionType, mod any) {
	mu.Lock()
	defer mu.Unlock()
	byName, ok := registry[typ]
	if !ok {
		panic(fmt.Sprintf("unsupported extension type: %T", typ))
	}
	if _, dup := byName[name]; dup {
		panic(fmt.Sprintf("extension already registered: %s", name))
	}
	byName[name] = &Extension{Name: name, Type: typ, Module: mod}
}

// Get returns a copy of the registered extensions of the given type, by name.
func Get(typ ExtensionType) map[string]*Extension {
	mu.RLock()
	defer mu.RUnlock()
	out := make(map[string]*Extension, len(registry[typ]))
	for name, e := range registry[typ] {
		out[name] = e
	}
	return out
}
