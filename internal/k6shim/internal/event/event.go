// Package event is the shim of k6's internal event system: only the types that js/common.Events
// names.
package event

// Type is a k6 execution event type.
type Type uint8

// The k6 execution event types.
const (
	Init Type = iota + 1
	TestStart
	TestEnd
	IterStart
	IterEnd
	Exit
)

// Event is an emitted event; Done must be called once it is handled.
type Event struct {
	Type Type
	Data any
	Done func()
}

// Subscriber subscribes to events.
type Subscriber interface {
	Subscribe(events ...Type) (subID uint64, eventsCh <-chan *Event)
	Unsubscribe(subID uint64)
}
