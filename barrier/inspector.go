package barrier

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// Inspector reads, follows and deletes the barriers kept in one Redis (or Redis Cluster) without
// taking part in them: it is what a tool like `k6 x barrier` uses. It never writes to a barrier other
// than to delete it (Reset), and only touches keys of the barrier key layout under its key prefix.
type Inspector struct {
	client redis.UniversalClient
	addr   string
	prefix string
	owned  bool
	hook   *failoverHook // nil on a client of the caller's
}

// Ref names one barrier: its run id and name ("" means DefaultName).
type Ref struct {
	RunID string
	Name  string
}

// String is "<runId>/<name>".
func (r Ref) String() string { return r.RunID + "/" + r.withDefaults().Name }

func (r Ref) withDefaults() Ref {
	if r.Name == "" {
		r.Name = DefaultName
	}
	return r
}

// NewInspector returns an Inspector of the Redis at redisURL (any URL Options.Redis takes) for the
// barriers under keyPrefix ("" means DefaultKeyPrefix). It has a client of its own, closed by Close.
// It does no I/O; errors never contain the password.
func NewInspector(redisURL, keyPrefix string) (*Inspector, error) {
	prefix, err := checkPrefix(keyPrefix)
	if err != nil {
		return nil, err
	}
	if redisURL == "" {
		return nil, errors.New("no Redis URL: give one, e.g. redis://127.0.0.1:6379")
	}
	t, err := parseRedisURL(redisURL)
	if err != nil {
		return nil, fmt.Errorf("redis URL: %w", err)
	}
	client, hook := t.newClient()
	return &Inspector{client: client, addr: t.addr, prefix: prefix, owned: true, hook: hook}, nil
}

// NewInspectorWithClient returns an Inspector on client (a *redis.Client or *redis.ClusterClient),
// which the caller owns and closes.
func NewInspectorWithClient(client redis.UniversalClient, keyPrefix string) (*Inspector, error) {
	if client == nil {
		return nil, errors.New("barrier: NewInspectorWithClient needs a client")
	}
	prefix, err := checkPrefix(keyPrefix)
	if err != nil {
		return nil, err
	}
	return &Inspector{client: client, addr: clientAddr(client), prefix: prefix}, nil
}

func checkPrefix(p string) (string, error) {
	if p == "" {
		p = DefaultKeyPrefix
	}
	if !prefixPattern.MatchString(p) {
		return "", fmt.Errorf("key prefix %q is invalid: use 1 to 64 letters, digits, '_', '.', ':' or '-'", p)
	}
	return p, nil
}

// Addr names the server(s) for messages: host:port, or the cluster seeds; never a password.
func (in *Inspector) Addr() string { return in.addr }

// KeyPrefix is the key prefix of the barriers this Inspector sees.
func (in *Inspector) KeyPrefix() string { return in.prefix }

// Close closes the Inspector's own client (not one given to NewInspectorWithClient).
func (in *Inspector) Close() error {
	if in.owned {
		return in.client.Close()
	}
	return nil
}

// options are the Options of ref's barrier under the Inspector's prefix, checked.
func (in *Inspector) options(ref Ref) (Options, error) {
	ref = ref.withDefaults()
	if ref.RunID == "" {
		return Options{}, fmt.Errorf("no run id: give the run id the barrier was created with (its runId option): %w",
			ErrRunIDRequired)
	}
	o := Options{Name: ref.Name, RunID: ref.RunID, KeyPrefix: in.prefix, Parties: 1}.WithDefaults()
	if err := o.Validate(); err != nil {
		return Options{}, err
	}
	return o, nil
}

// backend is the Redis backend of ref's barrier, for its scripts. It reads the barrier as it is,
// whatever parties its META hash records (the inspector takes them from there).
func (in *Inspector) backend(o Options) *redisBackend {
	be := newRedisBackend(in.client, in.addr, o)
	be.hook = in.hook
	be.parties = 0 // no parties of its own to check against META
	return be
}

// inspectorCall runs fn with its context bounded by timeout (see boundCall), and says so when that
// ran out.
func inspectorCall[T any](
	ctx context.Context, in *Inspector, timeout time.Duration, fn func(context.Context) (T, error),
) (T, error) {
	cctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	v, err := fn(cctx)
	if err != nil && !expired(ctx) && expired(cctx) {
		return v, fmt.Errorf(
			"redis %s: no answer within %s (Redis stalled, overloaded or unreachable): %w",
			in.addr, timeout, err)
	}
	return v, err
}

// Watch follows one barrier's changes.
type Watch struct {
	w watcher
}

// Watch subscribes to ref's channels, the one-shot barrier's and the rendezvous's; it returns once subscribed, so
// that every change after it returns is seen by Next. Close it when done.
func (in *Inspector) Watch(ctx context.Context, ref Ref) (*Watch, error) {
	o, err := in.options(ref)
	if err != nil {
		return nil, err
	}
	be := in.backend(o)
	// Both the one-shot channel (joins, failures, resets) and the rendezvous's (each settled phase).
	w, err := inspectorCall(ctx, in, CallTimeout, func(ctx context.Context) (watcher, error) {
		return sessionFor(be, o.Parties).watch(ctx, true)
	})
	if err != nil {
		return nil, err
	}
	return &Watch{w: w}, nil
}

// Next blocks until the barrier may have changed: a change published on its channel, or
// FallbackInterval without one (a change by a program that does not publish is seen then). It
// returns ctx's error when ctx ends first.
func (w *Watch) Next(ctx context.Context) error {
	t := time.NewTimer(FallbackInterval)
	defer t.Stop()
	select {
	case <-w.w.ready():
		w.w.take() // the hints themselves are not needed: the caller re-reads
		return nil
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Close ends the subscription.
func (w *Watch) Close() { w.w.close() }
