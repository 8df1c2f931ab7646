package main

import (
	"bufio"
	"context"
	"flag"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/xk6-barrier/xk6-barrier/internal/redistest"
)

func TestRunBadFlags(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"login rate above 1", []string{"-login-fail-rate", "1.5"}, "-login-fail-rate must be between 0 and 1, got 1.5"},
		{"sse rate below 0", []string{"-sse-fail-rate=-0.1"}, "-sse-fail-rate must be between 0 and 1, got -0.1"},
		{"sse rate NaN", []string{"-sse-fail-rate=NaN"}, "-sse-fail-rate must be between 0 and 1"},
		{"no users", []string{"-users", "0"}, "-users must be between 1 and 10000000, got 0"},
		{"negative promote rate", []string{"-promote-rate=-1"}, "-promote-rate must be a number >= 0, got -1"},
		{"zero keepalive", []string{"-keepalive", "0s"}, "-keepalive must be > 0"},
		{"bad redis URL", []string{"-redis", "http://localhost"}, "-redis: invalid Redis URL: redis: invalid URL scheme: http"},
		{"unparsable redis URL hides password", []string{"-redis", "redis://u:s3cret@host:port:x/%zz"}, "-redis: invalid Redis URL: cannot parse it as a URL"},
		{"empty addr", []string{"-addr", ""}, "-addr must not be empty"},
		{"unknown flag", []string{"-nope"}, "flag provided but not defined: -nope"},
		{"not a number", []string{"-users", "many"}, `invalid value "many" for flag -users`},
		{"positional argument", []string{"extra"}, `unexpected argument "extra"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var stdout, stderr strings.Builder
			err := run(context.Background(), tc.args, &stdout, &stderr)
			require.Error(t, err)
			require.True(t, isUsageError(err), "want a usage error (exit 2), got %T %v", err, err)
			require.Contains(t, err.Error(), tc.want)
			require.NotContains(t, err.Error(), "s3cret")
			require.Empty(t, stdout.String(), "nothing starts")
		})
	}
}

func TestRunHelp(t *testing.T) {
	t.Parallel()
	var stdout, stderr strings.Builder
	err := run(context.Background(), []string{"-h"}, &stdout, &stderr)
	require.ErrorIs(t, err, flag.ErrHelp)
	require.Contains(t, stderr.String(), "-promote-before-open")
}

func TestRunRedisDown(t *testing.T) {
	t.Parallel()
	var stdout, stderr strings.Builder
	err := run(context.Background(), []string{"-addr", "127.0.0.1:0", "-redis", "redis://127.0.0.1:1"}, &stdout, &stderr)
	require.ErrorContains(t, err, "ping redis at 127.0.0.1:1")
	require.False(t, isUsageError(err))
}

// TestRunServesAndShutsDown starts the real program, with an external and
// with the embedded Redis, keeps a stream open and stops it: run returns,
// the stream ends and the user has left the queue.
func TestRunServesAndShutsDown(t *testing.T) {
	t.Parallel()
	rs := redistest.New(t)
	tests := []struct {
		name      string
		redisFlag string
		redisLine string
	}{
		{"external redis", "-redis=" + rs.URL, "using redis at " + rs.Addr},
		{"embedded redis", "-redis=", "embedded redis at redis://127.0.0.1:"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			prefix := redistest.Prefix(t) + ":"
			rs.Cleanup(t, prefix+"*")
			ctx, cancel := context.WithTimeout(context.Background(), testGuard)
			defer cancel()
			runCtx, stop := context.WithCancel(ctx)
			defer stop()

			outR, outW := io.Pipe()
			done := make(chan error, 1)
			go func() {
				err := run(runCtx, []string{"-addr", "127.0.0.1:0", tc.redisFlag, "-key-prefix", prefix, "-users", "5", "-keepalive", "50ms"}, outW, testWriter{t})
				_ = outW.Close()
				done <- err
			}()
			lines := make(chan string, 16)
			go func() {
				defer close(lines)
				sc := bufio.NewScanner(outR)
				for sc.Scan() {
					lines <- sc.Text()
				}
			}()
			redisLine := <-lines
			require.True(t, strings.HasPrefix(redisLine, tc.redisLine), "redis line %q", redisLine)
			ready := <-lines
			base, ok := strings.CutPrefix(ready, "waitingroom listening on ")
			require.True(t, ok, "ready line %q", ready)

			redisURL := rs.URL
			if u, ok := strings.CutPrefix(redisLine, "embedded redis at "); ok {
				redisURL = u
			}
			opt, err := redis.ParseURL(redisURL)
			require.NoError(t, err)
			rdb := redis.NewClient(opt)
			defer rdb.Close()

			env := &testEnv{t: t, ctx: ctx, base: base, rdb: rdb, keys: keys{prefix: prefix}, prefix: prefix}
			res, s := env.connect("7", env.login(3))
			require.Equal(t, http.StatusOK, res.StatusCode)
			require.Equal(t, "WAITING", s.mustNext().Name)
			require.True(t, env.queued("7", "3"))

			// Promotion works on this Redis too (the Lua scripts run on miniredis).
			_, promotedStream := env.connect("8", env.login(4))
			require.Equal(t, "WAITING", promotedStream.mustNext().Name)
			env.open("8")
			require.Equal(t, "4", promotedStream.until("IN_PROGRESS", nil)["userId"])
			require.Equal(t, 0, env.waitingCount("8"))
			require.Equal(t, 1, env.waitingCount("7"), "event 7 was never opened")

			stop() // SIGINT/SIGTERM in main
			select {
			case err := <-done:
				require.NoError(t, err)
			case <-ctx.Done():
				t.Fatal("run did not return after its context ended")
			}
			_, more := s.next()
			require.False(t, more, "the open stream is closed by the shutdown")
			require.Equal(t, "waitingroom stopped", <-lines)
			if tc.redisFlag != "-redis=" { // the embedded Redis is gone with the server
				require.False(t, env.queued("7", "3"), "shutdown takes the waiting user off the queue")
			}
		})
	}
}
