package barrier

// The Lua scripts of the rendezvous, one file each under lua/ (see lua/phase_lib.lua for the keys
// and the PHASE hash they share), and the builders of their ARGV: the head every writing script
// reads (phaseArgs), then each script's own arguments, by name.
//
//nolint:gochecknoglobals // embedded Redis scripts, loaded once (their SHAs computed once)
var (
	phaseArriveScript = newOnceScript("phase_arrive.lua", withKeyTypes, withPhaseLib)
	phaseExpireScript = newOnceScript("phase_expire.lua", withKeyTypes, withPhaseLib)
	phaseLeaveScript  = newOnceScript("phase_leave.lua", withKeyTypes, withPhaseLib)
	phaseFailScript   = newOnceScript("phase_fail.lua", withKeyTypes, withPhaseLib)
	phaseLeaseScript  = newOnceScript("phase_lease.lua", withKeyTypes, withPhaseLib)
	phaseReadScript   = newScript("phase_read.lua")
)

// withPhaseLib prepends lua/phase_lib.lua (the rendezvous's keys, ARGV head and functions).
const withPhaseLib = "phase_lib.lua"

// phaseArgs is the ARGV head of the rendezvous scripts that write (lua/phase_lib.lua reads it).
type phaseArgs struct {
	Parties    int    // the parties, before those that left
	TTLms      int64  // expiry of every key written, ms
	Channel    string // where a settled phase's record is published
	Chunk      int    // how many ids a missing scan checks (missingChunk)
	MaxMissing int    // ids a record lists at most (MaxMissing)
	LogKeep    int    // records the phase log keeps (phaseLogSize)
}

// argv returns the head followed by a script's own arguments.
func (a phaseArgs) argv(own ...any) []any {
	return append([]any{a.Parties, a.TTLms, a.Channel, a.Chunk, a.MaxMissing, a.LogKeep}, own...)
}

// phaseArriveArgs are lua/phase_arrive.lua's own arguments: the rule and epochs every arrival of
// the call shares, then each arrival's id and deadline.
type phaseArriveArgs struct {
	Quorum     int    // 0: all
	Pct100     int    // hundredths of a percent; 0: unused
	TimeoutUs  int64  // the phase's hard stop, from its first arrival
	OnTimeout  string // "reject" or "release"
	KnownEpoch string // the state this process took part in; "" for none
	NewEpoch   string // the epoch of a state this call creates
	Rule       string // the rule with parties (phaseRule.fixed): the state's first arrival fixes it
	Instance   string // the arriving process's instance (its session's)
	LeaseMs    int64  // how long the instance's lease lasts unless renewed
	Arrivals   []arriveReq
}

func (a phaseArriveArgs) argv() []any {
	out := make([]any, 0, 9+2*len(a.Arrivals))
	out = append(out, a.Quorum, a.Pct100, a.TimeoutUs, a.OnTimeout, a.KnownEpoch, a.NewEpoch, a.Rule,
		a.Instance, a.LeaseMs)
	for _, r := range a.Arrivals {
		out = append(out, r.id, r.deadlineUs)
	}
	return out
}

// phaseExpireArgs are lua/phase_expire.lua's own arguments.
type phaseExpireArgs struct {
	Phase int64
	Epoch string
}

func (a phaseExpireArgs) argv() []any { return []any{a.Phase, a.Epoch} }

// resetMessage is what a reset publishes on a barrier's channels (lua/reset.lua): every waiter of
// the barrier's wait or phases then ends as reset. On the rendezvous channel the epoch of the state
// deleted follows, after a space, when the reset knew it.
const resetMessage = "reset"

// resetArgs is lua/reset.lua's ARGV.
type resetArgs struct {
	Channel      string   // the one-shot channel; "" to publish nothing there
	PhaseChannel string   // the rendezvous channel; "" to publish nothing there
	FailuresAt   int      // position (from 1) in KEYS of the failures hash to check; 0: none
	PhaseAt      int      // position (from 1) in KEYS of the PHASE hash; 0: none
	TombstoneAt  int      // position (from 1) in KEYS of the rendezvous's tombstone; 0: none
	TombstoneMs  int64    // how long the tombstone lives
	Counted      int      // how many KEYS, from the first, the reply counts
	MetaAt       int      // position (from 1) in KEYS of the one-shot META hash; 0: none
	MetaTombAt   int      // position (from 1) in KEYS of the one-shot tombstone; 0: none
	Reasons      []string // the reasons whose counters are among KEYS
}

func (a resetArgs) argv() []any {
	out := append(make([]any, 0, 10+len(a.Reasons)), resetMessage, a.Channel, a.PhaseChannel, a.FailuresAt, a.PhaseAt,
		a.TombstoneAt, a.TombstoneMs, a.Counted, a.MetaAt, a.MetaTombAt)
	for _, r := range a.Reasons {
		out = append(out, r)
	}
	return out
}
