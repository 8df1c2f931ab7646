package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"
)

// sseWriteTimeout bounds each write to a stream, so that a client that stops
// reading cannot hold a handler (and shutdown) forever.
const sseWriteTimeout = 10 * time.Second

// sseWriter writes Server-Sent Events to a response and flushes each one.
type sseWriter struct {
	w  http.ResponseWriter
	rc *http.ResponseController
}

// startSSE sends the headers of an event stream.
func startSSE(w http.ResponseWriter) (*sseWriter, error) {
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	s := &sseWriter{w: w, rc: http.NewResponseController(w)}
	return s, s.flush()
}

// event writes "event: <name>" and one data line holding v as JSON.
func (s *sseWriter) event(name string, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode %s event: %w", name, err)
	}
	return s.write(fmt.Sprintf("event: %s\ndata: %s\n\n", name, data))
}

// comment writes a comment line, which clients ignore (a keep-alive).
func (s *sseWriter) comment(text string) error {
	return s.write(": " + text + "\n\n")
}

func (s *sseWriter) write(frame string) error {
	if err := s.rc.SetWriteDeadline(time.Now().Add(sseWriteTimeout)); err != nil && !errors.Is(err, http.ErrNotSupported) {
		return fmt.Errorf("set write deadline: %w", err)
	}
	if _, err := s.w.Write([]byte(frame)); err != nil {
		return fmt.Errorf("write event: %w", err)
	}
	return s.flush()
}

func (s *sseWriter) flush() error {
	if err := s.rc.Flush(); err != nil {
		return fmt.Errorf("flush event stream: %w", err)
	}
	return nil
}
