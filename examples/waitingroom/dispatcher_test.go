package main

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestDispatcherTick drives the dispatcher by hand (the server's own one has
// rate 0), so what a tick promotes is exact.
func TestDispatcherTick(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		beforeOpen bool
		open       bool
		rate       float64
		dt         time.Duration
		want       int
	}{
		{name: "closed event waits", rate: 10, dt: time.Second, want: 0},
		{name: "open event", open: true, rate: 2, dt: time.Second, want: 2},
		{name: "promote before open", beforeOpen: true, rate: 2, dt: time.Second, want: 2},
		{name: "slow rate owes nothing yet", open: true, rate: 0.5, dt: time.Second, want: 0},
		{name: "burst is capped at one second", open: true, rate: 1, dt: time.Minute, want: 1},
		{name: "no more than are waiting", open: true, rate: 100, dt: time.Second, want: 3},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			env := newTestEnv(t, nil)
			streams := make([]*stream, 3)
			for i := range streams {
				_, streams[i] = env.connect("7", env.login(i+1))
				require.Equal(t, "WAITING", streams[i].mustNext().Name)
			}
			if tc.open {
				env.open("7")
			}
			d := newDispatcher(env.srv.queue, env.srv.hub, tc.rate, tc.beforeOpen, nil)
			d.track("7")
			require.Equal(t, tc.want, d.tick(env.ctx, tc.dt))
			require.Equal(t, 3-tc.want, env.waitingCount("7"))
			for i := 0; i < tc.want; i++ { // promoted in queue order
				require.Equal(t, itoa(i+1), streams[i].until("IN_PROGRESS", nil)["userId"])
				require.False(t, env.queued("7", itoa(i+1)))
			}
			for i := tc.want; i < 3; i++ {
				require.True(t, env.queued("7", itoa(i+1)))
			}
		})
	}
}

func TestSlowRateAccumulates(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t, nil)
	_, s := env.connect("7", env.login(1))
	require.Equal(t, "WAITING", s.mustNext().Name)
	env.open("7")
	d := newDispatcher(env.srv.queue, env.srv.hub, 0.5, false, nil)
	d.track("7")
	require.Equal(t, 0, d.tick(env.ctx, time.Second))
	require.Equal(t, 1, d.tick(env.ctx, time.Second), "two seconds at 0.5/s promote one user")
	require.Equal(t, "IN_PROGRESS", s.mustNext().Name)
}

func TestPromoteBeforeOpenShrinksQueue(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t, func(c *Config) { c.PromoteRate = 1000; c.PromoteBeforeOpen = true })
	for n := 1; n <= 5; n++ {
		_, s := env.connect("7", env.login(n))
		data := s.until("IN_PROGRESS", nil)
		require.Equal(t, itoa(n), data["userId"])
		require.False(t, env.queued("7", itoa(n)))
	}
	// The event was never opened, yet the queue is empty: a controller
	// waiting for ZCARD >= users would wait forever.
	status, body := env.get("/api/admin/events/7/waiting-count")
	require.Equal(t, 200, status)
	require.Equal(t, map[string]any{"eventId": "7", "open": false, "waiting": float64(0)}, body)
}
