package main

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestWaitingRejects(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t, nil)
	good := env.login(1)
	tests := []struct {
		name    string
		header  string
		eventID string
		status  int
	}{
		{"no token", "", "7", http.StatusUnauthorized},
		{"bad token", "Bearer 1.AAAA", "7", http.StatusUnauthorized},
		{"not bearer", "Basic " + good, "7", http.StatusUnauthorized},
		{"bad event id", "Bearer " + good, "a%7Bb%7D", http.StatusBadRequest},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req, err := http.NewRequestWithContext(env.ctx, http.MethodGet, env.base+"/api/events/"+tc.eventID+"/waiting", nil)
			require.NoError(t, err)
			if tc.header != "" {
				req.Header.Set("Authorization", tc.header)
			}
			res, err := http.DefaultClient.Do(req)
			require.NoError(t, err)
			defer res.Body.Close()
			require.Equal(t, tc.status, res.StatusCode)
			require.Equal(t, "application/json", res.Header.Get("Content-Type"))
			var body errorBody
			require.NoError(t, json.NewDecoder(res.Body).Decode(&body))
			require.NotEmpty(t, body.Error)
		})
	}
	require.Equal(t, 0, env.waitingCount("7"), "a rejected connect enqueues nobody")
}

func TestWaitingEnqueues(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t, nil) // promote rate 0: nobody moves
	for n := 1; n <= 3; n++ {
		res, s := env.connect("7", env.login(n))
		require.Equal(t, http.StatusOK, res.StatusCode)
		require.Equal(t, "text/event-stream", res.Header.Get("Content-Type"))
		ev := s.mustNext()
		require.Equal(t, "WAITING", ev.Name)
		require.Equal(t, map[string]any{"status": "WAITING", "position": float64(n), "eventId": "7", "userId": itoa(n)}, ev.decode(t))
	}

	types := map[string]string{env.keys.waiting("7"): "zset", env.keys.queueIndex("7"): "hash", env.keys.userIDs("7"): "hash"}
	for key, want := range types {
		got, err := env.rdb.Type(env.ctx, key).Result()
		require.NoError(t, err)
		require.Equal(t, want, got, "TYPE %s", key)
	}
	for n := 1; n <= 3; n++ {
		score, err := env.rdb.ZScore(env.ctx, env.keys.waiting("7"), itoa(n)).Result()
		require.NoError(t, err)
		require.Equal(t, float64(n), score, "score is the enqueue sequence")
		rec, err := env.rdb.HGet(env.ctx, env.keys.queueIndex("7"), itoa(n)).Result()
		require.NoError(t, err)
		var r struct {
			Index      int64 `json:"index"`
			EnqueuedAt int64 `json:"enqueuedAt"`
		}
		require.NoError(t, json.Unmarshal([]byte(rec), &r), "record %q", rec)
		require.Equal(t, int64(n), r.Index)
		require.Positive(t, r.EnqueuedAt)
		conn, err := env.rdb.HGet(env.ctx, env.keys.userIDs("7"), itoa(n)).Result()
		require.NoError(t, err)
		require.NotEmpty(t, conn)
	}
	require.Equal(t, 3, env.waitingCount("7"))
	require.Equal(t, 0, env.waitingCount("8"), "events are separate")
}

func TestWaitingKeepAlive(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t, nil)
	_, s := env.connect("7", env.login(1))
	require.Equal(t, "WAITING", s.mustNext().Name)
	require.Equal(t, ": keep-alive", s.nextComment())
}

func TestOpenPromotes(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t, func(c *Config) { c.PromoteRate = 1000 })
	streams := make([]*stream, 3)
	for i := range streams {
		_, streams[i] = env.connect("7", env.login(i+1))
		require.Equal(t, "WAITING", streams[i].mustNext().Name)
	}
	require.Equal(t, 3, env.waitingCount("7"))

	env.open("7")
	for i, s := range streams {
		data := s.until("IN_PROGRESS", nil)
		require.Equal(t, map[string]any{"status": "IN_PROGRESS", "eventId": "7", "userId": itoa(i + 1)}, data)
		_, more := s.next()
		require.False(t, more, "the server ends the stream after IN_PROGRESS")
		require.False(t, env.queued("7", itoa(i+1)), "user %d must leave all three keys", i+1)
	}
	require.Equal(t, 0, env.waitingCount("7"))
}

func TestSSEFailRate(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t, func(c *Config) { c.SSEFailRate = 1 })
	res, _ := env.connect("7", env.login(1))
	require.Equal(t, http.StatusServiceUnavailable, res.StatusCode)
	require.Equal(t, "application/json", res.Header.Get("Content-Type"))
	var body errorBody
	require.NoError(t, json.NewDecoder(res.Body).Decode(&body))
	require.Contains(t, body.Error, "injected failure")
	require.False(t, env.queued("7", "1"))
}

func TestDisconnectRemovesUser(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t, nil)
	_, s1 := env.connect("7", env.login(1))
	require.Equal(t, "WAITING", s1.mustNext().Name)
	_, s2 := env.connect("7", env.login(2))
	require.Equal(t, "WAITING", s2.mustNext().Name)
	require.True(t, env.queued("7", "1"))

	s1.close()
	env.eventually("user 1 removed after disconnecting", func() bool { return !env.queued("7", "1") })
	data := s2.until("WAITING", func(d map[string]any) bool { return d["position"] == float64(1) })
	require.Equal(t, "2", data["userId"], "user 2 moves up")
	require.True(t, env.queued("7", "2"))
}

func TestReconnectKeepsPlace(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t, nil)
	tok1 := env.login(1)
	_, old := env.connect("7", tok1)
	require.Equal(t, "WAITING", old.mustNext().Name)
	_, s2 := env.connect("7", env.login(2))
	require.Equal(t, "WAITING", s2.mustNext().Name)

	_, again := env.connect("7", tok1)
	data := again.until("WAITING", nil)
	require.Equal(t, float64(1), data["position"], "a reconnect keeps its place")
	_, more := old.next()
	require.False(t, more, "the older stream of the same user ends")
	require.True(t, env.queued("7", "1"), "ending the older stream must not remove the user")
	require.Equal(t, 2, env.waitingCount("7"))
}
