package jsbarrier

import (
	"context"
	"testing"
	"time"

	"github.com/sirupsen/logrus"
	logtest "github.com/sirupsen/logrus/hooks/test"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xk6-barrier/xk6-barrier/barrier"
	"github.com/xk6-barrier/xk6-barrier/internal/redistest"
)

// TestJSEndOfTestLines: at k6's TestEnd event, the process logs one line per barrier: how its
// waits and arrivals settled, and the last of each; a barrier not met is a warning. (k6's events
// cannot be emitted by a test outside k6: the test calls what the TestEnd subscriber calls.)
func TestJSEndOfTestLines(t *testing.T) {
	m := newK6Model(t, "constant-vus")
	met, missed, spike := uniqueName(t)+"a", uniqueName(t)+"b", uniqueName(t)+"c"
	vus := m.vus(t, 2, `const met = new Barrier({ parties: 2, name: "`+met+`" });
		const missed = new Barrier({ parties: 3, name: "`+missed+`" });
		const spike = new Barrier({ parties: 2, name: "`+spike+`" });`)
	iterate(t, vus, `await met.join(); await spike.arrive({ progress: false });`)
	iterate(t, vus[:1], `await met.wait({ progress: false });
		try { await missed.wait({ timeout: "10ms", progress: false, abortOnFail: false }); } catch (e) {}`)

	logger, hook := logtest.NewNullLogger()
	logger.SetLevel(logrus.InfoLevel)
	m.root.ends.report(logger)
	entries := hook.AllEntries()
	require.Len(t, entries, 3, "one line per barrier")
	byName := map[string]*logrus.Entry{}
	for _, e := range entries {
		byName[e.Data["barrier"].(string)] = e
	}
	assert.Equal(t, logrus.InfoLevel, byName[met].Level)
	assert.Contains(t, byName[met].Message, "barrier "+met+" at the end of the test: wait(): 1 met; the last: barrier "+met+": met after ")
	assert.Equal(t, logrus.WarnLevel, byName[missed].Level)
	assert.Contains(t, byName[missed].Message, "wait(): 1 timeout; the last: barrier "+missed+": timeout after ")
	assert.Equal(t, logrus.InfoLevel, byName[spike].Level)
	assert.Contains(t, byName[spike].Message, "arrive(): 2 released; the last: barrier "+spike+": phase 0 released")
}

// TestJSRunEndRecorded: at k6's TestEnd, the process records in each Redis barrier it used that its
// test (its execution segment, the whole test here) ended: the Inspector, and `k6 x barrier watch`
// with it, sees the run's end.
func TestJSRunEndRecorded(t *testing.T) {
	srv := redistest.New(t)
	run := redistest.Prefix(t)
	srv.Cleanup(t, "*{"+run+"}*")
	m := newK6Model(t, "constant-vus")
	vus := m.vus(t, 2, `const room = new Barrier({ parties: 2, name: "rdv", redis: "`+srv.URL+`", runId: "`+run+`" });`)
	iterate(t, vus, `await room.arrive({ progress: false });`)
	in, err := barrier.NewInspector(srv.URL, "")
	require.NoError(t, err)
	t.Cleanup(func() { _ = in.Close() })
	ref := barrier.Ref{RunID: run, Name: "rdv"}
	s, err := in.Inspect(context.Background(), ref, barrier.InspectOptions{})
	require.NoError(t, err)
	assert.False(t, s.RunEnded)

	logger, hook := logtest.NewNullLogger()
	m.root.ends.recordRunEnd(logger)
	assert.Empty(t, hook.AllEntries())
	s, err = in.Inspect(context.Background(), ref, barrier.InspectOptions{})
	require.NoError(t, err)
	assert.True(t, s.RunEnded)
}

// TestJSTestEndWithdraws: two k6 processes (two module roots, two Redis clients, two instance
// leases) share a rendezvous of 4 parties, 2 VUs each. At k6's TestEnd of the second (the end of its
// test, exec.test.abort() or SIGTERM: k6 emits TestEnd after each), its participants withdraw at
// once: the first process's VUs, already waiting at the next phase, are released with 2 parties,
// although the second process still renews its lease and its VUs never left by themselves.
func TestJSTestEndWithdraws(t *testing.T) {
	srv := redistest.New(t)
	run := redistest.Prefix(t)
	srv.Cleanup(t, "*{"+run+"}*")
	name := uniqueName(t)
	init := func(url string) string {
		return `const room = new Barrier({ parties: 4, name: "` + name + `", redis: "` + url + `", runId: "` + run + `" });`
	}
	first, second := newK6Model(t, "constant-vus"), newK6Model(t, "constant-vus")
	mine := first.vus(t, 2, init(srv.URL))
	theirs := second.vusIn(t, second.ss, []uint64{3, 4}, init(srv.URL+"?pool_size=8")) // another client
	all := append(append([]*modelVU{}, mine...), theirs...)
	for i, vu := range all {
		require.NoError(t, vu.rt.VU.Runtime().Set("me", i+1))
	}
	const arrive = `globalThis.res = await room.arrive({ id: me, timeout: "30s", progress: false });`
	iterate(t, all, arrive)
	for _, vu := range all {
		assertPhase(t, vu, "released", 0, 4)
	}

	for _, vu := range mine {
		vu.startIteration()
	}
	done := make(chan time.Duration, 1)
	go func() { done <- runAll(t, mine, arrive) }()
	select {
	case <-done:
		t.Fatal("phase 1 settled while the second process's participants still take part")
	case <-time.After(2 * time.Second): // four lease renewals of the second process, more than one of the first
	}
	logger, hook := logtest.NewNullLogger()
	second.root.ends.testEnded(logger)
	for _, e := range hook.AllEntries() {
		assert.NotEqual(t, logrus.WarnLevel, e.Level, e.Message)
	}
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		t.Fatal("phase 1 not released after the second process's TestEnd")
	}
	for _, vu := range mine {
		vu.endIteration()
		assertPhase(t, vu, "released", 1, 2)
		assert.EqualValues(t, 2, jsObj(vu.jsVU, "res").Get("left").ToInteger())
	}

	in, err := barrier.NewInspector(srv.URL, "")
	require.NoError(t, err)
	t.Cleanup(func() { _ = in.Close() })
	s, err := in.Inspect(context.Background(), barrier.Ref{RunID: run, Name: name}, barrier.InspectOptions{})
	require.NoError(t, err)
	assert.Equal(t, 1, s.Phase.Instances, "the first process's lease alone remains")
}
