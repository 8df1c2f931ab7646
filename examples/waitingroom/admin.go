package main

import (
	"net/http"
)

// eventState is the body of the admin endpoints' answers.
type eventState struct {
	EventID string `json:"eventId"`
	Open    bool   `json:"open"`
	Waiting int64  `json:"waiting"`
}

// adminEvent returns the path's valid event id, or answers 400.
func adminEvent(w http.ResponseWriter, r *http.Request) (string, bool) {
	ev := r.PathValue("eventId")
	if !validEventID(ev) {
		writeError(w, http.StatusBadRequest, "invalid event id (1-64 of A-Z a-z 0-9 _ . -)")
		return "", false
	}
	return ev, true
}

// handleOpen serves POST /api/admin/events/{eventId}/open: the dispatcher
// starts promoting the event's users.
func (s *Server) handleOpen(w http.ResponseWriter, r *http.Request) { s.setOpen(w, r, true) }

// handleClose serves POST /api/admin/events/{eventId}/close: promotion stops
// (unless -promote-before-open).
func (s *Server) handleClose(w http.ResponseWriter, r *http.Request) { s.setOpen(w, r, false) }

func (s *Server) setOpen(w http.ResponseWriter, r *http.Request, open bool) {
	ev, ok := adminEvent(w, r)
	if !ok {
		return
	}
	if err := s.queue.setOpen(r.Context(), ev, open); err != nil {
		s.log.Printf("admin: %v", err)
		writeError(w, http.StatusInternalServerError, err.Error())
		return
	}
	s.dispatcher.track(ev)
	s.log.Printf("event %s open=%t", ev, open)
	s.writeState(w, r, ev)
}

// handleWaitingCount serves GET /api/admin/events/{eventId}/waiting-count:
// {"eventId", "open", "waiting": ZCARD WAITING:{eventId}}.
func (s *Server) handleWaitingCount(w http.ResponseWriter, r *http.Request) {
	ev, ok := adminEvent(w, r)
	if !ok {
		return
	}
	s.writeState(w, r, ev)
}

func (s *Server) writeState(w http.ResponseWriter, r *http.Request, ev string) {
	n, err := s.queue.count(r.Context(), ev)
	if err != nil {
		writeError(w, http.StatusInternalServerError, err.Error())
		return
	}
	open, err := s.queue.isOpen(r.Context(), ev)
	if err != nil {
		writeError(w, http.StatusInternalServerError, err.Error())
		return
	}
	writeJSON(w, http.StatusOK, eventState{EventID: ev, Open: open, Waiting: n})
}
