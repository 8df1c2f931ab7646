package main

import (
	"context"
	"crypto/rand"
	"net/http"
	"time"
)

// SSE event names and statuses of the waiting stream.
const (
	eventWaiting    = "WAITING"
	eventInProgress = "IN_PROGRESS"
)

// waitingData is the JSON data of a WAITING event.
type waitingData struct {
	Status   string `json:"status"` // "WAITING"
	Position int64  `json:"position"`
	EventID  string `json:"eventId"`
	UserID   string `json:"userId"`
}

// inProgressData is the JSON data of an IN_PROGRESS event.
type inProgressData struct {
	Status  string `json:"status"` // "IN_PROGRESS"
	EventID string `json:"eventId"`
	UserID  string `json:"userId"`
}

// cleanupTimeout bounds the Redis clean-up after a stream ends.
const cleanupTimeout = 5 * time.Second

// handleWaiting serves GET /api/events/{eventId}/waiting: it enqueues the
// user and streams WAITING events with the position until the dispatcher
// promotes the user (IN_PROGRESS, then the stream ends). A user whose stream
// ends before promotion leaves the queue.
func (s *Server) handleWaiting(w http.ResponseWriter, r *http.Request) {
	userID, ok := s.auth.fromRequest(r)
	if !ok {
		writeError(w, http.StatusUnauthorized, "missing or invalid bearer token")
		return
	}
	eventID := r.PathValue("eventId")
	if !validEventID(eventID) {
		writeError(w, http.StatusBadRequest, "invalid event id (1-64 of A-Z a-z 0-9 _ . -)")
		return
	}
	if s.inject.hit("sse", userID, s.cfg.SSEFailRate) {
		writeError(w, http.StatusServiceUnavailable, "waiting room unavailable (injected failure)")
		return
	}
	if !s.beginStream() {
		writeError(w, http.StatusServiceUnavailable, "server shutting down")
		return
	}
	defer s.streams.Done()

	connID := rand.Text()
	wt, old := s.hub.register(eventID, userID, connID) // before enqueue: no promotion is missed
	defer s.hub.unregister(wt)
	pos, err := s.queue.enqueue(r.Context(), eventID, userID, connID)
	s.hub.supersede(old) // after enqueue: see hub.register
	if err != nil {
		s.log.Printf("waiting: %v", err)
		writeError(w, http.StatusInternalServerError, "cannot join the waiting queue")
		return
	}
	s.dispatcher.track(eventID)
	wasPromoted := false
	defer func() {
		if wasPromoted {
			return
		}
		ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), cleanupTimeout)
		defer cancel()
		if _, err := s.queue.remove(ctx, eventID, userID, connID); err != nil {
			s.log.Printf("waiting: %v", err)
		}
	}()

	sw, err := startSSE(w)
	if err != nil {
		return
	}
	wasPromoted, err = s.stream(r.Context(), sw, wt, pos)
	if err != nil {
		s.log.Printf("waiting: user %s event %s: %v", userID, eventID, err)
	}
}

// stream sends WAITING events until the user is promoted (it then sends
// IN_PROGRESS and returns true), the client leaves, the server closes or a
// write fails.
func (s *Server) stream(ctx context.Context, sw *sseWriter, wt *waiter, pos int64) (bool, error) {
	waiting := func(p int64) error {
		return sw.event(eventWaiting, waitingData{Status: eventWaiting, Position: p, EventID: wt.eventID, UserID: wt.userID})
	}
	if err := waiting(pos); err != nil {
		return false, err
	}
	posTick := time.NewTicker(s.cfg.PositionInterval)
	defer posTick.Stop()
	keepAlive := time.NewTicker(s.cfg.KeepAlive)
	defer keepAlive.Stop()
	for {
		select {
		case <-ctx.Done():
			return false, nil
		case <-s.closing:
			return false, nil
		case <-wt.done:
			if wt.result() != promoted {
				return false, nil // superseded by a newer connection of the user
			}
			err := sw.event(eventInProgress, inProgressData{Status: eventInProgress, EventID: wt.eventID, UserID: wt.userID})
			return true, err
		case <-posTick.C:
			p, ok, err := s.queue.position(ctx, wt.eventID, wt.userID)
			if err != nil {
				if ctx.Err() != nil {
					return false, nil
				}
				s.log.Printf("waiting: %v", err) // transient: keep the place, retry next tick
				continue
			}
			if ok && p != pos {
				pos = p
				if err := waiting(p); err != nil {
					return false, err
				}
			}
		case <-keepAlive.C:
			if err := sw.comment("keep-alive"); err != nil {
				return false, err
			}
		}
	}
}
