package barrier

import (
	"context"
	"time"
)

// expired reports whether ctx ended or its deadline passed: a read that the deadline cut (an i/o
// timeout) can return a moment before ctx itself says so.
func expired(ctx context.Context) bool {
	if ctx.Err() != nil {
		return true
	}
	dl, ok := ctx.Deadline()
	return ok && !time.Now().Before(dl)
}
