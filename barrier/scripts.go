package barrier

import (
	"context"
	"crypto/rand"
	"embed"
	"encoding/hex"

	"github.com/redis/go-redis/v9"
)

// The Lua scripts of the one-shot barrier, one file each under lua/: every write to a barrier is
// one of them, atomic in one round trip. Each file's header says its KEYS, ARGV and reply; the
// args types below build ARGV by name, in that order.
//
//nolint:gochecknoglobals // embedded Redis scripts, loaded once (their SHAs computed once)
var (
	//go:embed lua/*.lua
	luaFiles embed.FS

	joinScript    = newOnceScript("join.lua", withKeyTypes)
	failScript    = newOnceScript("fail.lua", withKeyTypes)
	countsScript  = newScript("counts.lua", withKeyTypes)
	missingScript = newScript("missing.lua")
	reasonsScript = newScript("reasons.lua")
	resetScript   = newScript("reset.lua") // not a onceScript: it deletes the replies too
)

// withKeyTypes prepends lua/keytypes.lua (check_types) to a script that checks its keys' types
// before it writes: Redis has no include.
const withKeyTypes = "keytypes.lua"

// newScript loads lua/<name>, after the preludes named (lua/<prelude> each).
func newScript(name string, preludes ...string) *redis.Script {
	return redis.NewScript(luaSource(append(preludes, name)...))
}

// onceScript is a script that writes, made idempotent by a per-call token (lua/once_head.lua and
// lua/once_tail.lua around it): run again with the same arguments, which is what a retry after a
// lost reply does, it returns its first reply and writes nothing. So any call may be retried, and
// a retried call's reply is the truth about what it did.
type onceScript struct{ *redis.Script }

// newOnceScript loads lua/<name> as newScript does, made idempotent.
func newOnceScript(name string, preludes ...string) onceScript {
	src := luaSource("once_head.lua") + luaSource(append(preludes, name)...) + "\n" + luaSource("once_tail.lua")
	return onceScript{redis.NewScript(src)}
}

// run runs the script for one call of the barrier k: its KEYS are keys and the barrier's replies,
// its ARGV args and the call's token.
func (s onceScript) run(ctx context.Context, c redis.Scripter, k keyLayout, keys []string, args ...any) *redis.Cmd {
	keys = append(keys[:len(keys):len(keys)], k.replies, k.repliesAt)
	return s.Run(ctx, c, keys, append(args[:len(args):len(args)], newToken())...)
}

// newToken returns a random token: a call's, or a rendezvous state's epoch.
func newToken() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// luaSource returns the files lua/<name>, one after the other.
func luaSource(names ...string) string {
	var src []byte
	for _, f := range names {
		b, err := luaFiles.ReadFile("lua/" + f)
		if err != nil {
			panic("barrier: embedded script lua/" + f + " missing: " + err.Error()) // a build mistake
		}
		src = append(src, b...)
	}
	return string(src)
}

// writeArgs are the ARGV head of every script that writes a barrier's keys (join.lua, fail.lua).
type writeArgs struct {
	TTLms   int64  // expiry of every key written, ms
	Channel string // where the new counts are published
	Parties int    // the barrier's parties, recorded in (and checked against) the meta
}

func (a writeArgs) argv(n int) []any {
	return append(make([]any, 0, 3+n), a.TTLms, a.Channel, a.Parties)
}

// joinArgs is join.lua's ARGV: the write head, then the ids.
type joinArgs struct {
	writeArgs
	IDs []string
}

func (a joinArgs) argv() []any {
	out := a.writeArgs.argv(len(a.IDs))
	for _, id := range a.IDs {
		out = append(out, id)
	}
	return out
}

// failArgs is fail.lua's ARGV.
type failArgs struct {
	writeArgs
	ID, Reason string
}

func (a failArgs) argv() []any { return append(a.writeArgs.argv(2), a.ID, a.Reason) }

// missingArgs is missing.lua's ARGV: the ids From..To are scanned, at most Limit listed.
type missingArgs struct{ From, To, Limit int }

func (a missingArgs) argv() []any { return []any{a.From, a.To, a.Limit} }
