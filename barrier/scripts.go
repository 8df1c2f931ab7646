package barrier

import (
	"embed"

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

	joinScript    = newScript("join.lua", withKeyTypes)
	failScript    = newScript("fail.lua", withKeyTypes)
	countsScript  = newScript("counts.lua", withKeyTypes)
	missingScript = newScript("missing.lua")
	reasonsScript = newScript("reasons.lua")
	resetScript   = newScript("reset.lua")
)

// withKeyTypes prepends lua/keytypes.lua (check_types) to a script that checks its keys' types
// before it writes: Redis has no include.
const withKeyTypes = "keytypes.lua"

// newScript loads lua/<name>, after the preludes named (lua/<prelude> each).
func newScript(name string, preludes ...string) *redis.Script {
	return redis.NewScript(luaSource(append(preludes, name)...))
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
