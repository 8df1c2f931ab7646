package barrier

import (
	"context"
	"time"

	"github.com/redis/go-redis/v9"
)

// receiveLoop reads ps until done is closed and hands each subscription confirmation and message
// to handle. After an error (a lost connection: go-redis reconnects and subscribes again on the
// next receive) it waits from 50 ms, doubling up to 1 s. There is no read deadline: an idle
// subscriber receives nothing; a dead connection is noticed by TCP keepalive, and the callers'
// fallback re-reads cover the gap. Both the waiters' watcher and the rendezvous hub use it.
func receiveLoop(ctx context.Context, ps *redis.PubSub, done <-chan struct{}, handle func(msg any)) {
	backoff := 50 * time.Millisecond
	for {
		msg, err := ps.Receive(ctx)
		select {
		case <-done:
			return
		default:
		}
		if err != nil {
			select {
			case <-time.After(backoff):
			case <-done:
				return
			}
			backoff = min(2*backoff, time.Second)
			continue
		}
		backoff = 50 * time.Millisecond
		handle(msg)
	}
}
