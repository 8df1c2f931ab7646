package main

import (
	"context"
	"log"
	"math"
	"sync"
	"time"
)

// dispatcher promotes waiting users of open events at a fixed rate per event,
// in queue order (ZPOPMIN), and tells their streams.
type dispatcher struct {
	queue      *queue
	hub        *hub
	rate       float64 // users per second per event
	beforeOpen bool
	log        *log.Logger

	mu     sync.Mutex
	budget map[string]float64 // tracked events -> promotions owed
}

// newDispatcher returns a dispatcher promoting rate users per second per
// event of q, notifying the streams of h; logger may be nil.
func newDispatcher(q *queue, h *hub, rate float64, beforeOpen bool, logger *log.Logger) *dispatcher {
	return &dispatcher{queue: q, hub: h, rate: rate, beforeOpen: beforeOpen, log: logger, budget: make(map[string]float64)}
}

// track makes the dispatcher look after eventID.
func (d *dispatcher) track(eventID string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if _, ok := d.budget[eventID]; !ok {
		d.budget[eventID] = 0
	}
}

// run ticks every interval until ctx ends.
func (d *dispatcher) run(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	last := time.Now()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			d.tick(ctx, now.Sub(last))
			last = now
		}
	}
}

// tick promotes, for every tracked event that may be promoted, the users
// owed for the elapsed time dt, and returns how many it promoted.
func (d *dispatcher) tick(ctx context.Context, dt time.Duration) int {
	if d.rate <= 0 {
		return 0
	}
	d.mu.Lock()
	events := make([]string, 0, len(d.budget))
	for ev := range d.budget {
		events = append(events, ev)
	}
	d.mu.Unlock()

	total := 0
	for _, ev := range events {
		if ctx.Err() != nil {
			break
		}
		if !d.beforeOpen {
			open, err := d.queue.isOpen(ctx, ev)
			if err != nil {
				d.logf("dispatcher: %v", err)
				continue
			}
			if !open {
				continue
			}
		}
		total += d.promoteDue(ctx, ev, dt)
	}
	return total
}

// promoteDue adds the rate's share of dt to the event's budget and promotes
// the whole users it covers. Unused budget is dropped when the queue runs
// dry, so an empty queue does not bank a burst.
func (d *dispatcher) promoteDue(ctx context.Context, ev string, dt time.Duration) int {
	d.mu.Lock()
	b := math.Min(d.budget[ev]+d.rate*dt.Seconds(), math.Max(d.rate, 1))
	n := int(b)
	d.budget[ev] = b
	d.mu.Unlock()
	if n == 0 {
		return 0
	}
	ps, err := d.queue.promote(ctx, ev, n)
	if err != nil {
		d.logf("dispatcher: %v", err)
		return 0
	}
	for _, p := range ps {
		d.hub.promote(ev, p)
	}
	d.mu.Lock()
	if len(ps) < n {
		d.budget[ev] = 0
	} else {
		d.budget[ev] -= float64(n)
	}
	d.mu.Unlock()
	return len(ps)
}

func (d *dispatcher) logf(format string, args ...any) {
	if d.log != nil {
		d.log.Printf(format, args...)
	}
}
