package jsbarrier

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/grafana/sobek"

	"go.k6.io/k6/v2/errext"
	"go.k6.io/k6/v2/lib"

	"github.com/xk6-barrier/xk6-barrier/internal/jsopts"
	"github.com/xk6-barrier/xk6-barrier/internal/k6util"

	"github.com/xk6-barrier/xk6-barrier/barrier"
)

// jsBarrier is one `new Barrier(options)` of one VU. The core *barrier.Barrier it wraps is cheap; the state
// it stands for (the Redis keys, or the process's in-process barrier of that name) is shared.
type jsBarrier struct {
	mi   *ModuleInstance
	core *barrier.Barrier
	name string
	// warns is whether the core's warnings go to the VU's logger yet (set on first use, on the
	// event loop).
	warns bool
	// planChecked is whether arrive() checked k6's plan yet (plan.go).
	planChecked bool
}

// newBarrier is the JS constructor `new Barrier(options)`. It validates and does no I/O (k6's rule
// for the init context): Redis is connected on first use.
func (mi *ModuleInstance) newBarrier(call sobek.ConstructorCall) *sobek.Object {
	rt := mi.vu.Runtime()
	var lookup func(string) (string, bool)
	if env := mi.vu.InitEnv(); env != nil && env.TestPreInitState != nil {
		lookup = env.LookupEnv
	}
	opts, err := parseBarrierOptions(call.Argument(0), lookupEnvOf(lookup))
	if err != nil {
		k6util.ThrowTypeError(rt, err.Error())
	}
	core, err := barrier.New(opts)
	if err != nil {
		k6util.ThrowTypeError(rt, err.Error())
	}
	b := &jsBarrier{mi: mi, core: core, name: core.Options().Name}

	obj := rt.NewObject()
	must := k6util.Must(rt)
	must(obj.Set("join", b.join))
	must(obj.Set("fail", b.fail))
	must(obj.Set("wait", b.wait))
	must(obj.Set("status", b.status))
	must(obj.Set("reset", b.reset))
	must(b.defineRendezvous(obj)) // arrive, leave: rendezvous.go
	must(obj.DefineDataProperty("name", rt.ToValue(b.name), sobek.FLAG_FALSE, sobek.FLAG_FALSE, sobek.FLAG_TRUE))
	must(obj.DefineDataProperty("parties", rt.ToValue(opts.Parties), sobek.FLAG_FALSE, sobek.FLAG_FALSE, sobek.FLAG_TRUE))
	return obj
}

// vuState returns the VU state, or throws when called in the init context, where k6 forbids I/O.
func (b *jsBarrier) vuState(method string) *lib.State {
	state := k6util.VUState(b.mi.vu, "barrier "+b.name+": "+method+"()",
		"call it from the default function, setup(), teardown() or a scenario's exec function")
	if !b.warns && state.Logger != nil {
		logger := state.Logger.WithField("barrier", b.name)
		b.core.OnWarning(func(msg string) { logger.Warn(msg) })
		b.warns = true
		b.warnTTL(state)
		b.mi.ends.used(b.core, state.Options.ExecutionSegment.String())
	}
	if b.core.Options().Redis == "" {
		if seg := state.Options.ExecutionSegment; seg != nil && !seg.Equal(nil) {
			// A configuration that can never work aborts the whole test (exit code 108), as
			// k6/execution's test.abort() does, at its first use: not a TypeError per call that a
			// script may catch while k6 exits 0.
			msg := fmt.Sprintf("barrier %s: %s(): this k6 instance runs the execution segment %s of the test, "+
				"but the barrier is in-process and counts only this instance's participants, "+
				"so it could never be met: give it the option redis "+
				"(and a runId shared by every instance) to count across instances", b.name, method, seg)
			b.abortTest(msg)
		}
	}
	return state
}

// configAbort is the panic of abortTest, turned into the test's abort by aborting.
type configAbort struct{ msg string }

// abortTest aborts the whole test (exit code 108) with msg, as k6/execution's test.abort() does, for
// a configuration that can never work, which every VU would hit: k6 says it once, at the test's
// end, instead of an exception per call that a script may catch while k6 exits 0. It does not
// return: the method that called it (which defers aborting) returns a promise that never settles,
// and the VU's event loop ends the iteration with k6's abort as soon as the script yields.
func (b *jsBarrier) abortTest(msg string) { panic(configAbort{msg: msg}) }

// aborting, deferred by every method, turns an abortTest into the test's abort: *p becomes a
// promise that never settles, and a callback on the VU's event loop returns k6's InterruptError
// (as an abortOnFail wait does: no "Uncaught (in promise)" line beside k6's own).
func (b *jsBarrier) aborting(p **sobek.Promise) {
	r := recover()
	if r == nil {
		return
	}
	ca, ok := r.(configAbort)
	if !ok {
		panic(r)
	}
	promise, _, _ := b.mi.vu.Runtime().NewPromise()
	enqueue := b.mi.vu.RegisterCallback()
	enqueue(func() error { return &errext.InterruptError{Reason: errext.AbortTest + ": " + ca.msg} })
	*p = promise
}

// throwf throws a TypeError naming the barrier and method.
func (b *jsBarrier) throwf(method, format string, args ...any) {
	prefix := fmt.Sprintf("barrier %s: %s(): ", b.name, method)
	k6util.ThrowTypeError(b.mi.vu.Runtime(), prefix+fmt.Sprintf(format, args...))
}

// id converts the participant id argument; none gives the default id (defaultID). An argument that
// is no whole number aborts the test (every VU would make the same mistake); whether the barrier
// counts the id is the core's to say (check).
func (b *jsBarrier) id(method string, v sobek.Value, state *lib.State) string {
	if v == nil || sobek.IsUndefined(v) {
		return strconv.FormatUint(b.defaultID(method, state), 10)
	}
	id, ok := participantID(v)
	if !ok {
		b.abortTest(fmt.Sprintf("barrier %s: %s(): %s", b.name, method, idError(v, b.core.Options().Parties)))
	}
	return id
}

// defaultID is the id of a call given none: the VU's number within its scenario (1..the
// scenario's VUs, in the order the VUs first call without an id), so that a scenario of users
// beside a controller scenario counts 1..users every time; with an execution segment (several
// instances share the test, each numbering its own VUs), and where k6 gives no scenario, the VU's
// id in the test (exec.vu.idInTest). setup() and teardown() run in no VU of a scenario: there the
// test aborts, asking for an id.
func (b *jsBarrier) defaultID(method string, state *lib.State) uint64 {
	if state.VUIDGlobal == 0 {
		b.abortTest(fmt.Sprintf("barrier %s: %s() without an id in setup() or teardown(): they run outside "+
			"every scenario, so no VU number can be the id; pass one, e.g. %s(1) (ids are 1..%d)",
			b.name, method, method, b.core.Options().Parties))
	}
	if seg := state.Options.ExecutionSegment; seg != nil && !seg.Equal(nil) {
		return state.VUIDGlobal
	}
	ss := lib.GetScenarioState(b.mi.vu.Context())
	if ss == nil {
		return state.VUIDGlobal
	}
	return b.mi.numbers.of(ss.Name, state.VUIDGlobal)
}

// check aborts the test on err, the core's refusal of an id (every VU would make the same
// mistake), or throws err, the core's refusal of other arguments, as a TypeError. A refused id is
// said in terms of idArg, the argument given (none: the default id).
func (b *jsBarrier) check(method string, err error, idArg sobek.Value, state *lib.State) {
	if err == nil {
		return
	}
	if errors.Is(err, barrier.ErrInvalidID) {
		parties := b.core.Options().Parties
		prefix := fmt.Sprintf("barrier %s: %s(): ", b.name, method)
		if idArg == nil || sobek.IsUndefined(idArg) {
			b.abortTest(prefix + b.defaultIDAdvice(state, parties))
		}
		b.abortTest(prefix + idError(idArg, parties))
	}
	k6util.ThrowTypeError(b.mi.vu.Runtime(), err.Error())
}

// defaultIDAdvice says why the default id of the VU is outside 1..parties, and what to do.
func (b *jsBarrier) defaultIDAdvice(state *lib.State, parties int) string {
	ss := lib.GetScenarioState(b.mi.vu.Context())
	seg := state.Options.ExecutionSegment
	if ss == nil || (seg != nil && !seg.Equal(nil)) {
		return fmt.Sprintf("the default id, the VU's id in the test (exec.vu.idInTest), is %d, outside 1..%d: "+
			"give the barrier parties at least the number of VUs of the test, or pass an id in 1..%d",
			state.VUIDGlobal, parties, parties)
	}
	return fmt.Sprintf("the default id, the VU's number within its scenario %q, is %d, outside 1..%d: "+
		"the scenario runs more VUs than the barrier has parties; give the barrier parties equal to the "+
		"VUs of the scenario(s) that call it without an id, or pass an id in 1..%d",
		ss.Name, b.mi.numbers.of(ss.Name, state.VUIDGlobal), parties, parties)
}

// async runs work off the event loop and settles the returned promise on it: with the value that
// toJS builds there, or rejected with the error that toErr builds there.
func (b *jsBarrier) async(work func(ctx context.Context) (func(rt *sobek.Runtime) sobek.Value, error)) *sobek.Promise {
	rt := b.mi.vu.Runtime()
	promise, resolve, reject := rt.NewPromise()
	enqueue := b.mi.vu.RegisterCallback()
	ctx := b.mi.vu.Context()
	go func() {
		toJS, err := work(ctx)
		enqueue(func() error {
			if errext.IsInterruptError(err) {
				return err // aborts the test; the promise never settles, as with test.abort()
			}
			if err != nil {
				return reject(b.jsError(err))
			}
			if toJS == nil {
				return resolve(sobek.Undefined())
			}
			return resolve(toJS(rt))
		})
	}()
	return promise
}

// jsError converts an error of a call other than wait() and arrive() (Redis unreachable, a key of
// the wrong type) into a plain Error with the core's message; those two settle through settle.
func (b *jsBarrier) jsError(err error) sobek.Value {
	return plainError(b.mi.vu.Runtime(), err.Error())
}

// join is `barrier.join(id?)`: resolves {counted, previous?}.
func (b *jsBarrier) join(idArg sobek.Value) (p *sobek.Promise) {
	defer b.aborting(&p)
	state := b.vuState("join")
	join, err := b.core.PrepareJoin(b.id("join", idArg, state))
	b.check("join", err, idArg, state)
	return b.async(func(ctx context.Context) (func(*sobek.Runtime) sobek.Value, error) {
		rec, err := join(ctx)
		if err != nil {
			return nil, err
		}
		if rec.Counted {
			push(ctx, state, b.mi.metrics.joins, 1, map[string]string{"barrier": b.name})
		}
		return func(rt *sobek.Runtime) sobek.Value { return recordToJS(rt, rec) }, nil
	})
}

// fail is `barrier.fail(reason, id?)`: resolves {counted, previous?}.
func (b *jsBarrier) fail(reasonArg, idArg sobek.Value) (p *sobek.Promise) {
	defer b.aborting(&p)
	state := b.vuState("fail")
	var reason string
	ok := false
	if reasonArg != nil {
		reason, ok = jsopts.AsString(reasonArg)
	}
	if !ok {
		b.throwf("fail", "reason must be a string such as 'login' or 'sse', got %s", jsopts.Describe(reasonArg))
	}
	fail, err := b.core.PrepareFail(b.id("fail", idArg, state), reason)
	b.check("fail", err, idArg, state)
	return b.async(func(ctx context.Context) (func(*sobek.Runtime) sobek.Value, error) {
		rec, err := fail(ctx)
		if err != nil {
			return nil, err
		}
		if rec.Counted {
			push(ctx, state, b.mi.metrics.failures, 1, map[string]string{"barrier": b.name, "reason": reason})
		}
		return func(rt *sobek.Runtime) sobek.Value { return recordToJS(rt, rec) }, nil
	})
}

// wait is `barrier.wait(options?)`: resolves the result when met; rejects with a BarrierError on
// failed, timeout or aborted (the VU's context ending). barrier_wait_duration is recorded on every
// outcome.
func (b *jsBarrier) wait(optsArg sobek.Value) (p *sobek.Promise) {
	defer b.aborting(&p)
	state := b.vuState("wait")
	rt := b.mi.vu.Runtime()
	jw, err := parseWaitOptions(b.name, b.core.Options().Parties, optsArg)
	if err != nil {
		k6util.ThrowTypeError(rt, err.Error())
	}
	w := jw.WaitOptions
	if state.Logger != nil {
		logger := state.Logger.WithField("barrier", b.name)
		w.OnProgress = func(r barrier.Result) { logger.Info(r.String()) }
	}
	wait, err := b.core.PrepareWait(w)
	b.check("wait", err, nil, state)
	return settle(b, state, rendezvousCall[barrier.Result]{
		kind: "wait",
		run: func(ctx context.Context) (barrier.Result, error) {
			// `k6 x barrier status`, `list` and `watch` judge the barrier by the wait's rule.
			if err := b.core.RecordWaitRule(ctx, w); err != nil && state.Logger != nil {
				state.Logger.WithField("barrier", b.name).Warnf("%v (k6 x barrier judges it with its own rule)", err)
			}
			return wait(ctx)
		},
		outcome: func(r barrier.Result) barrier.Outcome { return r.Outcome },
		failure: func(err error) (barrier.Result, error, bool) {
			var we *barrier.WaitError
			if errors.As(err, &we) {
				return we.Result, we, true
			}
			return barrier.Result{}, nil, false
		},
		toJS:        resultToJS,
		duration:    b.mi.metrics.waitDuration,
		abortOnFail: jw.abortOnFail,
	})
}

// status is `barrier.status()`: resolves the current result (outcome pending, met or failed).
func (b *jsBarrier) status() (p *sobek.Promise) {
	defer b.aborting(&p)
	b.vuState("status")
	return b.async(func(ctx context.Context) (func(*sobek.Runtime) sobek.Value, error) {
		res, err := b.core.Status(ctx)
		if err != nil {
			return nil, err
		}
		return func(rt *sobek.Runtime) sobek.Value { return resultToJS(rt, res) }, nil
	})
}

// reset is `barrier.reset()`: deletes the barrier's state so a rerun with the same runId starts
// from zero.
func (b *jsBarrier) reset() (p *sobek.Promise) {
	defer b.aborting(&p)
	b.vuState("reset")
	return b.async(func(ctx context.Context) (func(*sobek.Runtime) sobek.Value, error) {
		return nil, b.core.Reset(ctx)
	})
}
