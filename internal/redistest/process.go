package redistest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// process is a redis-server started by this package.
type process struct {
	cmd  *exec.Cmd
	addr string
	dir  string
	done chan struct{} // closed when the process has exited

	stopOnce sync.Once
}

func (p *process) server() *Server {
	return &Server{URL: "redis://" + p.addr, Addr: p.addr, Kind: KindProcess, proc: p}
}

// StartServer starts a redis-server of its own for the test on a free
// loopback port, stopped when the test ends. args are extra redis-server
// arguments, e.g. "--cluster-enabled", "yes". It returns an error saying why
// when redis-server is not installed or does not start; a test usually
// t.Skip()s with it.
func StartServer(t testing.TB, args ...string) (*Server, error) {
	t.Helper()
	p, err := startProcess(args)
	if err != nil {
		return nil, err
	}
	t.Cleanup(p.stop)
	t.Logf("redistest: started dedicated redis-server at %s", p.addr)
	return p.server(), nil
}

// findRedisServer returns the path of redis-server.
func findRedisServer() (string, error) {
	if p, err := exec.LookPath("redis-server"); err == nil {
		return p, nil
	}
	if _, err := os.Stat("/usr/bin/redis-server"); err == nil {
		return "/usr/bin/redis-server", nil
	}
	return "", errors.New("redis-server is not installed (not on PATH, not at /usr/bin/redis-server)")
}

// startProcess starts redis-server on a free loopback port and waits until
// it answers PING. It retries with another port when one was taken meanwhile.
func startProcess(args []string) (*process, error) {
	bin, err := findRedisServer()
	if err != nil {
		return nil, err
	}
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ {
		p, err := tryStart(bin, args)
		if err == nil {
			return p, nil
		}
		lastErr = err
	}
	return nil, lastErr
}

func tryStart(bin string, args []string) (*process, error) {
	port, err := freePort()
	if err != nil {
		return nil, fmt.Errorf("finding a free port: %w", err)
	}
	dir, err := os.MkdirTemp("", "redistest-")
	if err != nil {
		return nil, err
	}
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	all := append([]string{
		"--port", strconv.Itoa(port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--dir", dir,
		"--daemonize", "no", "--logfile", "",
	}, args...)
	return launch(bin, all, addr, dir)
}

// launch starts bin with args, a server that will listen on addr and owns dir (its stop removes
// it), and returns it once it answers PING.
func launch(bin string, args []string, addr, dir string) (*process, error) {
	// #nosec G204 -- tests start the redis-server found on PATH, with arguments of their own
	cmd := exec.Command(bin, args...)
	cmd.SysProcAttr = sysProcAttr()
	if err := cmd.Start(); err != nil {
		_ = os.RemoveAll(dir)
		return nil, fmt.Errorf("starting %s %s: %w", bin, strings.Join(args, " "), err)
	}
	p := &process{cmd: cmd, addr: addr, dir: dir, done: make(chan struct{})}
	go func() { _ = cmd.Wait(); close(p.done) }()
	if err := p.waitReady(10 * time.Second); err != nil {
		p.stop()
		return nil, err
	}
	return p, nil
}

func (p *process) waitReady(limit time.Duration) error {
	c := redis.NewClient(&redis.Options{Addr: p.addr, DialTimeout: time.Second, MaxRetries: -1})
	defer c.Close()
	deadline := time.Now().Add(limit)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		err := c.Ping(ctx).Err()
		cancel()
		if err == nil || isAuthError(err) { // a server with --requirepass is up too
			return nil
		}
		select {
		case <-p.done:
			return fmt.Errorf("redis-server at %s exited at start (port taken?)", p.addr)
		default:
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("redis-server at %s did not answer PING within %s: %w", p.addr, limit, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func isAuthError(err error) bool {
	s := err.Error()
	return strings.HasPrefix(s, "NOAUTH") || strings.HasPrefix(s, "WRONGPASS")
}

func (p *process) stop() {
	p.stopOnce.Do(func() {
		_ = p.cmd.Process.Kill()
		select {
		case <-p.done:
		case <-time.After(5 * time.Second):
		}
		_ = os.RemoveAll(p.dir)
	})
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	addr, ok := l.Addr().(*net.TCPAddr)
	if !ok {
		return 0, fmt.Errorf("a TCP listener on %s", l.Addr())
	}
	return addr.Port, nil
}

// NeedServer is StartServer for a test that cannot run without a redis-server of its own (faults,
// stalls, TLS, a password): where none starts, see Unavailable.
func NeedServer(t testing.TB, args ...string) *Server {
	t.Helper()
	srv, err := StartServer(t, args...)
	if err != nil {
		Unavailable(t, "a redis-server of its own", err)
	}
	return srv
}

// NeedCluster is StartCluster for a test that cannot run without a Redis Cluster: where none
// starts, see Unavailable.
func NeedCluster(t testing.TB, n int) []*Server {
	t.Helper()
	nodes, err := StartCluster(t, n)
	if err != nil {
		Unavailable(t, "a Redis Cluster of redis-server processes", err)
	}
	return nodes
}

// Unavailable ends a test that needs what (a redis-server it could not start, for err): it fails
// when the environment variable CI is set, so that CI never passes without the test, and is
// skipped, saying why, elsewhere.
func Unavailable(t testing.TB, what string, err error) {
	t.Helper()
	if os.Getenv("CI") != "" {
		t.Fatalf("this test needs %s, and CI is set: %v", what, err)
	}
	t.Skipf("this test needs %s: %v", what, err)
}
