// Package redistest gives tests a real Redis and a unique key prefix.
//
// A test calls New to get a Server: the one named by the REDIS_URL environment
// variable if it is set; else a redis-server (found on PATH or at
// /usr/bin/redis-server) that this package starts on a free loopback port with
// persistence off; else an embedded github.com/alicebob/miniredis/v2 server.
// New logs which one it uses.
//
// The started redis-server (or embedded server) is shared by every test of the
// test binary, so a package's tests are fast. A package that uses New should
// stop it after its tests with a TestMain:
//
//	func TestMain(m *testing.M) { redistest.Main(m) }
//
// Without that TestMain the shared redis-server still dies with the test
// binary on Linux (it is started with a parent-death signal).
//
// Tests share one Redis, so they must keep to their own keys: build key names
// and run ids from Prefix, and delete them with Server.Cleanup. Never FLUSHALL.
// A test that must kill connections or stop the server starts its own with
// StartServer.
package redistest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"github.com/xk6-barrier/xk6-barrier/internal/redact"
)

// Kinds of Server, as found in Server.Kind.
const (
	KindEnv      = "REDIS_URL"    // the server named by the REDIS_URL environment variable
	KindProcess  = "redis-server" // a redis-server process started by this package
	KindEmbedded = "embedded"     // an in-process miniredis server
)

// Server is a Redis that a test may use.
type Server struct {
	URL  string // redis:// URL to connect with (may carry a password when from REDIS_URL)
	Addr string // host:port
	Kind string // KindEnv, KindProcess or KindEmbedded

	proc *process // the redis-server process, when this package started it
	mini *miniredis.Miniredis
}

//nolint:gochecknoglobals // one Redis server for all the tests of a process
var shared struct {
	once   sync.Once
	server *Server
	reason string // why no redis-server was started, when none was
}

// New returns the Redis for the calling test: REDIS_URL if set, else a shared
// redis-server started by this package, else a shared embedded server.
func New(t testing.TB) *Server {
	t.Helper()
	shared.once.Do(startShared)
	s := shared.server
	if s == nil {
		t.Fatalf("redistest: no Redis available: %s", shared.reason)
	}
	switch s.Kind {
	case KindEnv:
		t.Logf("redistest: using REDIS_URL (%s)", s.Addr)
	case KindProcess:
		t.Logf("redistest: using redis-server started at %s", s.Addr)
	default:
		t.Logf("redistest: using embedded miniredis at %s (%s)", s.Addr, shared.reason)
	}
	return s
}

func startShared() {
	if u := os.Getenv("REDIS_URL"); u != "" {
		opts, err := redis.ParseURL(u)
		if err != nil {
			shared.reason = fmt.Sprintf("REDIS_URL is not a valid Redis URL (%s): %v", redact.URL(u), redactErr(err, u))
			return
		}
		shared.server = &Server{URL: u, Addr: opts.Addr, Kind: KindEnv}
		return
	}
	p, err := startProcess(nil)
	if err == nil {
		shared.server = p.server()
		return
	}
	shared.reason = err.Error()
	mr := miniredis.NewMiniRedis()
	if err := mr.Start(); err != nil {
		shared.reason += "; embedded server: " + err.Error()
		return
	}
	shared.server = &Server{URL: "redis://" + mr.Addr(), Addr: mr.Addr(), Kind: KindEmbedded, mini: mr}
}

// Main runs the tests of m, stops the shared server if one was started, and
// exits with the tests' status. Call it from TestMain.
func Main(m *testing.M) {
	code := m.Run()
	StopShared()
	os.Exit(code)
}

// StopShared stops the redis-server or embedded server that New started, if
// any. Main calls it; call it yourself from a TestMain that cannot use Main.
func StopShared() {
	if s := shared.server; s != nil {
		s.stop()
	}
}

// Stop stops a redis-server started by StartServer (its clients then get
// connection errors). It is a no-op for a server this package did not start
// just for the test.
func (s *Server) Stop() {
	if s != shared.server {
		s.stop()
	}
}

func (s *Server) stop() {
	if s.proc != nil {
		s.proc.stop()
	}
	if s.mini != nil {
		s.mini.Close()
	}
}

// Client returns a new client of s, closed when the test ends.
func (s *Server) Client(t testing.TB) *redis.Client {
	t.Helper()
	opts, err := redis.ParseURL(s.URL)
	if err != nil {
		t.Fatalf("redistest: bad URL %s: %v", redact.URL(s.URL), redactErr(err, s.URL))
	}
	c := redis.NewClient(opts)
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// Prefix returns a string unique to this test and this run, like
// "t:TestJoin_twice:3f9a0c1d", for key names and run ids. It holds only
// letters, digits and "_-.:" so it is safe inside a SCAN pattern and a Redis
// Cluster hash tag.
func Prefix(t testing.TB) string {
	var b [4]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatalf("redistest: random prefix: %v", err)
	}
	return "t:" + sanitize(t.Name()) + ":" + hex.EncodeToString(b[:])
}

func sanitize(name string) string {
	var sb strings.Builder
	for _, r := range name {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '_', r == '-', r == '.':
			sb.WriteRune(r)
		default:
			sb.WriteByte('_')
		}
	}
	if sb.Len() > 60 {
		return sb.String()[:60]
	}
	return sb.String()
}

// Cleanup deletes, when the test ends, every key of s that matches the SCAN
// pattern (for example "*{"+Prefix(t)+"}*"). It never deletes other keys.
func (s *Server) Cleanup(t testing.TB, pattern string) {
	t.Helper()
	if pattern == "" || pattern == "*" {
		t.Fatalf("redistest: Cleanup pattern %q would delete other tests' keys; include the test's Prefix", pattern)
	}
	t.Cleanup(func() {
		opts, err := redis.ParseURL(s.URL)
		if err != nil {
			return
		}
		c := redis.NewClient(opts)
		defer c.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := deleteMatching(ctx, c, pattern); err != nil {
			t.Logf("redistest: cleanup of %q: %v", pattern, err)
		}
	})
}

func deleteMatching(ctx context.Context, c *redis.Client, pattern string) error {
	var cursor uint64
	for {
		keys, next, err := c.Scan(ctx, cursor, pattern, 1000).Result()
		if err != nil {
			return err
		}
		if len(keys) > 0 {
			if err := c.Unlink(ctx, keys...).Err(); err != nil {
				return err
			}
		}
		if next == 0 {
			return nil
		}
		cursor = next
	}
}

// redactErr masks the passwords of the URL u in err's text.
func redactErr(err error, u string) error {
	p, perr := url.Parse(u)
	if perr != nil {
		return errors.New(redact.URL(u) + ": (error hidden: the URL does not parse)")
	}
	return errors.New(redact.Secrets(err.Error(), p))
}

// ClosedPort returns a loopback TCP port that nothing listens on (it was free a moment ago), for
// tests of an unreachable Redis.
func ClosedPort(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("redistest: finding a free port: %v", err)
	}
	addr, ok := l.Addr().(*net.TCPAddr)
	if !ok {
		t.Fatalf("redistest: finding a free port: a TCP listener on %s", l.Addr())
	}
	port := addr.Port
	if err := l.Close(); err != nil {
		t.Fatalf("redistest: finding a free port: %v", err)
	}
	return strconv.Itoa(port)
}
