package common

import "go.k6.io/k6/v2/internal/event"

// Events are the global and per-VU k6 execution event subscribers.
type Events struct {
	Global, Local event.Subscriber
}
