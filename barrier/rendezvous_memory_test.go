package barrier

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestMemoryResetBetweenArriveAndAwait: in-process, a reset that comes after an arrival was counted
// but before it waits ends it as reset, although the new state's phase has the same number (0):
// it does not wait on the new state until its deadline.
func TestMemoryResetBetweenArriveAndAwait(t *testing.T) {
	m := newMemoryPhases(2)
	rule, err := ArriveOptions{Timeout: time.Minute}.resolve(Options{Parties: 2, Name: DefaultName})
	require.NoError(t, err)
	a, err := m.arrive(testCtx(t), "1", rule)
	require.NoError(t, err)
	require.NoError(t, m.reset(testCtx(t)))
	ctx, cancel := context.WithTimeout(testCtx(t), 10*time.Second)
	defer cancel()
	_, err = m.await(ctx, a)
	assert.ErrorIs(t, err, errPhaseReset)
}
