package barrier

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xk6-barrier/xk6-barrier/internal/redistest"
)

// TestOneResetPath: a reset from another process's script (Barrier.Reset) and one from the command
// line (Inspector.Reset, as `k6 x barrier reset` runs it) take the same path: the waiting arrival
// ends as reset, the tombstone names the rendezvous state deleted (so a process that missed the
// message tells the reset from a loss when it re-reads), every key of the barrier goes (the
// instances' leases and the writes' replies too), and the waiter's process starts again from phase 0.
func TestOneResetPath(t *testing.T) {
	resets := map[string]func(t *testing.T, srv *redistest.Server, o Options){
		"script": func(t *testing.T, srv *redistest.Server, o Options) {
			other, err := NewWithClient(o, srv.Client(t))
			require.NoError(t, err)
			require.NoError(t, other.Reset(testCtx(t)))
		},
		"command line": func(t *testing.T, srv *redistest.Server, o Options) {
			in, err := NewInspectorWithClient(srv.Client(t), "")
			require.NoError(t, err)
			plan, err := in.PlanReset(testCtx(t), Ref{RunID: o.RunID, Name: o.Name}, false)
			require.NoError(t, err)
			n, err := in.Reset(testCtx(t), plan)
			require.NoError(t, err)
			assert.Equal(t, plan.KeyCount(), n, "it deleted the keys of its plan")
		},
	}
	for name, reset := range resets {
		t.Run(name, func(t *testing.T) {
			srv := redistest.NeedServer(t)
			run := redistest.Prefix(t)
			srv.Cleanup(t, "*{"+run+"}*")
			o := Options{Parties: 2, RunID: run, Name: "rdv"}
			b, err := NewWithClient(o, srv.Client(t))
			require.NoError(t, err)
			_, errs := arriveAll(t, b, ArriveOptions{}, 1, 2)
			require.NoError(t, errs[1])
			require.NoError(t, errs[2])
			_, err = b.Join(testCtx(t), "1") // a one-shot key and a write's reply
			require.NoError(t, err)
			w := startArrive(t, testCtx(t), b, 1, ArriveOptions{})
			awaitArrived(t, b, 1)

			rdb := srv.Client(t)
			ctx := context.Background()
			keys := newPhaseKeys(newKeyLayout(b.Options()))
			epoch, err := rdb.HGet(ctx, keys.hash, "epoch").Result()
			require.NoError(t, err)
			reset(t, srv, b.Options())

			out := <-w
			require.Error(t, out.err)
			assert.Contains(t, out.err.Error(), "the barrier was reset while this arrival waited")
			tomb, err := rdb.Get(ctx, keys.tombstone).Result()
			require.NoError(t, err, "the tombstone")
			assert.Equal(t, epoch, tomb)
			left, err := rdb.Keys(ctx, "*{"+run+"}*").Result()
			require.NoError(t, err)
			assert.ElementsMatch(t, []string{keys.tombstone, newKeyLayout(b.Options()).tombstone}, left,
				"every key but the tombstones (the rendezvous's, the one-shot state's) went")

			res, errs := arriveAll(t, b, ArriveOptions{}, 1, 2)
			require.NoError(t, errs[1])
			assert.EqualValues(t, 0, res[1].Phase, "reset starts from phase 0")
		})
	}
}
