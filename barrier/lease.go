package barrier

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// An instance lease is a k6 process's presence in a rendezvous on Redis: each arrival puts the
// process's instance in the PHASE_INSTANCES sorted set with the time its lease ends, and owns the
// participant it counts (PHASE_OWNER). The process renews the lease every leaseRenewEvery for as
// long as it holds one: from its first arrival until it withdraws (Barrier.Withdraw, a graceful
// end) or dies, whether or not any of its participants waits right now (a VU may work for minutes
// between two arrivals). When a lease expires, every process that renews its own makes the dead
// instance's participants leave (phase_lease.lua).

// leaseTTL is how long an instance's lease lasts unless the process renews it: a k6 process killed
// is noticed within that, and its participants leave.
const leaseTTL = 5 * time.Second

// leaseRenewEvery is how often a process renews its lease.
const leaseRenewEvery = FallbackInterval

// keepLeaseLocked makes sure the process renews its lease, which an arrival just (re)made. r.mu
// is held.
func (r *redisPhases) keepLeaseLocked() {
	r.leaseGen++
	if r.leasing {
		return
	}
	r.leasing = true
	go r.renewLease()
}

// renewLease renews the process's lease every leaseRenewEvery until the lease is gone: withdrawn,
// deleted by a reset, or expired and removed by another process (the process stalled longer than
// leaseTTL: its participants left, and its next arrival takes part again), with no arrival made
// since; or until the client is closed. A failed renewal is retried at the next turn.
func (r *redisPhases) renewLease() {
	t := time.NewTicker(leaseRenewEvery)
	defer t.Stop()
	for range t.C {
		r.mu.Lock()
		gen := r.leaseGen
		r.mu.Unlock()
		ctx, cancel := context.WithTimeout(context.Background(), readBound)
		_, held, err := r.lease(ctx, false)
		cancel()
		if held || (err != nil && !errors.Is(err, redis.ErrClosed)) {
			continue
		}
		r.mu.Lock()
		if r.leaseGen == gen || errors.Is(err, redis.ErrClosed) {
			r.leasing = false
			r.mu.Unlock()
			return
		}
		r.mu.Unlock()
	}
}

// lease renews this process's instance lease, when it took part in the rendezvous, and makes the
// participants of the instances whose lease expired leave; with withdraw, its own participants
// leave now (a graceful end). It returns how many left, and whether the process still holds a
// lease.
func (r *redisPhases) lease(ctx context.Context, withdraw bool) (left int, held bool, err error) {
	r.mu.Lock()
	took := r.epoch != ""
	r.mu.Unlock()
	if !took {
		return 0, false, nil
	}
	flag := "0"
	if withdraw {
		flag = "1"
	}
	args := r.args().argv(r.instance, leaseTTL.Milliseconds(), flag)
	res, err := phaseLeaseScript.run(ctx, r.be.client, r.be.keys, r.keys.leaseKeys(), args...).Int64Slice()
	if err != nil {
		return 0, false, r.be.wrap(ctx, err, "")
	}
	if len(res) != 2 {
		return 0, false, fmt.Errorf("redis %s: unexpected reply %v from the lease script", r.be.addr, res)
	}
	return int(res[0]), res[1] == 1, nil
}
