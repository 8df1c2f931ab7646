//go:build !linux

package redistest

import "syscall"

// sysProcAttr returns nil: outside Linux there is no parent-death signal, so
// use redistest.Main to stop the shared server.
func sysProcAttr() *syscall.SysProcAttr { return nil }
