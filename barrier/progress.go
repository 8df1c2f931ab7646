package barrier

import (
	"sync"
	"time"
)

// progressClock paces the progress lines of one barrier's waits in one process: one line per
// interval, however many waits of the barrier wait. The Redis session and the in-process state each
// own one for wait(), the arrivals in flight one for arrive(). Its ticker goroutine runs while at
// least one wait that reports progress is registered, and ends when the last one leaves.
//
// At each tick the clock gives the turn to its oldest wait, which reads the counts and reports on
// its own goroutine (so wait()'s OnProgress runs on the waiting goroutine, as documented); the
// interval is that wait's.
type progressClock struct {
	mu    sync.Mutex
	waits []*progressTurn // oldest first
	stop  chan struct{}   // closes to end the ticker goroutine; nil while it does not run
	reset chan time.Duration
}

// progressTurn is one wait's registration: its channel receives a value when the wait is to
// report.
type progressTurn struct {
	c        chan struct{}
	interval time.Duration
}

// register adds a wait that reports every interval; the wait calls leave when it returns.
func (p *progressClock) register(interval time.Duration) (turn <-chan struct{}, leave func()) {
	t := &progressTurn{c: make(chan struct{}, 1), interval: interval}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.waits = append(p.waits, t)
	if p.stop == nil {
		p.stop, p.reset = make(chan struct{}), make(chan time.Duration, 1)
		go p.run(p.stop, p.reset, interval)
	}
	return t.c, func() { p.leave(t) }
}

func (p *progressClock) leave(t *progressTurn) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for i, w := range p.waits {
		if w != t {
			continue
		}
		p.waits = append(p.waits[:i], p.waits[i+1:]...)
		switch {
		case len(p.waits) == 0:
			close(p.stop)
			p.stop, p.reset = nil, nil
		case i == 0 && p.waits[0].interval != t.interval: // the next oldest reports now, at its interval
			select {
			case <-p.reset: // an older change not yet taken
			default:
			}
			p.reset <- p.waits[0].interval
		}
		return
	}
}

// run ticks until stop closes, giving each tick's turn to the oldest wait.
func (p *progressClock) run(stop <-chan struct{}, reset <-chan time.Duration, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case d := <-reset:
			t.Reset(d)
			continue
		case <-t.C:
		}
		p.mu.Lock()
		if len(p.waits) > 0 {
			select {
			case p.waits[0].c <- struct{}{}:
			default: // its last turn not yet taken
			}
		}
		p.mu.Unlock()
	}
}
