package barrier

import (
	"context"
	"fmt"

	"github.com/redis/go-redis/v9"
)

// resetKeys deletes the keys of one barrier of layout in Redis with reset.lua, the one path of
// every reset: Barrier.Reset gives every key of the barrier, `k6 x barrier reset` (Inspector.Reset)
// those its plan found. The script also deletes the counters of the failure reasons the barrier's
// hashes name (a failure that races the reset adds its reason, and the script runs again), the
// writes' replies (no retry may replay a write of the deleted state), and leaves the tombstones
// naming the epochs it deleted (the rendezvous's, and the one-shot state's that wait() checks); it
// tells the waiters of wait() and of arrive() on both
// channels, so that every process sees a reset, from a script or the command line, the same way.
// It returns how many of keys and counters it deleted, and the epoch of the rendezvous state it
// deleted ("" for none).
func resetKeys(ctx context.Context, client redis.Scripter, layout keyLayout, keys []string) (
	deleted int, epoch string, err error,
) {
	reasons, err := reasonsScript.Run(ctx, client, []string{layout.failed, layout.failures}).StringSlice()
	if err != nil {
		return 0, "", err
	}
	valid := reasons[:0]
	for _, reason := range reasons {
		if ValidateReason(reason) == nil { // only names a barrier writes
			valid = append(valid, reason)
		}
	}
	reasons = valid
	phase := newPhaseKeys(layout)
	for attempt := 0; attempt < 10; attempt++ {
		counted := []string{layout.failures} // KEYS[1]: checked against reasons
		seen := map[string]bool{layout.failures: true}
		add := func(ks ...string) {
			for _, k := range ks {
				if !seen[k] {
					seen[k] = true
					counted = append(counted, k)
				}
			}
		}
		add(phase.hash, layout.meta)
		add(keys...)
		for _, reason := range reasons {
			add(layout.reasonCounter(reason))
		}
		all := make([]string, 0, len(counted)+4)
		all = append(append(all, counted...), layout.replies, layout.repliesAt, phase.tombstone, layout.tombstone)
		args := resetArgs{Channel: layout.channel, PhaseChannel: phase.channel, FailuresAt: 1, PhaseAt: 2,
			TombstoneAt: len(all) - 1, TombstoneMs: tombstoneTTL.Milliseconds(), Counted: len(counted),
			MetaAt: 3, MetaTombAt: len(all), Reasons: reasons}
		res, err := resetScript.Run(ctx, client, all, args.argv()...).Slice()
		if err != nil {
			return 0, "", err
		}
		if len(res) != 3 {
			return 0, "", fmt.Errorf("unexpected reply %v from the reset script", res)
		}
		if raced, _ := res[0].(string); raced != "" {
			reasons = append(reasons, raced)
			continue
		}
		n, _ := res[1].(int64)
		epoch, _ := res[2].(string)
		return int(n), epoch, nil
	}
	return 0, "", fmt.Errorf("reset kept racing with new failure reasons; retry")
}
