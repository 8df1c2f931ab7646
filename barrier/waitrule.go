package barrier

import (
	"context"
	"fmt"
	"strconv"
)

// Meta fields of a wait's rule (wait_rule.lua): the quorum and maxFailures of the latest wait().
const (
	MetaQuorum      = "quorum"
	MetaMaxFailures = "maxFailures"
)

//nolint:gochecknoglobals // an embedded Redis script, loaded once
var waitRuleScript = newScript("wait_rule.lua")

// RecordWaitRule records the rule of a wait with options o (its quorum, parties when 0, and
// maxFailures) in the barrier's meta, so that the Inspector, and `k6 x barrier status`, `list` and
// `watch` with it, judge the barrier as the wait does. Call it when a wait starts; on the
// in-process backend, which no Inspector reads, it does nothing. The script writes the same fields
// whenever it runs, so a retry after a lost reply changes nothing.
func (b *Barrier) RecordWaitRule(ctx context.Context, o WaitOptions) error {
	r, ok := b.be.(*redisBackend)
	if !ok {
		return nil
	}
	quorum := o.Quorum
	if quorum <= 0 {
		quorum = b.opts.Parties
	}
	err := waitRuleScript.Run(ctx, r.client, []string{r.keys.meta}, r.ttlMs, quorum, o.MaxFailures).Err()
	if err != nil {
		return fmt.Errorf("barrier %s: recording the wait's rule: %w", b.opts.Name, r.wrap(ctx, err, ""))
	}
	return nil
}

// waitRule reads a wait's rule from a meta hash: ok is false when it records none (or garbage).
func waitRule(meta map[string]string) (quorum, maxFailures int, ok bool) {
	q, errQ := strconv.Atoi(meta[MetaQuorum])
	m, errM := strconv.Atoi(meta[MetaMaxFailures])
	if errQ != nil || errM != nil || q < 1 || m < 0 {
		return 0, 0, false
	}
	return q, m, true
}
