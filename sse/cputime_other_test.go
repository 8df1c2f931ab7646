//go:build !unix

package sse

import "time"

// processCPUTime is not measured here: cpu-ns/op reports 0.
func processCPUTime() time.Duration { return 0 }
