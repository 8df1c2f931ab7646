package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/xk6-barrier/xk6-barrier/internal/redistest"
)

func TestMain(m *testing.M) { redistest.Main(m) }

// testGuard bounds every test so that a bug fails it instead of hanging the
// run; nothing asserts on durations.
const testGuard = 60 * time.Second

// testEnv is a server started in-process on a real Redis, under a key
// prefix of its own.
type testEnv struct {
	t      *testing.T
	ctx    context.Context
	srv    *Server
	base   string // http://host:port of the server
	rdb    *redis.Client
	keys   keys
	prefix string
}

// newTestEnv starts a server with test defaults changed by mutate.
func newTestEnv(t *testing.T, mutate func(*Config)) *testEnv {
	t.Helper()
	rs := redistest.New(t)
	prefix := redistest.Prefix(t) + ":"
	rs.Cleanup(t, prefix+"*")
	rdb := rs.Client(t)

	cfg := defaultConfig()
	cfg.Users = 50
	cfg.KeyPrefix = prefix
	cfg.PromoteRate = 0
	cfg.PositionInterval = 20 * time.Millisecond
	cfg.KeepAlive = 50 * time.Millisecond
	cfg.DispatchInterval = 10 * time.Millisecond
	cfg.Log = newTestLogger(t)
	if mutate != nil {
		mutate(&cfg)
	}
	require.NoError(t, cfg.validate())

	ctx, cancel := context.WithTimeout(context.Background(), testGuard)
	t.Cleanup(cancel)
	srv := newServer(cfg, rdb)
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)  // runs after srv.Close (cleanups run last-in first-out)
	t.Cleanup(srv.Close) // ends open streams, so ts.Close does not wait for them
	return &testEnv{t: t, ctx: ctx, srv: srv, base: ts.URL, rdb: rdb, keys: keys{prefix: prefix}, prefix: prefix}
}

// post sends a POST with a JSON body and decodes the JSON answer.
func (e *testEnv) post(path, body string) (int, map[string]any) {
	e.t.Helper()
	req, err := http.NewRequestWithContext(e.ctx, http.MethodPost, e.base+path, strings.NewReader(body))
	require.NoError(e.t, err)
	req.Header.Set("Content-Type", "application/json")
	return e.do(req)
}

// get sends a GET and decodes the JSON answer.
func (e *testEnv) get(path string) (int, map[string]any) {
	e.t.Helper()
	req, err := http.NewRequestWithContext(e.ctx, http.MethodGet, e.base+path, nil)
	require.NoError(e.t, err)
	return e.do(req)
}

func (e *testEnv) do(req *http.Request) (int, map[string]any) {
	e.t.Helper()
	res, err := http.DefaultClient.Do(req)
	require.NoError(e.t, err)
	defer res.Body.Close()
	require.Equal(e.t, "application/json", res.Header.Get("Content-Type"))
	var body map[string]any
	require.NoError(e.t, json.NewDecoder(res.Body).Decode(&body))
	return res.StatusCode, body
}

// login logs user n in and returns the token.
func (e *testEnv) login(n int) string {
	e.t.Helper()
	status, body := e.post("/api/auth/login", fmt.Sprintf(`{"email":"user%d@example.com","password":"password"}`, n))
	require.Equal(e.t, http.StatusOK, status, "login of user%d: %v", n, body)
	tok, ok := body["accessToken"].(string)
	require.True(e.t, ok && tok != "", "no accessToken in %v", body)
	return tok
}

// waitingCount returns the "waiting" of the waiting-count endpoint.
func (e *testEnv) waitingCount(eventID string) int {
	e.t.Helper()
	status, body := e.get("/api/admin/events/" + eventID + "/waiting-count")
	require.Equal(e.t, http.StatusOK, status, "%v", body)
	return int(body["waiting"].(float64))
}

// open opens eventID through the admin endpoint.
func (e *testEnv) open(eventID string) {
	e.t.Helper()
	status, body := e.post("/api/admin/events/"+eventID+"/open", "")
	require.Equal(e.t, http.StatusOK, status, "%v", body)
	require.Equal(e.t, true, body["open"])
}

// eventually polls cond until it holds, failing the test at the guard.
func (e *testEnv) eventually(what string, cond func() bool) {
	e.t.Helper()
	for !cond() {
		select {
		case <-e.ctx.Done():
			e.t.Fatalf("gave up waiting for: %s", what)
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// queued reports whether userID is in any of the event's three keys.
func (e *testEnv) queued(eventID, userID string) bool {
	e.t.Helper()
	_, zerr := e.rdb.ZScore(e.ctx, e.keys.waiting(eventID), userID).Result()
	inIndex, err := e.rdb.HExists(e.ctx, e.keys.queueIndex(eventID), userID).Result()
	require.NoError(e.t, err)
	inIDs, err := e.rdb.HExists(e.ctx, e.keys.userIDs(eventID), userID).Result()
	require.NoError(e.t, err)
	if zerr != nil && !errors.Is(zerr, redis.Nil) {
		require.NoError(e.t, zerr)
	}
	return zerr == nil || inIndex || inIDs
}

// sseEvent is one event read from a stream.
type sseEvent struct {
	Name string
	Data string
}

// decode unmarshals the event's data as JSON.
func (ev sseEvent) decode(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal([]byte(ev.Data), &m), "data %q", ev.Data)
	return m
}

// stream is a client-side SSE stream read with a small line reader.
type stream struct {
	t      *testing.T
	res    *http.Response
	r      *bufio.Reader
	cancel context.CancelFunc
}

// connect opens the waiting stream of eventID with token and returns the
// response; for a 200 also the stream.
func (e *testEnv) connect(eventID, token string) (*http.Response, *stream) {
	e.t.Helper()
	ctx, cancel := context.WithCancel(e.ctx)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, e.base+"/api/events/"+eventID+"/waiting", nil)
	require.NoError(e.t, err)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	require.NoError(e.t, err)
	s := &stream{t: e.t, res: res, r: bufio.NewReader(res.Body), cancel: cancel}
	e.t.Cleanup(s.close)
	return res, s
}

// close drops the connection.
func (s *stream) close() {
	s.cancel()
	_ = s.res.Body.Close()
}

// next reads the next event; ok is false at the end of the stream.
func (s *stream) next() (ev sseEvent, ok bool) {
	s.t.Helper()
	for {
		line, err := s.r.ReadString('\n')
		if err != nil {
			require.Empty(s.t, line, "unfinished line at the end of the stream")
			require.Empty(s.t, ev, "unfinished event at the end of the stream")
			return sseEvent{}, false
		}
		line = strings.TrimSuffix(line, "\n")
		switch {
		case line == "":
			if ev != (sseEvent{}) {
				return ev, true
			}
		case strings.HasPrefix(line, ":"): // a comment, e.g. the keep-alive
		case strings.HasPrefix(line, "event: "):
			ev.Name = strings.TrimPrefix(line, "event: ")
		case strings.HasPrefix(line, "data: "):
			ev.Data = strings.TrimPrefix(line, "data: ")
		default:
			s.t.Fatalf("unexpected SSE line %q", line)
		}
	}
}

// nextComment reads lines until a comment line and returns it.
func (s *stream) nextComment() string {
	s.t.Helper()
	for {
		line, err := s.r.ReadString('\n')
		require.NoError(s.t, err, "stream ended before a comment")
		if strings.HasPrefix(line, ":") {
			return strings.TrimSuffix(line, "\n")
		}
	}
}

// mustNext reads the next event and fails if the stream ended.
func (s *stream) mustNext() sseEvent {
	s.t.Helper()
	ev, ok := s.next()
	require.True(s.t, ok, "stream ended")
	return ev
}

// until reads events until one named name arrives for which match (if not
// nil) holds, and returns it.
func (s *stream) until(name string, match func(map[string]any) bool) map[string]any {
	s.t.Helper()
	for {
		ev := s.mustNext()
		if ev.Name != name {
			continue
		}
		data := ev.decode(s.t)
		if match == nil || match(data) {
			return data
		}
	}
}

// newTestLogger sends server logs to the test log.
func newTestLogger(t *testing.T) *log.Logger {
	return log.New(testWriter{t}, "server: ", 0)
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSuffix(string(p), "\n"))
	return len(p), nil
}
