// Command waitingroom is the demo system under test of xk6-barrier: a small
// waiting-room server that behaves like the system of the fix plan.
//
// Users log in (POST /api/auth/login), open an SSE stream on
// GET /api/events/{eventId}/waiting that enqueues them in Redis
// (WAITING:{eventId}, WAITING_QUEUE_INDEX_RECORD:{eventId},
// WAITING_USER_IDS:{eventId}) and reports their position, and a dispatcher
// promotes them (IN_PROGRESS) once an admin opens the event
// (POST /api/admin/events/{eventId}/open). Flags inject failures.
//
// Usage:
//
//	go run ./examples/waitingroom -users 500
//
// It uses the Redis at -redis (default $REDIS_URL), else an embedded Redis
// served on a loopback port whose URL it prints.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	switch {
	case err == nil:
	case errors.Is(err, flag.ErrHelp):
	case isUsageError(err):
		fmt.Fprintf(os.Stderr, "waitingroom: %v\n", err)
		os.Exit(2)
	default:
		fmt.Fprintf(os.Stderr, "waitingroom: %v\n", err)
		os.Exit(1)
	}
}
