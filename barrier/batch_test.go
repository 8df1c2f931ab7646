package barrier

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestBatcherGroupsCallsMadeDuringARoundTrip: the calls queued while a round trip is under way go
// together in the next one, each gets its own reply, and no batch exceeds max.
func TestBatcherGroupsCallsMadeDuringARoundTrip(t *testing.T) {
	release := make(chan struct{})
	var mu sync.Mutex
	var sizes []int
	b := &batcher[string, string]{max: 8, senders: 1, send: func(_ context.Context, in []string) ([]string, error) {
		mu.Lock()
		first := len(sizes) == 0
		sizes = append(sizes, len(in))
		mu.Unlock()
		if first {
			<-release // hold the first round trip until the others queued
		}
		out := make([]string, len(in))
		for i, s := range in {
			out[i] = "r" + s
		}
		return out, nil
	}}
	const calls = 21
	var wg sync.WaitGroup
	got := make([]string, calls)
	errs := make([]error, calls)
	do := func(i int) {
		defer wg.Done()
		got[i], errs[i] = b.do(context.Background(), strconv.Itoa(i))
	}
	wg.Add(1)
	go do(0)
	require.Eventually(t, func() bool { mu.Lock(); defer mu.Unlock(); return len(sizes) == 1 }, 5*time.Second, time.Millisecond)
	for i := 1; i < calls; i++ {
		wg.Add(1)
		go do(i)
	}
	require.Eventually(t, func() bool { b.mu.Lock(); defer b.mu.Unlock(); return len(b.queue) == calls-1 }, 5*time.Second, time.Millisecond)
	close(release)
	wg.Wait()
	for i := range got {
		require.NoError(t, errs[i])
		assert.Equal(t, "r"+strconv.Itoa(i), got[i], "call %d gets its own reply", i)
	}
	assert.Equal(t, []int{1, 8, 8, 4}, sizes, "the 20 calls queued during the first round trip go in batches of at most 8")
	b.mu.Lock()
	defer b.mu.Unlock()
	assert.Zero(t, b.running, "the drain ended with the queue")
}

// TestBatcherSkipsCallsWhoseContextEnded: a call that gave up before its batch was sent is never
// sent (it is not accounted after its caller was told it failed); one that gave up later gets its
// context's error at once.
func TestBatcherSkipsCallsWhoseContextEnded(t *testing.T) {
	release := make(chan struct{})
	var mu sync.Mutex
	var sent []string
	b := &batcher[string, string]{max: 8, senders: 1, send: func(_ context.Context, in []string) ([]string, error) {
		mu.Lock()
		sent = append(sent, in...)
		n := len(sent)
		mu.Unlock()
		if n == 1 {
			<-release
		}
		return in, nil
	}}
	first := make(chan error, 1)
	go func() { _, err := b.do(context.Background(), "first"); first <- err }()
	require.Eventually(t, func() bool { mu.Lock(); defer mu.Unlock(); return len(sent) == 1 }, 5*time.Second, time.Millisecond)

	ctx, cancel := context.WithCancel(context.Background())
	gaveUp := make(chan error, 1)
	go func() { _, err := b.do(ctx, "gave-up"); gaveUp <- err }()
	kept := make(chan error, 1)
	go func() { _, err := b.do(context.Background(), "kept"); kept <- err }()
	require.Eventually(t, func() bool { b.mu.Lock(); defer b.mu.Unlock(); return len(b.queue) == 2 }, 5*time.Second, time.Millisecond)
	cancel()
	require.ErrorIs(t, <-gaveUp, context.Canceled, "the caller is answered at once")
	close(release)
	require.NoError(t, <-first)
	require.NoError(t, <-kept)
	mu.Lock()
	defer mu.Unlock()
	assert.Equal(t, []string{"first", "kept"}, sent, "the call that gave up was never sent")
}

// TestBatcherErrorReachesEveryCallOfItsBatch: a failed round trip fails each of its calls, and a
// reply of the wrong length is an error rather than a wrong answer.
func TestBatcherErrorReachesEveryCallOfItsBatch(t *testing.T) {
	boom := errors.New("boom")
	b := &batcher[string, string]{max: 4, send: func(context.Context, []string) ([]string, error) { return nil, boom }}
	_, err := b.do(context.Background(), "x")
	require.ErrorIs(t, err, boom)

	short := &batcher[string, string]{max: 4, send: func(context.Context, []string) ([]string, error) { return nil, nil }}
	_, err = short.do(context.Background(), "x")
	require.ErrorContains(t, err, "0 replies to 1 calls")
}
