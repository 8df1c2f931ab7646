package barrier

import "strings"

// keyLayout names one barrier's Redis keys. For name "default" the scope is
// "{<runId>}", else "{<runId>}:<name>"; "{...}" is a Redis Cluster hash tag,
// so all keys of a barrier live on one slot. With the default prefix
// K6_BARRIER and run id run1:
//
//	K6_BARRIER_JOINED:{run1}        SET of joined ids (the fix plan's key)
//	K6_BARRIER_FAILED:{run1}        HASH failed id -> reason (exactly-once)
//	K6_BARRIER_FAILURES:{run1}      HASH reason -> count (read in one step)
//	K6_BARRIER_<REASON>_FAIL:{run1} string counter per reason, e.g.
//	                                K6_BARRIER_LOGIN_FAIL:{run1} (the plan's keys)
//	K6_BARRIER_META:{run1}          HASH of the barrier's parameters, written
//	                                by its first counting write: parties
//	                                (all instances must agree), created
//	                                (ms since the epoch, Redis TIME) and epoch
//	                                (a token naming this state)
//	K6_BARRIER_RESET:{run1}         STRING the epoch the last reset deleted, for a
//	                                minute (a tombstone: a wait tells a reset
//	                                from a loss by it)
//	K6_BARRIER_RELEASE:{run1}       pub/sub channel; every counting write
//	                                publishes "<joined> <failed>", reset() "reset"
//	K6_BARRIER_REPLIES:{run1}       HASH call token -> reply of a writing script, and
//	K6_BARRIER_REPLIES_AT:{run1}    ZSET of those tokens by time: each reply is kept two
//	                                minutes, so a retried write replays it (see onceScript)
//
// No per-reason counter can collide with the other keys: only counters end
// in "_FAIL:".
type keyLayout struct {
	prefix   string
	scope    string
	joined   string
	failed   string
	failures string
	meta     string
	channel  string
	// tombstone names the epoch of the state the last reset deleted.
	tombstone string
	// replies and repliesAt keep the writing scripts' replies by call token (see onceScript).
	replies, repliesAt string
}

func newKeyLayout(o Options) keyLayout {
	scope := "{" + o.RunID + "}"
	if o.Name != DefaultName {
		scope += ":" + o.Name
	}
	p := o.KeyPrefix
	return keyLayout{
		prefix:    p,
		scope:     scope,
		joined:    p + "_JOINED:" + scope,
		failed:    p + "_FAILED:" + scope,
		failures:  p + "_FAILURES:" + scope,
		meta:      p + "_META:" + scope,
		channel:   p + "_RELEASE:" + scope,
		tombstone: p + "_RESET:" + scope,
		replies:   p + "_REPLIES:" + scope,
		repliesAt: p + "_REPLIES_AT:" + scope,
	}
}

// reasonCounter is the string counter key of one failure reason.
func (k keyLayout) reasonCounter(reason string) string {
	return k.prefix + "_" + strings.ToUpper(reason) + "_FAIL:" + k.scope
}
