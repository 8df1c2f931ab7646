package jsbarrier

import (
	"sort"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xk6-barrier/xk6-barrier/internal/dtstest"
)

// declared returns the members a declaration of k6/x/barrier declares, with those of the interfaces it
// extends (`extends A, B`), and of them the optional ones.
func declared(t *testing.T, mod, head string, extends ...string) (all, optional []string) {
	t.Helper()
	_, all, optional = dtstest.Members(dtstest.Block(t, mod, head))
	for _, parent := range extends {
		_, more, opt := dtstest.Members(dtstest.Block(t, mod, parent))
		all = append(all, more...)
		optional = append(optional, opt...)
	}
	return sortedUnique(all), sortedUnique(optional)
}

func sortedUnique(list []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range list {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	sort.Strings(out)
	return out
}

// TestDeclarationsMatchRuntime: what index.d.ts declares for k6/x/barrier is what the runtime has,
// both ways: the module's exports, Barrier's members, and the fields of every value a call settles
// with or rejects with (each in the case that has the most of them: a declared optional field may be
// absent, a required one must be there, and nothing undeclared may appear).
func TestDeclarationsMatchRuntime(t *testing.T) {
	mod := dtstest.Module(t, "k6/x/barrier")
	counts := "export interface BarrierCounts {"
	barrier, _ := declared(t, mod, "export class Barrier {")
	join, joinOpt := declared(t, mod, "export interface JoinResult {")
	result, resultOpt := declared(t, mod, "export interface BarrierResult extends BarrierCounts {", counts)
	status, statusOpt := declared(t, mod, "export interface BarrierStatus extends BarrierCounts {", counts)
	arrive, arriveOpt := declared(t, mod, "export interface ArriveResult {")
	leave, leaveOpt := declared(t, mod, "export interface LeaveResult {")
	barrierErr, barrierErrOpt := declared(t, mod, "export class BarrierError extends Error {")
	require.NotEmpty(t, barrier, "the parser found Barrier's members")

	vu := newJSVU(t, `
		const b = new Barrier({ name: "types", parties: 2 });
		const r = new Barrier({ name: "typesr", parties: 2 });
		const t = new Barrier({ name: "typest", parties: 2 });
		const exportsOf = Object.keys(require("k6/x/barrier")).filter((k) => k !== "__esModule");
	`)
	vu.start(1)
	vu.run(t, `
		const keys = (o) => Object.keys(o);
		const proto = (o) => Object.getPrototypeOf(o) === Object.prototype ? [] : Object.getOwnPropertyNames(Object.getPrototypeOf(o));
		const members = (o) => [...new Set([...Object.getOwnPropertyNames(o), ...proto(o)])].filter((k) => k !== "constructor");
		const got = globalThis.got = { exports: exportsOf, barrier: members(b) };
		got.joinCounted = keys(await b.join(1));
		got.joinAgain = keys(await b.join(1));
		got.status = keys(await b.status());
		try { await b.wait({ timeout: "20ms", abortOnFail: false }); } catch (e) { got.waitError = keys(e); }
		await b.join(2);
		got.result = keys(await b.wait({ timeout: "1s" }));
		got.leave = keys(await r.leave(2));
		got.arrive = keys(await r.arrive({ id: 1, quorum: 1, timeout: "1s" }));
		try { await t.arrive({ id: 1, timeout: "20ms" }); } catch (e) { got.arriveError = keys(e); }
	`)
	got := vu.get("got").Export().(map[string]any)

	assert.Equal(t, dtstest.Exports(mod), dtstest.Strings(t, got["exports"]), "module exports: index.d.ts vs runtime")
	assert.Equal(t, barrier, dtstest.Strings(t, got["barrier"]), "Barrier members: index.d.ts vs runtime")
	assert.Equal(t, join, dtstest.Strings(t, got["joinAgain"]), "JoinResult of a repeated join")
	assert.Equal(t, dtstest.Without(join, joinOpt...), dtstest.Strings(t, got["joinCounted"]), "JoinResult of a counted join")
	assert.Subset(t, status, dtstest.Strings(t, got["status"]), "BarrierStatus: nothing undeclared")
	assert.Subset(t, dtstest.Strings(t, got["status"]), dtstest.Without(status, statusOpt...), "BarrierStatus: every required field")
	assert.Subset(t, result, dtstest.Strings(t, got["result"]), "BarrierResult: nothing undeclared")
	assert.Subset(t, dtstest.Strings(t, got["result"]), dtstest.Without(result, resultOpt...), "BarrierResult: every required field")
	assert.Subset(t, arrive, dtstest.Strings(t, got["arrive"]), "ArriveResult: nothing undeclared")
	assert.Subset(t, dtstest.Strings(t, got["arrive"]), dtstest.Without(arrive, arriveOpt...), "ArriveResult: every required field")
	assert.Subset(t, leave, dtstest.Strings(t, got["leave"]), "LeaveResult: nothing undeclared")
	assert.Subset(t, dtstest.Strings(t, got["leave"]), dtstest.Without(leave, leaveOpt...), "LeaveResult: every required field")
	for _, kind := range []string{"waitError", "arriveError"} {
		fields := dtstest.Strings(t, got[kind])
		assert.Subset(t, barrierErr, fields, "BarrierError of %s: nothing undeclared", kind)
		assert.Subset(t, fields, dtstest.Without(barrierErr, barrierErrOpt...), "BarrierError of %s: every required field", kind)
	}
}
