package k6util

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/grafana/sobek"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"go.k6.io/k6/v2/js/modulestest"
	"go.k6.io/k6/v2/lib"
	"go.k6.io/k6/v2/metrics"
)

func testSample(t *testing.T) metrics.Sample {
	t.Helper()
	r := metrics.NewRegistry()
	m, err := r.NewMetric("k6util_test", metrics.Counter)
	require.NoError(t, err)
	return metrics.Sample{TimeSeries: metrics.TimeSeries{Metric: m, Tags: r.RootTagSet()}, Time: time.Now(), Value: 1}
}

// TestPushSample: a live context delivers; an ended one delivers while there is room and never
// blocks when there is none; a nil channel is ignored.
func TestPushSample(t *testing.T) {
	t.Parallel()
	s := testSample(t)
	out := make(chan metrics.SampleContainer, 1)
	PushSample(context.Background(), out, s)
	require.Len(t, out, 1, "a live context delivers")
	<-out

	ended, cancel := context.WithCancel(context.Background())
	cancel()
	PushSample(ended, out, s)
	require.Len(t, out, 1, "an ended context still delivers when there is room")

	done := make(chan struct{})
	go func() {
		PushSample(ended, out, s) // the channel is full: dropped, not blocked
		PushSample(ended, nil, s)
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("PushSample blocked on a full channel after its context ended")
	}
	assert.Len(t, out, 1)
}

// TestTypeErrorKeepsPercent: a message with format verbs reaches JavaScript unchanged.
func TestTypeErrorKeepsPercent(t *testing.T) {
	t.Parallel()
	rt := sobek.New()
	const msg = "bad url http://x/%s%d%!: 100%"
	require.NoError(t, rt.Set("fail", func() { ThrowTypeError(rt, msg) }))
	_, err := rt.RunString(`try { fail(); } catch (e) { if (!(e instanceof TypeError)) throw new Error("not a TypeError"); throw e; }`)
	require.Error(t, err)
	assert.Equal(t, "TypeError: "+msg, strings.SplitN(err.Error(), " at ", 2)[0])
}

// TestVUState: in the init context the call throws a TypeError naming the call and the hint; in
// the VU context it returns the state.
func TestVUState(t *testing.T) {
	t.Parallel()
	rt := modulestest.NewRuntime(t)
	require.NoError(t, rt.VU.Runtime().Set("call", func() { VUState(rt.VU, "thing.do()", "call it in the default function") }))
	_, err := rt.VU.Runtime().RunString(`call()`)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "TypeError: thing.do() can't be called in the init context: call it in the default function")

	assert.NotNil(t, InitRegistry(rt.VU), "the init environment has a registry")

	state := &lib.State{}
	rt.MoveToVUContext(state)
	assert.Same(t, state, VUState(rt.VU, "thing.do()", "unused"))
	assert.Nil(t, InitRegistry(rt.VU), "no init environment once in the VU context")
}

// TestMust: nil passes, an error is thrown as a Go error.
func TestMust(t *testing.T) {
	t.Parallel()
	rt := sobek.New()
	must := Must(rt)
	must(nil)
	require.NoError(t, rt.Set("fail", func() { must(assert.AnError) }))
	_, err := rt.RunString(`fail()`)
	require.ErrorContains(t, err, assert.AnError.Error())
}

func TestCompileFunc(t *testing.T) {
	t.Parallel()
	rt := sobek.New()
	fn, err := CompileFunc(rt, "add", `(function (a, b) { return a + b; })`)
	require.NoError(t, err)
	v, err := fn(sobek.Undefined(), rt.ToValue(2), rt.ToValue(3))
	require.NoError(t, err)
	assert.EqualValues(t, 5, v.Export())

	_, err = CompileFunc(rt, "broken", `(function (`)
	assert.ErrorContains(t, err, "compiling the JavaScript helper broken")
	_, err = CompileFunc(rt, "number", `42`)
	assert.ErrorContains(t, err, "compiling the JavaScript helper number: its source is not a function")
}
