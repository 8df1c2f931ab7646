package modulestest_test

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/grafana/sobek"

	"go.k6.io/k6/v2/js/modules"
	"go.k6.io/k6/v2/js/modulestest"
	"go.k6.io/k6/v2/js/promises"
)

// TestEnqueueTwicePanics: k6's rule is that each enqueue function is called exactly once.
func TestEnqueueTwicePanics(t *testing.T) {
	t.Parallel()
	rt := modulestest.NewRuntime(t)
	var panicked any
	_, err := rt.RunOnEventLoop(``) // a loop pass so the loop is in a clean state
	if err != nil {
		t.Fatal(err)
	}
	enqueue := rt.VU.RegisterCallback()
	enqueue(func() error { return nil })
	func() {
		defer func() { panicked = recover() }()
		enqueue(func() error { return nil })
	}()
	if panicked == nil || !strings.Contains(panicked.(string), "called twice") {
		t.Fatalf("second enqueue: want a panic saying 'called twice', got %v", panicked)
	}
	rt.EventLoop.WaitOnRegistered()
}

// TestLoopWaitsForRegisteredCallbacks: the loop does not end while a reserved callback is pending.
func TestLoopWaitsForRegisteredCallbacks(t *testing.T) {
	t.Parallel()
	rt := modulestest.NewRuntime(t)
	var ran atomic.Bool
	release := make(chan struct{})
	err := rt.VU.RuntimeField.Set("later", func() {
		enqueue := rt.VU.RegisterCallback()
		go func() {
			<-release
			enqueue(func() error { ran.Store(true); return nil })
		}()
	})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := rt.RunOnEventLoop(`later()`)
		done <- err
	}()
	select {
	case err := <-done:
		t.Fatalf("the loop ended (err %v) while a registered callback was pending", err)
	case <-time.After(50 * time.Millisecond):
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if !ran.Load() {
		t.Fatal("the enqueued callback did not run")
	}
}

// TestCallbackErrorEndsLoop: an error returned by a queued function ends the run with that error.
func TestCallbackErrorEndsLoop(t *testing.T) {
	t.Parallel()
	rt := modulestest.NewRuntime(t)
	boom := errors.New("boom")
	var after atomic.Bool
	err := rt.VU.RuntimeField.Set("fail", func() {
		enqueue := rt.VU.RegisterCallback()
		go enqueue(func() error { return boom })
	})
	if err != nil {
		t.Fatal(err)
	}
	_ = rt.VU.RuntimeField.Set("mark", func() { after.Store(true) })
	_, err = rt.RunOnEventLoop(`fail(); Promise.resolve().then(() => 0)`)
	if !errors.Is(err, boom) {
		t.Fatalf("want the callback's error, got %v", err)
	}
}

// TestGoPromiseResolvedFromGoroutine: a promise resolved on another goroutine settles in JS.
func TestGoPromiseResolvedFromGoroutine(t *testing.T) {
	t.Parallel()
	rt := modulestest.NewRuntime(t)
	err := rt.VU.RuntimeField.Set("slowAdd", func(a, b int) *sobek.Promise {
		p, resolve, _ := promises.New(rt.VU)
		go func() {
			time.Sleep(5 * time.Millisecond)
			resolve(a + b)
		}()
		return p
	})
	if err != nil {
		t.Fatal(err)
	}
	_, err = rt.RunOnEventLoop(`
		var got;
		(async () => { got = await slowAdd(2, 3); })();
	`)
	if err != nil {
		t.Fatal(err)
	}
	if got := rt.VU.RuntimeField.Get("got").ToInteger(); got != 5 {
		t.Fatalf("got %d, want 5", got)
	}
}

// TestGoPromiseRejectionIsJSException: a rejection surfaces as a catchable JS exception, and an
// unhandled one ends the loop with "Uncaught (in promise)".
func TestGoPromiseRejectionIsJSException(t *testing.T) {
	t.Parallel()
	rt := modulestest.NewRuntime(t)
	err := rt.VU.RuntimeField.Set("failing", func() *sobek.Promise {
		p, _, reject := promises.New(rt.VU)
		go reject(errors.New("no such thing"))
		return p
	})
	if err != nil {
		t.Fatal(err)
	}
	_, err = rt.RunOnEventLoop(`
		var caught;
		(async () => { try { await failing(); } catch (e) { caught = String(e); } })();
	`)
	if err != nil {
		t.Fatal(err)
	}
	if c := rt.VU.RuntimeField.Get("caught").String(); !strings.Contains(c, "no such thing") {
		t.Fatalf("caught %q, want the rejection's message", c)
	}
	_, err = rt.RunOnEventLoop(`failing()`)
	if err == nil || !strings.Contains(err.Error(), "Uncaught (in promise)") {
		t.Fatalf("unhandled rejection: want an 'Uncaught (in promise)' error, got %v", err)
	}
}

// TestCancelContextEndsWaitingWork: work that waits on the VU context ends when it is cancelled.
func TestCancelContextEndsWaitingWork(t *testing.T) {
	t.Parallel()
	rt := modulestest.NewRuntime(t)
	err := rt.VU.RuntimeField.Set("waitForStop", func() *sobek.Promise {
		p, resolve, _ := promises.New(rt.VU)
		ctx := rt.VU.Context()
		go func() {
			<-ctx.Done()
			resolve(context.Cause(ctx).Error())
		}()
		return p
	})
	if err != nil {
		t.Fatal(err)
	}
	time.AfterFunc(20*time.Millisecond, rt.CancelContext)
	_, err = rt.RunOnEventLoop(`var why; waitForStop().then((w) => { why = w; })`)
	if err != nil {
		t.Fatal(err)
	}
	if why := rt.VU.RuntimeField.Get("why").String(); why != "context canceled" {
		t.Fatalf("why = %q", why)
	}
}

// TestSetTimeout: the shim installs setTimeout/clearTimeout and the loop waits for timers.
func TestSetTimeout(t *testing.T) {
	t.Parallel()
	rt := modulestest.NewRuntime(t)
	_, err := rt.RunOnEventLoop(`
		var order = [];
		setTimeout(() => order.push("b"), 10);
		const id = setTimeout(() => order.push("never"), 5);
		clearTimeout(id);
		order.push("a");
	`)
	if err != nil {
		t.Fatal(err)
	}
	if got := rt.VU.RuntimeField.Get("order").String(); got != "a,b" {
		t.Fatalf("order = %q, want a,b", got)
	}
}

type adder struct{ vu modules.VU }

func (adder) NewModuleInstance(vu modules.VU) modules.Instance { return adder{vu: vu} }

func (a adder) Exports() modules.Exports {
	return modules.Exports{Named: map[string]any{
		"add": func(x, y int) *sobek.Promise {
			p, resolve, _ := promises.New(a.vu)
			go resolve(x + y)
			return p
		},
	}}
}

// TestModuleEndToEnd: a module registered in a test, required from JS, its Go promise awaited.
func TestModuleEndToEnd(t *testing.T) {
	t.Parallel()
	modules.Register("k6/x/shimtest-adder", adder{})
	rt := modulestest.NewRuntime(t)
	if err := rt.SetupModuleSystem(map[string]any{"k6/x/shimtest-adder": adder{}}, nil, nil); err != nil {
		t.Fatal(err)
	}
	_, err := rt.RunOnEventLoop(`
		const { add } = require("k6/x/shimtest-adder");
		var sum;
		(async () => { sum = await add(40, 2); })();
	`)
	if err != nil {
		t.Fatal(err)
	}
	if sum := rt.VU.RuntimeField.Get("sum").ToInteger(); sum != 42 {
		t.Fatalf("sum = %d", sum)
	}
}
