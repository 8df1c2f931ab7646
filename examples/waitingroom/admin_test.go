package main

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestAdminEndpoints(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t, nil)
	tests := []struct {
		name   string
		method string
		path   string
		status int
		want   map[string]any
	}{
		{"count of unknown event", http.MethodGet, "/api/admin/events/9/waiting-count", 200, map[string]any{"eventId": "9", "open": false, "waiting": float64(0)}},
		{"open", http.MethodPost, "/api/admin/events/9/open", 200, map[string]any{"eventId": "9", "open": true, "waiting": float64(0)}},
		{"open again", http.MethodPost, "/api/admin/events/9/open", 200, map[string]any{"eventId": "9", "open": true, "waiting": float64(0)}},
		{"count after open", http.MethodGet, "/api/admin/events/9/waiting-count", 200, map[string]any{"eventId": "9", "open": true, "waiting": float64(0)}},
		{"close", http.MethodPost, "/api/admin/events/9/close", 200, map[string]any{"eventId": "9", "open": false, "waiting": float64(0)}},
		{"bad event id", http.MethodPost, "/api/admin/events/a%7Bb%7D/open", 400, map[string]any{"error": "invalid event id (1-64 of A-Z a-z 0-9 _ . -)"}},
	}
	for _, tc := range tests { // in order: the steps build on each other
		req, err := http.NewRequestWithContext(env.ctx, tc.method, env.base+tc.path, nil)
		require.NoError(t, err, tc.name)
		status, body := env.do(req)
		require.Equal(t, tc.status, status, tc.name)
		require.Equal(t, tc.want, body, tc.name)
	}
	open, err := env.rdb.Exists(env.ctx, env.keys.open("9")).Result()
	require.NoError(t, err)
	require.Zero(t, open, "close deletes EVENT_OPEN")
}
