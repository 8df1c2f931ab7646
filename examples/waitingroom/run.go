package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"time"
)

// run parses args, starts the server and serves until ctx ends, then shuts
// down gracefully. It prints the Redis line and then the ready line
// "waitingroom listening on http://ADDR" to stdout.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, err := parseConfig(args, stderr)
	if err != nil {
		return err
	}
	cfg.Log = log.New(stderr, "waitingroom: ", log.LstdFlags)

	rc, err := openRedis(ctx, cfg.RedisURL)
	if err != nil {
		return err
	}
	defer rc.Close()
	if rc.Embedded {
		fmt.Fprintf(stdout, "embedded redis at %s\n", rc.URL)
	} else {
		fmt.Fprintf(stdout, "using redis at %s\n", rc.URL)
	}

	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Addr, err)
	}
	s := newServer(cfg, rc.client)
	defer s.Close()
	hs := &http.Server{
		Handler:           s.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          cfg.Log,
	}
	serveErr := make(chan error, 1)
	go func() { serveErr <- hs.Serve(ln) }()
	fmt.Fprintf(stdout, "waitingroom listening on http://%s\n", ln.Addr())

	select {
	case err := <-serveErr:
		return fmt.Errorf("serve http: %w", err)
	case <-ctx.Done():
	}

	s.CloseStreams() // SSE handlers return, so Shutdown does not wait for them
	sctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil {
		_ = hs.Close() // the timeout passed: drop what is left
		cfg.Log.Printf("shutdown: %v", err)
	}
	if err := <-serveErr; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve http: %w", err)
	}
	s.Close()
	fmt.Fprintln(stdout, "waitingroom stopped")
	return nil
}
