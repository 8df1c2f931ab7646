package barrier

import (
	"context"
	"fmt"
	"math/big"
	"sort"
	"strings"
)

// metaEndedPrefix starts the meta fields that record the end of one k6 instance's test:
// "ended:<segment>" (run_end.lua).
const metaEndedPrefix = "ended:"

//nolint:gochecknoglobals // an embedded Redis script, loaded once
var runEndScript = newScript("run_end.lua")

// RecordRunEnd records in the barrier's meta that the test of the k6 instance running execution
// segment segment ("0:1" for the whole test, else as k6 writes it: "0:1/2", "1/2:1") ended. When
// the ended segments cover the whole test, the Inspector says the run ended (Snapshot.RunEnded),
// and `k6 x barrier watch` of a rendezvous stops there. On the in-process backend, which no
// Inspector reads, it does nothing. A retry after a lost reply writes the same field again (a later
// time), which changes nothing the Inspector reads.
func (b *Barrier) RecordRunEnd(ctx context.Context, segment string) error {
	r, ok := b.be.(*redisBackend)
	if !ok {
		return nil
	}
	if _, _, ok := parseSegment(segment); !ok {
		return fmt.Errorf("barrier %s: recording the run's end: segment %q is not from:to", b.opts.Name, segment)
	}
	if err := runEndScript.Run(ctx, r.client, []string{r.keys.meta}, r.ttlMs, segment).Err(); err != nil {
		return fmt.Errorf("barrier %s: recording the run's end: %w", b.opts.Name, r.wrap(ctx, err, ""))
	}
	return nil
}

// parseSegment reads "from:to", each a fraction or decimal, 0 <= from < to <= 1.
func parseSegment(s string) (from, to *big.Rat, ok bool) {
	f, t, found := strings.Cut(s, ":")
	if !found {
		return nil, nil, false
	}
	from, okF := new(big.Rat).SetString(f)
	to, okT := new(big.Rat).SetString(t)
	if !okF || !okT || from.Sign() < 0 || from.Cmp(to) >= 0 || to.Cmp(big.NewRat(1, 1)) > 0 {
		return nil, nil, false
	}
	return from, to, true
}

// runEnded says whether the ended segments that meta records cover the whole test, 0..1.
func runEnded(meta map[string]string) bool {
	type seg struct{ from, to *big.Rat }
	var segs []seg
	for k := range meta {
		if s, ok := strings.CutPrefix(k, metaEndedPrefix); ok {
			if from, to, ok := parseSegment(s); ok {
				segs = append(segs, seg{from, to})
			}
		}
	}
	sort.Slice(segs, func(i, j int) bool { return segs[i].from.Cmp(segs[j].from) < 0 })
	covered := new(big.Rat)
	for _, s := range segs {
		if s.from.Cmp(covered) > 0 {
			return false // a gap: an instance still runs
		}
		if s.to.Cmp(covered) > 0 {
			covered = s.to
		}
	}
	return covered.Cmp(big.NewRat(1, 1)) == 0
}
