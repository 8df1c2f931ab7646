package barrier

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"sync"

	"github.com/redis/go-redis/v9"
)

// scanCount is the COUNT hint of each SCAN step.
const scanCount = 1000

var counterKind = regexp.MustCompile(`^[A-Z][A-Z0-9_]{0,31}_FAIL$`)

// keyKind is what a key is in the barrier key layout.
type keyKind int

const (
	kindNone    keyKind = iota
	kindMain            // JOINED, FAILED, FAILURES or META: the barrier exists while one does
	kindCounter         // <REASON>_FAIL
	kindPhase           // PHASE, PHASE_SEEN, PHASE_LEFT or PHASE_LOG: the rendezvous's; the barrier exists while one does
)

// isPhaseKind tells whether kind is one of the kinds of the rendezvous's keys (see phaseKeys). None
// ends in _FAIL, so none can be a reason's counter.
func isPhaseKind(kind string) bool {
	switch kind {
	case "PHASE", "PHASE_SEEN", "PHASE_LEFT", "PHASE_LOG", "PHASE_OWNER", "PHASE_INSTANCES":
		return true
	}
	return false
}

// parseKey tells whether key belongs to the barrier key layout under prefix, and to which barrier.
func parseKey(prefix, key string) (Ref, keyKind) {
	rest, ok := strings.CutPrefix(key, prefix+"_")
	if !ok {
		return Ref{}, kindNone
	}
	kind, scoped, ok := strings.Cut(rest, ":{")
	if !ok {
		return Ref{}, kindNone
	}
	run, tail, ok := strings.Cut(scoped, "}")
	if !ok || run == "" || ValidateRunID(run) != nil {
		return Ref{}, kindNone
	}
	ref := Ref{RunID: run, Name: DefaultName}
	if tail != "" {
		name, ok := strings.CutPrefix(tail, ":")
		if !ok || name == DefaultName || !namePattern.MatchString(name) {
			return Ref{}, kindNone
		}
		ref.Name = name
	}
	switch {
	case kind == "JOINED" || kind == "FAILED" || kind == "FAILURES" || kind == "META":
		return ref, kindMain
	case isPhaseKind(kind):
		return ref, kindPhase
	case counterKind.MatchString(kind):
		return ref, kindCounter
	}
	return Ref{}, kindNone
}

// globEscape escapes the SCAN pattern characters of s, so that it matches itself only.
func globEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		if strings.ContainsRune(`*?[]\^`, r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// scan returns the keys matching pattern on every master (one server, or each master of a cluster),
// with SCAN, never KEYS.
func (in *Inspector) scan(ctx context.Context, pattern string) ([]string, error) {
	seen := map[string]bool{}
	var mu sync.Mutex
	unscanned, err := in.forEachMaster(ctx, func(ctx context.Context, _ *redis.Client, keys []string) error {
		mu.Lock()
		defer mu.Unlock()
		for _, k := range keys {
			seen[k] = true
		}
		return nil
	}, pattern, nil)
	if err == nil && len(unscanned) > 0 {
		err = unscanned[0].err
	}
	if err != nil {
		return nil, in.wrap(ctx, err)
	}
	keys := make([]string, 0, len(seen))
	for k := range seen {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys, nil
}

// nodeError is a master that could not be scanned.
type nodeError struct {
	addr string
	err  error
}

// forEachMaster SCANs pattern on every master (one server, or each master of a cluster, at once)
// and hands each page of keys to page with the master's client. A master that fails is reported
// in unscanned and the others go on; err is for a failure to find the masters at all. scanned,
// when not nil, counts the keys scanned (for the messages of a listing that ran out of time).
func (in *Inspector) forEachMaster(
	ctx context.Context, page func(context.Context, *redis.Client, []string) error, pattern string,
	progress *listProgress,
) (unscanned []nodeError, err error) {
	var mu sync.Mutex
	one := func(ctx context.Context, c *redis.Client) error {
		addr := c.Options().Addr
		if _, cluster := in.client.(*redis.ClusterClient); !cluster {
			addr = in.addr // behind Sentinel, the client's own Addr is a placeholder
		}
		progress.start(addr)
		var cursor uint64
		for {
			keys, next, err := c.Scan(ctx, cursor, pattern, scanCount).Result()
			if err == nil && len(keys) > 0 {
				progress.scanned(len(keys))
				err = page(ctx, c, keys)
			}
			if err != nil {
				mu.Lock()
				unscanned = append(unscanned, nodeError{addr: addr, err: fmt.Errorf("SCAN on %s: %w", addr, err)})
				mu.Unlock()
				return nil
			}
			if cursor = next; cursor == 0 {
				progress.finish(addr)
				return nil
			}
		}
	}
	switch c := in.client.(type) {
	case *redis.ClusterClient:
		err = c.ForEachMaster(ctx, one)
	case *redis.Client:
		err = one(ctx, c)
	default:
		err = fmt.Errorf("cannot SCAN with a %T", in.client)
	}
	sort.Slice(unscanned, func(i, j int) bool { return unscanned[i].addr < unscanned[j].addr })
	return unscanned, err
}

// listProgress is how far a listing got, for the message of one that ran out of time.
type listProgress struct {
	mu      sync.Mutex
	keys    int
	read    int
	pending map[string]bool // masters whose SCAN has not finished
}

func (p *listProgress) start(addr string) {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.pending[addr] = true
}

func (p *listProgress) finish(addr string) {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.pending, addr)
}

func (p *listProgress) scanned(n int) {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.keys += n
}

func (p *listProgress) readN(n int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.read += n
}

// String says how far it got.
func (p *listProgress) String() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	pending := make([]string, 0, len(p.pending))
	for a := range p.pending {
		pending = append(pending, a)
	}
	sort.Strings(pending)
	s := fmt.Sprintf("%d keys scanned, %d barriers read", p.keys, p.read)
	if len(pending) > 0 {
		s += "; the SCAN of " + strings.Join(pending, ", ") + " had not finished"
	}
	return s
}

// checkRunPattern refuses a run-id pattern that cannot match a run id.
func checkRunPattern(p string) error {
	if strings.ContainsAny(p, "{}") {
		return fmt.Errorf("run id pattern %q is invalid: a run id has no '{' or '}'", p)
	}
	return nil
}

// barriersIn groups keys into barriers: those with at least one main or phase key, sorted by run id
// and name.
func (in *Inspector) barriersIn(keys []string) (refs []Ref, keysOf map[Ref][]string) {
	keysOf = map[Ref][]string{}
	hasMain := map[Ref]bool{}
	for _, key := range keys {
		ref, kind := parseKey(in.prefix, key)
		if kind == kindNone {
			continue
		}
		keysOf[ref] = append(keysOf[ref], key)
		if (kind == kindMain || kind == kindPhase) && !hasMain[ref] {
			hasMain[ref] = true
			refs = append(refs, ref)
		}
	}
	sort.Slice(refs, func(i, j int) bool {
		if refs[i].RunID != refs[j].RunID {
			return refs[i].RunID < refs[j].RunID
		}
		return refs[i].Name < refs[j].Name
	})
	return refs, keysOf
}

// Listing is what List found.
type Listing struct {
	// Barriers are the barriers found, sorted by run id and name; one that could not be read (a key
	// of another type under its name, a master that failed meanwhile) has Error set and only its
	// Ref.
	Barriers []Snapshot
	// Unscanned names the masters that could not be scanned, with why: the barriers they hold are
	// not listed.
	Unscanned []string
}

// List returns the barriers under the Inspector's key prefix whose run id matches runPattern (a
// Redis glob: '*' any, '?' one character, '[...]' a class; "" means every run), each read as
// Inspect does without the missing ids. It SCANs every master at once, never uses KEYS, and reads
// the barriers of each SCAN page in one pipelined round trip (one script call each). A barrier
// that cannot be read is listed with its error; a master that cannot be scanned is named in
// Unscanned while the others are listed. opts.Timeout bounds it all (0: ListTimeout).
func (in *Inspector) List(ctx context.Context, runPattern string, opts InspectOptions) (Listing, error) {
	if runPattern == "" {
		runPattern = "*"
	}
	if err := checkRunPattern(runPattern); err != nil {
		return Listing{}, err
	}
	opts.Missing = false
	timeout := opts.Timeout
	if timeout <= 0 {
		timeout = ListTimeout
	}
	progress := &listProgress{pending: map[string]bool{}}
	cctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	out, err := func(ctx context.Context) (Listing, error) {
		var mu sync.Mutex
		var out Listing
		seen := map[Ref]bool{}
		unscanned, err := in.forEachMaster(ctx, func(ctx context.Context, c *redis.Client, keys []string) error {
			var refs []Ref
			mu.Lock()
			for _, key := range keys {
				if ref, kind := parseKey(in.prefix, key); (kind == kindMain || kind == kindPhase) && !seen[ref] {
					seen[ref] = true
					refs = append(refs, ref)
				}
			}
			mu.Unlock()
			snaps, err := in.readMany(ctx, c, refs, opts)
			if err != nil {
				return err
			}
			progress.readN(len(refs))
			mu.Lock()
			out.Barriers = append(out.Barriers, snaps...)
			mu.Unlock()
			return nil
		}, in.prefix+"_*:{"+runPattern+"}*", progress)
		if err != nil {
			return out, in.wrap(ctx, err)
		}
		if expired(ctx) { // the masters' errors are the timeout's
			return out, context.DeadlineExceeded
		}
		for _, u := range unscanned {
			out.Unscanned = append(out.Unscanned, u.err.Error())
		}
		return out, nil
	}(withoutRetry(cctx))
	if err != nil {
		if ctx.Err() == nil && expired(cctx) {
			return Listing{}, fmt.Errorf(
				"list: timed out after %s in redis %s: %s (a Redis this large or this slow needs a longer timeout)",
				timeout, in.addr, progress)
		}
		return Listing{}, err
	}
	sort.Slice(out.Barriers, func(i, j int) bool {
		a, b := out.Barriers[i], out.Barriers[j]
		if a.RunID != b.RunID {
			return a.RunID < b.RunID
		}
		return a.Name < b.Name
	})
	return out, nil
}

// readMany reads refs on c (the master that holds their keys) in one pipelined round trip, and
// once more with the script's source for a master that did not have it yet. A barrier that
// cannot be read gets its error in Error; a barrier that vanished since the scan is left out.
func (in *Inspector) readMany(
	ctx context.Context, c *redis.Client, refs []Ref, opts InspectOptions,
) ([]Snapshot, error) {
	if len(refs) == 0 {
		return nil, nil
	}
	type one struct {
		o   Options
		cmd inspectCmd
	}
	var all []one
	for _, ref := range refs {
		o, err := in.options(ref)
		if err != nil {
			continue // not a barrier this version could have written
		}
		all = append(all, one{o: o, cmd: newInspectCmd(ctx, o)})
	}
	run := func(list []*one) error {
		_, err := c.Pipelined(ctx, func(p redis.Pipeliner) error {
			for _, x := range list {
				_ = p.Process(ctx, x.cmd)
			}
			return nil
		})
		if err != nil && !isScriptReplyErr(err) {
			for _, x := range list {
				if e := x.cmd.Err(); e != nil && !isScriptReplyErr(e) {
					return e // the connection failed: the master is unreachable
				}
			}
		}
		return nil
	}
	list := make([]*one, len(all))
	for i := range all {
		list[i] = &all[i]
	}
	if err := run(list); err != nil {
		return nil, err
	}
	var again []*one
	for _, x := range list {
		if isNoScript(x.cmd.Err()) {
			x.cmd = x.cmd.eval(ctx)
			again = append(again, x)
		}
	}
	if err := run(again); err != nil {
		return nil, err
	}
	out := make([]Snapshot, 0, len(all))
	for _, x := range all {
		s := Snapshot{Ref: Ref{RunID: x.o.RunID, Name: x.o.Name}, MissingCount: -1}
		if err := in.fromReply(ctx, x.o, opts, x.cmd, &s); err != nil {
			out = append(out, Snapshot{Ref: s.Ref, MissingCount: -1, Found: true, Error: err.Error()})
			continue
		}
		if s.Found { // it may have expired or been reset since the scan
			out = append(out, s)
		}
	}
	return out, nil
}

// isScriptReplyErr reports whether err is an error reply of Redis (a key of another type, a
// missing script), not a connection failure.
func isScriptReplyErr(err error) bool {
	var rerr redis.Error
	return errors.As(err, &rerr)
}

// ResetPlan is what Reset will delete: the keys of each barrier.
type ResetPlan struct {
	Barriers []Ref
	Keys     map[Ref][]string
}

// KeyCount is how many keys the plan deletes.
func (p ResetPlan) KeyCount() int {
	n := 0
	for _, keys := range p.Keys {
		n += len(keys)
	}
	return n
}

// PlanReset finds the keys of one barrier (ref's name set) or of every barrier of ref's run id (all
// true: the name is ignored): the keys of the barrier key layout under the Inspector's prefix that
// exist now, found with SCAN on every master; a reason's counter only when the barrier's hashes
// name the reason.
func (in *Inspector) PlanReset(ctx context.Context, ref Ref, all bool) (ResetPlan, error) {
	o, err := in.options(ref)
	if err != nil {
		return ResetPlan{}, err
	}
	plan, err := inspectorCall(ctx, in, ListTimeout, func(ctx context.Context) (ResetPlan, error) {
		plan := ResetPlan{Keys: map[Ref][]string{}}
		run := globEscape(o.RunID)
		pattern := in.prefix + "_*:{" + run + "}"
		if all {
			pattern += "*"
		} else if o.Name != DefaultName {
			pattern += ":" + globEscape(o.Name)
		}
		keys, err := in.scan(ctx, pattern)
		if err != nil {
			return plan, err
		}
		refs, keysOf := in.barriersIn(keys)
		for _, r := range refs {
			if r.RunID != o.RunID || (!all && r.Name != o.Name) {
				continue
			}
			ro, err := in.options(r)
			if err != nil {
				continue
			}
			ks, err := in.keysToReset(ctx, ro, keysOf[r])
			if err != nil {
				return plan, err
			}
			plan.Barriers = append(plan.Barriers, r)
			plan.Keys[r] = ks
		}
		return plan, nil
	})
	if err != nil {
		return ResetPlan{}, fmt.Errorf("barrier %s: %w", Ref{RunID: o.RunID, Name: o.Name}, err)
	}
	return plan, nil
}

// keysToReset returns those of found (keys of the barrier of o's layout) that are the barrier's: its
// main and phase keys, and a reason's counter only when the barrier's hashes name the reason: the
// same key could be another prefix's (K6_BARRIER_X_LOGIN_FAIL is reason x_login of K6_BARRIER and
// reason login of K6_BARRIER_X).
func (in *Inspector) keysToReset(ctx context.Context, o Options, found []string) ([]string, error) {
	reasons, err := in.backend(o).reasons(ctx)
	if err != nil {
		return nil, err
	}
	layout := newKeyLayout(o)
	counters := map[string]bool{}
	for _, reason := range reasons {
		counters[layout.reasonCounter(reason)] = true
	}
	var ks []string
	for _, k := range found {
		if _, kind := parseKey(in.prefix, k); kind == kindMain || kind == kindPhase || counters[k] {
			ks = append(ks, k)
		}
	}
	return ks, nil
}

// reasons lists the valid failure reasons the barrier's hashes name.
func (r *redisBackend) reasons(ctx context.Context) ([]string, error) {
	found, err := reasonsScript.Run(ctx, r.client, []string{r.keys.failed, r.keys.failures}).StringSlice()
	if err != nil {
		return nil, r.wrap(ctx, err, "")
	}
	var out []string
	for _, reason := range found {
		if ValidateReason(reason) == nil {
			out = append(out, reason)
		}
	}
	return out, nil
}

// Reset deletes the keys of plan, each barrier's in one atomic step that also wakes its waiters
// (those of wait and those of arrive, which then reject as after Barrier.Reset: both take the same
// path, resetKeys), and returns how many keys it deleted. Keys written after the plan was made are
// not deleted, except the counters of failure reasons and the rendezvous's PHASE hash.
func (in *Inspector) Reset(ctx context.Context, plan ResetPlan) (int, error) {
	deleted := 0
	for _, ref := range plan.Barriers {
		keys := plan.Keys[ref]
		if len(keys) == 0 {
			continue
		}
		o, err := in.options(ref)
		if err != nil {
			return deleted, err
		}
		for _, k := range keys {
			if r, kind := parseKey(in.prefix, k); kind == kindNone || r != ref {
				return deleted, errors.New(
					"barrier " + ref.String() + ": key " + k + " is not one of its keys: refusing to delete it")
			}
		}
		n, err := inspectorCall(ctx, in, CallTimeout, func(ctx context.Context) (int, error) {
			n, _, err := resetKeys(ctx, in.client, newKeyLayout(o), keys)
			return n, err
		})
		deleted += n
		if err != nil {
			return deleted, fmt.Errorf("barrier %s: reset: %w", ref, in.wrap(ctx, err))
		}
	}
	return deleted, nil
}
