package barrier

import (
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xk6-barrier/xk6-barrier/internal/redistest"
)

// TestPartiesMismatch: two instances of one run with different parties. The first write records
// parties in the meta key; the other instance's calls are refused with both values, and its refused
// join writes nothing.
func TestPartiesMismatch(t *testing.T) {
	srv := redistest.New(t)
	rdb := srv.Client(t)
	run := redistest.Prefix(t)
	srv.Cleanup(t, "*{"+run+"}*")
	ctx := testCtx(t)
	six, err := NewWithClient(Options{Parties: 6, RunID: run}, rdb)
	require.NoError(t, err)
	three, err := NewWithClient(Options{Parties: 3, RunID: run}, rdb)
	require.NoError(t, err)
	join(t, six, 4)

	meta := "K6_BARRIER_META:{" + run + "}"
	want := "parties 3 here but 6 recorded in " + meta + " by another instance: all instances must use the same parties"
	for name, call := range map[string]func() error{
		"join":   func() error { _, err := three.Join(ctx, "1"); return err },
		"fail":   func() error { _, err := three.Fail(ctx, "2", "login"); return err },
		"status": func() error { _, err := three.Status(ctx); return err },
		"wait":   func() error { _, err := three.Wait(ctx, WaitOptions{Timeout: time.Minute}); return err },
	} {
		start := time.Now()
		err := call()
		require.Error(t, err, name)
		assert.Contains(t, err.Error(), "barrier default: "+name)
		assert.Contains(t, err.Error(), want, name)
		assert.False(t, isWaitError(err), "%s: a mismatch is not a wait outcome", name)
		assert.Less(t, time.Since(start), 5*time.Second, "%s: refused at once, not retried", name)
	}
	s := status(t, six)
	assert.Equal(t, 1, s.Joined, "the refused calls wrote nothing")
	assert.Equal(t, 0, s.Failed, "the refused calls wrote nothing")

	require.NoError(t, three.Reset(ctx), "reset removes the meta too")
	assert.Zero(t, rdb.Exists(ctx, meta).Val())
	join(t, three, 1)
	assert.Equal(t, "3", rdb.HGet(ctx, meta, "parties").Val(), "after reset the next write records its parties")
}

// TestMetaWrongType: the meta key holding another type is named, and nothing is written.
func TestMetaWrongType(t *testing.T) {
	srv := redistest.New(t)
	if srv.Kind == redistest.KindEmbedded {
		t.Skip("the embedded server's Lua errors differ")
	}
	rdb := srv.Client(t)
	run := redistest.Prefix(t)
	srv.Cleanup(t, "*{"+run+"}*")
	ctx := testCtx(t)
	b, err := NewWithClient(Options{Parties: 3, RunID: run}, rdb)
	require.NoError(t, err)
	meta := "K6_BARRIER_META:{" + run + "}"
	require.NoError(t, rdb.Set(ctx, meta, "x", 0).Err())
	_, err = b.Join(ctx, "1")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "key "+meta+" holds a string, not the hash")
	assert.Zero(t, rdb.Exists(ctx, "K6_BARRIER_JOINED:{"+run+"}").Val())
	require.NoError(t, b.Reset(ctx))
	assert.Zero(t, rdb.Exists(ctx, meta).Val())
}

// warnings collects a barrier's warnings.
type warnings struct {
	mu   sync.Mutex
	msgs []string
}

func (w *warnings) add(msg string) { w.mu.Lock(); w.msgs = append(w.msgs, msg); w.mu.Unlock() }
func (w *warnings) all() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]string(nil), w.msgs...)
}

// TestStaleStateWarns: a barrier whose state was first written before this process started (its
// meta's created time) warns once per process, naming the run id and what to do; state written by
// this test warns nothing.
func TestStaleStateWarns(t *testing.T) {
	srv := redistest.New(t)
	rdb := srv.Client(t)
	ctx := testCtx(t)

	fresh := redistest.Prefix(t) + "-fresh"
	srv.Cleanup(t, "*{"+fresh+"}*")
	b, err := NewWithClient(Options{Parties: 3, RunID: fresh}, rdb)
	require.NoError(t, err)
	var none warnings
	b.OnWarning(none.add)
	join(t, b, 1)
	status(t, b)
	assert.Empty(t, none.all(), "state written by this test is not stale")

	stale := redistest.Prefix(t) + "-stale"
	srv.Cleanup(t, "*{"+stale+"}*")
	earlier, err := NewWithClient(Options{Parties: 3, RunID: stale}, rdb)
	require.NoError(t, err)
	join(t, earlier, 1, 2)
	// As if an earlier run had written it an hour before this process started.
	created := processStart.Add(-time.Hour)
	require.NoError(t, rdb.HSet(ctx, "K6_BARRIER_META:{"+stale+"}", "created", strconv.FormatInt(created.UnixMilli(), 10)).Err())

	var got warnings
	for i := range 3 { // several barrier objects of one process, as VUs have
		now, err := NewWithClient(Options{Parties: 3, RunID: stale}, rdb)
		require.NoError(t, err)
		now.OnWarning(got.add)
		if i == 0 {
			status(t, now)
		}
		_, _ = now.Join(ctx, "3")
		_, err = now.Wait(ctx, WaitOptions{Timeout: time.Second})
		require.NoError(t, err)
	}
	msgs := got.all()
	require.Len(t, msgs, 1, "once per barrier per process: %q", msgs)
	for _, part := range []string{
		"barrier default: its state in redis ",
		`(runId "` + stale + `") was first written at ` + created.UTC().Format(time.RFC3339) + ", 1h0m0s before this k6 process started",
		"it holds joins or failures of an earlier run, which count toward this one",
		"Use a new runId for every run (e.g. -e K6_BARRIER_RUN_ID=run-$(date +%s)), or call reset() in setup()",
	} {
		assert.Contains(t, msgs[0], part)
	}
	t.Log(msgs[0])
}
