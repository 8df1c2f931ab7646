package barrier

import (
	"net"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xk6-barrier/xk6-barrier/internal/redistest"
)

// TestConfigurationErrorsFailAtOnce: a wrong password and a user without a permission the barrier
// needs are configuration errors, not failovers: every call, arrive() as join(), fails at once with
// the server's words (and, for a permission, the command and its ACL category), never with the
// password.
func TestConfigurationErrorsFailAtOnce(t *testing.T) {
	srv := redistest.NeedServer(t, "--requirepass", "right-secret")
	admin := redis.NewClient(&redis.Options{Addr: srv.Addr, Password: "right-secret"})
	t.Cleanup(func() { _ = admin.Close() })
	ctx := testCtx(t)
	require.NoError(t, admin.Do(ctx, "ACL", "SETUSER", "nopubsub", "on", ">user-secret", "~*", "&*", "+@all", "-@pubsub").Err())

	calls := map[string]func(b *Barrier) error{
		"join": func(b *Barrier) error { _, err := b.Join(ctx, "1"); return err },
		"arrive": func(b *Barrier) error {
			_, err := b.Arrive(ctx, "1", ArriveOptions{Timeout: 30 * time.Second})
			return err
		},
		"wait": func(b *Barrier) error { _, err := b.Wait(ctx, WaitOptions{Timeout: 30 * time.Second}); return err },
	}
	for _, tc := range []struct {
		name, url string
		want      []string
		skip      map[string]bool
	}{
		{name: "wrong password", url: "redis://:wrong-secret@" + srv.Addr, want: []string{"WRONGPASS"}},
		{name: "no password", url: "redis://" + srv.Addr, want: []string{"NOAUTH"}},
		{
			name: "no @pubsub", url: "redis://nopubsub:user-secret@" + srv.Addr,
			want: []string{"NOPERM", "@pubsub"},
		},
		{name: "nothing listens", url: "redis://:secret@" + closedAddr(t), want: []string{"connection refused"}},
	} {
		for call, run := range calls {
			t.Run(tc.name+"/"+call, func(t *testing.T) {
				b, err := New(Options{Parties: 2, RunID: redistest.Prefix(t), Redis: tc.url})
				require.NoError(t, err)
				start := time.Now()
				err = run(b)
				took := time.Since(start)
				require.Error(t, err)
				t.Log(err)
				assert.Less(t, took, 5*time.Second, "failed at once")
				for _, w := range tc.want {
					assert.Contains(t, err.Error(), w)
				}
				assert.NotContains(t, err.Error(), "secret")
				assert.NotContains(t, err.Error(), "reads failing", "not retried as a failover")
			})
		}
	}
}

// closedAddr is a loopback address where nothing listens.
func closedAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close())
	return addr
}
