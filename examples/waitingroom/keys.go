package main

import "regexp"

// eventIDPattern restricts event ids so that they cannot break the Redis
// Cluster hash tag {eventId} of the keys.
var eventIDPattern = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,64}$`)

// validEventID reports whether id may be used as an event id.
func validEventID(id string) bool { return eventIDPattern.MatchString(id) }

// keys builds the Redis keys of the waiting room. The event id is a hash tag,
// so all keys of one event live on one Redis Cluster slot.
type keys struct{ prefix string }

// waiting is the ZSET of waiting user ids, scored by enqueue sequence.
func (k keys) waiting(eventID string) string { return k.prefix + "WAITING:{" + eventID + "}" }

// queueIndex is the HASH userId -> queue record {"index":n,"enqueuedAt":ms}.
func (k keys) queueIndex(eventID string) string {
	return k.prefix + "WAITING_QUEUE_INDEX_RECORD:{" + eventID + "}"
}

// userIDs is the HASH userId -> id of the SSE connection holding the place.
func (k keys) userIDs(eventID string) string {
	return k.prefix + "WAITING_USER_IDS:{" + eventID + "}"
}

// seq is the counter that numbers enqueued users.
func (k keys) seq(eventID string) string { return k.prefix + "WAITING_SEQ:{" + eventID + "}" }

// open is the flag set when the event has been opened.
func (k keys) open(eventID string) string { return k.prefix + "EVENT_OPEN:{" + eventID + "}" }
