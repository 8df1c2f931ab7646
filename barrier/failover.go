package barrier

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/redis/go-redis/v9"
)

// topology is how a client reaches Redis.
type topology int

const (
	topologySingle   topology = iota // one server
	topologyCluster                  // Redis Cluster
	topologySentinel                 // a primary found through Sentinel
)

// failoverHook is the go-redis hook of a shared client: it retries commands through a failover. A
// command that fails because no master serves its keys right now (the master died and its replica
// is not promoted yet, or the client still knows the old master), or whose connection broke, is
// retried with a short backoff, after asking the cluster for its slot map again, until the
// caller's context ends: a call's own bound therefore still bounds it. Every command may be
// retried: the reads and DELs as they are, and every script that writes is idempotent by its
// per-call token (onceScript), so a retry after a lost reply returns the first reply.
//
// The retry wraps commands, never a connection's handshake (HELLO, AUTH, SELECT, CLIENT: go-redis
// runs them through the client's hooks on the new connection alone): a handshake that fails drops
// its connection, and the command's retry dials a new one against the current master.
type failoverHook struct {
	cluster *redis.ClusterClient // to reload the slot map before a retry; nil for other topologies
	topo    topology

	// failingSince is when commands began to fail for want of a master (UnixNano; 0 while they
	// succeed): the messages say since when. last is the last such failure.
	failingSince atomic.Int64
	last         atomic.Pointer[error]
	// answered is set once a command got a reply: a connection refused before that is a wrong
	// address (or a Redis not started), not a failover, and fails at once.
	answered atomic.Bool
}

// down returns an *unavailableError while commands fail for want of a master, else nil.
func (h *failoverHook) down() error {
	if h == nil {
		return nil
	}
	ns := h.failingSince.Load()
	last := h.last.Load()
	if ns == 0 || last == nil {
		return nil
	}
	return &unavailableError{topo: h.topo, since: time.Unix(0, ns), last: *last, ctxErr: context.DeadlineExceeded}
}

type noRetryKey struct{}

type untilDoneKey struct{}

// untilDone returns ctx for a call that must not give up before ctx ends, whatever the topology:
// an arrival, whose script refuses to count it past the instant its caller gives up (ctx's
// deadline), so that an arrival its caller was told failed is never counted.
func untilDone(ctx context.Context) context.Context {
	return context.WithValue(ctx, untilDoneKey{}, true)
}

// withoutRetry returns ctx for calls that must fail at once rather than wait for a master (a
// listing, which lists what the other masters hold).
func withoutRetry(ctx context.Context) context.Context {
	return context.WithValue(ctx, noRetryKey{}, true)
}

func (h *failoverHook) DialHook(next redis.DialHook) redis.DialHook { return next }

func (h *failoverHook) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		if handshake(cmd) {
			return next(ctx, cmd)
		}
		return h.retry(ctx, func() error { return next(ctx, cmd) })
	}
}

func (h *failoverHook) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		for _, c := range cmds {
			if handshake(c) {
				return next(ctx, cmds)
			}
		}
		return h.retry(ctx, func() error { return next(ctx, cmds) })
	}
}

// handshake reports whether cmd is one of those go-redis sends on a new connection before any
// command (see failoverHook).
func handshake(cmd redis.Cmder) bool {
	switch strings.ToLower(cmd.Name()) {
	case "hello", "auth", "select", "client", "readonly":
		return true
	}
	return false
}

// retry runs attempt until it succeeds, fails in a way no retry fixes, or ctx ends.
func (h *failoverHook) retry(ctx context.Context, attempt func() error) error {
	backoff := failoverBackoffMin
	// One server has no failover to wait for: a command is retried once (a connection that broke),
	// and a Redis that is down is reported at once. A cluster or a Sentinel's primary is retried
	// until ctx ends, unless the caller asked for no retry (withoutRetry).
	attempts := -1
	if h.topo == topologySingle && ctx.Value(untilDoneKey{}) == nil {
		attempts = 2
	}
	if ctx.Value(noRetryKey{}) != nil {
		attempts = 1
	}
	for n := 1; ; n++ {
		err := attempt()
		if err == nil || errors.Is(err, redis.Nil) {
			h.answered.Store(true)
		}
		if !h.answered.Load() && refused(err) {
			return configError{err}
		}
		if err == nil || errors.Is(err, redis.Nil) || !isRedisDown(err) {
			if err == nil || errors.Is(err, redis.Nil) || !transientReply(err) {
				h.failingSince.Store(0)
			}
			return err
		}
		if ctx.Err() != nil {
			return h.unavailable(ctx.Err(), err)
		}
		if attempts > 0 && n >= attempts {
			return err
		}
		h.failingSince.CompareAndSwap(0, time.Now().UnixNano())
		h.last.Store(&err)
		if h.cluster != nil {
			h.cluster.ReloadState(ctx)
		}
		t := time.NewTimer(backoff)
		select {
		case <-ctx.Done():
			t.Stop()
			return h.unavailable(ctx.Err(), err)
		case <-t.C:
		}
		backoff = min(2*backoff, failoverBackoffMax)
	}
}

// unavailable is the error of a call whose context ended while no master answered.
func (h *failoverHook) unavailable(ctxErr, last error) error {
	since := time.Now()
	h.failingSince.CompareAndSwap(0, since.UnixNano())
	h.last.Store(&last)
	since = time.Unix(0, h.failingSince.Load())
	return &unavailableError{topo: h.topo, since: since, last: last, ctxErr: ctxErr}
}

// unavailableError says that no master answered for a call's keys until its context ended.
type unavailableError struct {
	topo   topology
	since  time.Time
	last   error
	ctxErr error
}

func (e *unavailableError) Error() string {
	what := "no answer"
	if e.topo != topologySingle {
		what = "failover in progress: no master answers"
	}
	return fmt.Sprintf("%s since %s (%s): %v", what, e.since.Format("15:04:05"),
		time.Since(e.since).Round(100*time.Millisecond), e.last)
}

func (e *unavailableError) Unwrap() []error {
	if e.ctxErr == nil {
		return []error{e.last}
	}
	return []error{e.ctxErr, e.last}
}

// noteDown records err, a failure of a command that does not go through the hook (a subscription),
// and, on a cluster or behind Sentinel, when no master answered, returns it as an
// *unavailableError after asking the cluster for its slot map again; else err as it is.
func (h *failoverHook) noteDown(err error) error {
	if h == nil || h.topo == topologySingle || !isRedisDown(err) {
		return err
	}
	h.failingSince.CompareAndSwap(0, time.Now().UnixNano())
	h.last.Store(&err)
	if h.cluster != nil {
		h.cluster.ReloadState(context.Background())
	}
	return &unavailableError{topo: h.topo, since: time.Unix(0, h.failingSince.Load()), last: err}
}

// failover reports whether err says that no master answered on a Redis Cluster or behind Sentinel.
func isFailover(err error) bool {
	var u *unavailableError
	return errors.As(err, &u) && u.topo != topologySingle
}

// isRedisDown reports whether err may pass once a master answers again: a connection that could
// not be made or broke, or a reply that refuses the command for now.
func isRedisDown(err error) bool {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	return transientReply(err) || isNetworkError(err)
}

func isNetworkError(err error) bool {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNREFUSED) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) || errors.Is(err, net.ErrClosed) {
		return true
	}
	var ne net.Error
	if errors.As(err, &ne) {
		return true
	}
	msg := err.Error()
	return strings.Contains(msg, "connection refused") || strings.Contains(msg, "connection reset") ||
		strings.Contains(msg, "broken pipe") || strings.Contains(msg, "connection pool timeout") ||
		strings.Contains(msg, "use of closed network connection")
}

// refused reports whether err is a connection refused.
func refused(err error) bool {
	return err != nil && (errors.Is(err, syscall.ECONNREFUSED) || strings.Contains(err.Error(), "connection refused"))
}

// transientReply reports whether err is a reply by which Redis refused to run a command for now.
func transientReply(err error) bool {
	var rerr redis.Error
	if !errors.As(err, &rerr) {
		return false
	}
	msg := rerr.Error()
	for _, p := range []string{
		"CLUSTERDOWN", "TRYAGAIN", "MASTERDOWN", "READONLY", "LOADING", "MOVED", "ASK", "NOREPLICAS",
	} {
		if strings.HasPrefix(msg, p) {
			return true
		}
	}
	return false
}
