// Package compiler is the shim of k6's JavaScript compiler: only the type that
// modulestest.Runtime.SetupModuleSystem names. The shim loads Go modules only, so pass nil.
package compiler

// Compiler compiles JavaScript sources (not implemented in the shim).
type Compiler struct{}
