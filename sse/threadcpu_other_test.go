//go:build !linux

package sse

import "time"

// threadCPUTime is not measured here: the "-cpu" ratios are not reported.
func threadCPUTime() time.Duration { return 0 }
