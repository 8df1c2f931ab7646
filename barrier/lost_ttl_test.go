package barrier

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xk6-barrier/xk6-barrier/internal/redistest"
)

// TestWaitLostStateSaysTTL: a barrier whose ttl (1s) is shorter than its wait: the joined ids
// expire mid-wait, and the loss names the ttl, not a restart of Redis.
func TestWaitLostStateSaysTTL(t *testing.T) {
	srv := redistest.New(t)
	run := redistest.Prefix(t)
	srv.Cleanup(t, "*{"+run+"}*")
	b, err := New(Options{Parties: 3, RunID: run, Redis: srv.URL, TTL: time.Second})
	require.NoError(t, err)
	ctx := testCtx(t)
	join(t, b, 1, 2)
	_, err = b.Wait(ctx, WaitOptions{Timeout: 20 * time.Second})
	we := waitErr(t, err)
	t.Log(we.Error())
	assert.Equal(t, OutcomeFailed, we.Result.Outcome)
	assert.Contains(t, we.Result.Lost, "joined fell from 2 to 0")
	assert.Contains(t, we.Result.Lost, "(its keys expired? the barrier's ttl of 1s is shorter than this wait's ")
	assert.NotContains(t, we.Result.Lost, "persistence")
}
