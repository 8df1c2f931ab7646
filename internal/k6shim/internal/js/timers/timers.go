// Package timers installs setTimeout and clearTimeout on a VU's runtime, on top of its event loop,
// as k6's modulestest does (k6's own timers module does more: setInterval, ordering guarantees).
package timers

import (
	"sync"
	"time"

	"github.com/grafana/sobek"

	"go.k6.io/k6/v2/js/modules"
)

type timer struct {
	stop chan struct{}
	once sync.Once
}

// SetupGlobally defines setTimeout(fn, ms, ...args) and clearTimeout(id) on the VU's global object.
// A pending timer keeps the event loop alive; the VU's context ending cancels it.
func SetupGlobally(vu modules.VU) error {
	rt := vu.Runtime()
	var (
		mu     sync.Mutex
		nextID int64
		timers = map[int64]*timer{}
	)
	setTimeout := func(fn sobek.Callable, delay float64, args ...sobek.Value) int64 {
		mu.Lock()
		nextID++
		id := nextID
		tm := &timer{stop: make(chan struct{})}
		timers[id] = tm
		mu.Unlock()
		enqueue := vu.RegisterCallback()
		go func() {
			t := time.NewTimer(time.Duration(delay * float64(time.Millisecond)))
			defer t.Stop()
			fire := false
			select {
			case <-t.C:
				fire = true
			case <-tm.stop:
			case <-vu.Context().Done():
			}
			enqueue(func() error {
				mu.Lock()
				delete(timers, id)
				mu.Unlock()
				if !fire {
					return nil
				}
				_, err := fn(sobek.Undefined(), args...)
				return err
			})
		}()
		return id
	}
	clearTimeout := func(id int64) {
		mu.Lock()
		tm := timers[id]
		mu.Unlock()
		if tm != nil {
			tm.once.Do(func() { close(tm.stop) })
		}
	}
	if err := rt.Set("setTimeout", setTimeout); err != nil {
		return err
	}
	return rt.Set("clearTimeout", clearTimeout)
}
