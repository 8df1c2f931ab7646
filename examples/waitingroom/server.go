package main

import (
	"context"
	"io"
	"log"
	"net/http"
	"sync"

	"github.com/redis/go-redis/v9"
)

// Server is the waiting-room HTTP service: its handler, its dispatcher and
// the in-process registry of open waiting streams.
type Server struct {
	cfg        Config
	log        *log.Logger
	auth       *authenticator
	inject     injector
	queue      *queue
	hub        *hub
	dispatcher *dispatcher
	mux        *http.ServeMux

	stopDispatch context.CancelFunc
	dispatchDone chan struct{}

	mu      sync.Mutex
	closed  bool
	closing chan struct{} // closed by Close: open streams end
	streams sync.WaitGroup
}

// newServer builds a Server on rdb from a validated cfg and starts its
// dispatcher. Close stops it.
func newServer(cfg Config, rdb *redis.Client) *Server {
	logger := cfg.Log
	if logger == nil {
		logger = log.New(io.Discard, "", 0)
	}
	inj := injector{seed: cfg.Seed}
	q := &queue{rdb: rdb, keys: keys{prefix: cfg.KeyPrefix}}
	h := newHub()
	s := &Server{
		cfg:          cfg,
		log:          logger,
		auth:         newAuthenticator(cfg.Users, inj, cfg.LoginFailRate),
		inject:       inj,
		queue:        q,
		hub:          h,
		dispatcher:   newDispatcher(q, h, cfg.PromoteRate, cfg.PromoteBeforeOpen, logger),
		mux:          http.NewServeMux(),
		dispatchDone: make(chan struct{}),
		closing:      make(chan struct{}),
	}
	s.routes()
	ctx, cancel := context.WithCancel(context.Background())
	s.stopDispatch = cancel
	go func() {
		defer close(s.dispatchDone)
		s.dispatcher.run(ctx, cfg.DispatchInterval)
	}()
	return s
}

func (s *Server) routes() {
	s.mux.HandleFunc("POST /api/auth/login", s.handleLogin)
	s.mux.HandleFunc("GET /api/events/{eventId}/waiting", s.handleWaiting)
	s.mux.HandleFunc("POST /api/admin/events/{eventId}/open", s.handleOpen)
	s.mux.HandleFunc("POST /api/admin/events/{eventId}/close", s.handleClose)
	s.mux.HandleFunc("GET /api/admin/events/{eventId}/waiting-count", s.handleWaitingCount)
	s.mux.HandleFunc("POST /v1/chat/completions", s.handleChatCompletions)
	s.mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
}

// Handler returns the HTTP handler of the service.
func (s *Server) Handler() http.Handler { return s.mux }

// beginStream registers a new stream; it reports false once Close has begun.
func (s *Server) beginStream() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	s.streams.Add(1)
	return true
}

// CloseStreams ends every open waiting stream (their users leave the queue)
// and refuses new ones. It does not wait.
func (s *Server) CloseStreams() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.closed {
		s.closed = true
		close(s.closing)
	}
}

// Close ends the open streams, waits until their handlers have cleaned up,
// and stops the dispatcher. It does not close the Redis client.
func (s *Server) Close() {
	s.CloseStreams()
	s.streams.Wait()
	s.stopDispatch()
	<-s.dispatchDone
}
