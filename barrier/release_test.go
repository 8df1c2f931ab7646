package barrier

import (
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestDecidedReleaseSurvivesReset: two waiters, joins 1..parties, then reset() at once, round after
// round. The last join decided the release: both waiters must settle met every round, never one met
// and one timed out.
func TestDecidedReleaseSurvivesReset(t *testing.T) {
	for _, be := range backends() {
		t.Run(be.name, func(t *testing.T) {
			const parties, rounds = 4, 20
			b := be.new(t, Options{Parties: parties})
			for round := 1; round <= rounds; round++ {
				results := make(chan Result, 2)
				for range 2 {
					go func() {
						r, _ := b.Wait(testCtx(t), WaitOptions{Timeout: 5 * time.Second})
						results <- r
					}()
				}
				require.Eventually(t, func() bool { return waiters(t, b) == 2 }, 30*time.Second, time.Millisecond,
					"round %d: the waiters never started watching", round)
				for id := 1; id <= parties; id++ {
					_, err := b.Join(testCtx(t), strconv.Itoa(id))
					require.NoError(t, err)
				}
				require.NoError(t, b.Reset(testCtx(t)))
				for range 2 {
					r := <-results
					require.Equal(t, OutcomeMet, r.Outcome, "round %d: %s", round, r)
					assert.Equal(t, parties, r.Joined, "round %d: the counts of the release", round)
				}
				require.Eventually(t, func() bool { return waiters(t, b) == 0 }, 30*time.Second, time.Millisecond)
			}
		})
	}
}

// waiters is how many waits watch b now.
func waiters(t *testing.T, b *Barrier) int {
	t.Helper()
	switch be := b.be.(type) {
	case *memoryBackend:
		be.state.mu.Lock()
		defer be.state.mu.Unlock()
		return len(be.state.watchers)
	case *redisBackend: // the waits registered with the process's session (one subscription for all)
		s := sessionFor(be, be.parties)
		s.mu.Lock()
		defer s.mu.Unlock()
		return len(s.waits)
	default:
		t.Fatalf("unknown backend %T", b.be)
		return 0
	}
}
