package sse

// DefaultEventType is the type of an event whose stream named none.
const DefaultEventType = "message"

// Event is one dispatched server-sent event.
type Event struct {
	// Type is the event type: the value of the last "event" field of the
	// event, or "message" where the stream named none.
	Type string
	// Data is the event's data: its "data" field values joined by "\n".
	Data string
	// LastEventID is the stream's last event ID at dispatch: the value of
	// the last "id" field seen so far, in this event or an earlier one.
	LastEventID string
}
