package k6util

import (
	"context"

	"go.k6.io/k6/v2/metrics"
)

// PushSample sends a sample to a VU's samples channel out. While ctx lives it blocks as k6's own
// modules do (metrics.PushIfNotDone); once ctx has ended (a stream closed, or a wait aborted, by
// the end of the iteration or the test), it still tries once without blocking, so that the end is
// counted whenever k6 still collects samples. A nil out does nothing.
func PushSample(ctx context.Context, out chan<- metrics.SampleContainer, sample metrics.SampleContainer) {
	if out == nil || sample == nil {
		return
	}
	if ctx.Err() == nil {
		metrics.PushIfNotDone(ctx, out, sample)
		return
	}
	select {
	case out <- sample:
	default:
	}
}
