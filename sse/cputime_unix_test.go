//go:build unix

package sse

import (
	"syscall"
	"time"
)

// processCPUTime is the user and system CPU time of the process so far:
// on a shared, busy machine it measures work better than the wall clock.
func processCPUTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
