package jsbarrier

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/grafana/sobek"
	"github.com/sirupsen/logrus"

	"go.k6.io/k6/v2/metrics"

	"github.com/xk6-barrier/xk6-barrier/internal/durfmt"
	"github.com/xk6-barrier/xk6-barrier/internal/jsopts"
	"github.com/xk6-barrier/xk6-barrier/internal/k6util"

	"github.com/xk6-barrier/xk6-barrier/barrier"
)

// Metric names of the rendezvous (Barrier.arrive).
const (
	// MetricArriveDuration is how long each arrive() took, from the call to its settle (Trend,
	// time; tags barrier, outcome).
	MetricArriveDuration = "barrier_arrive_duration"
	// MetricReleaseSkew is, for each released arrive(), the time from its phase's release to this
	// VU running again (Trend, time; tag barrier): how simultaneous the spike really is.
	MetricReleaseSkew = "barrier_release_skew"
	// MetricPhasesReleased is, for each arrive() that settled, 1 when its phase released it with
	// every party still taking part (outcome released), 0 otherwise (released-on-timeout, timeout,
	// failed, an error); an arrive() aborted by k6 stopping its VU records nothing (Rate; tag
	// barrier). A threshold such as 'rate==1' fails the run when any phase was not met.
	MetricPhasesReleased = "barrier_phases_released"
)

// arriveOptions are the options arrive() takes.
func arriveOptions() []string {
	return []string{"id", "timeout", "quorum", "onTimeout", "abortOnFail", "progress"}
}

// jsRendezvous adds arrive() and leave() to one JS Barrier object.
type jsRendezvous struct {
	b           *jsBarrier
	arriveDur   *metrics.Metric
	releaseSkew *metrics.Metric
	released    *metrics.Metric
}

// defineRendezvous registers the rendezvous methods on obj, the Barrier object of b, and the
// rendezvous metrics (in the init context, where k6 gives the registry).
func (b *jsBarrier) defineRendezvous(obj *sobek.Object) error {
	r := &jsRendezvous{b: b}
	if registry := k6util.InitRegistry(b.mi.vu); registry != nil {
		var err error
		if r.arriveDur, err = registry.NewMetric(MetricArriveDuration, metrics.Trend, metrics.Time); err != nil {
			return fmt.Errorf("k6/x/barrier: registering metric: %w", err)
		}
		if r.releaseSkew, err = registry.NewMetric(MetricReleaseSkew, metrics.Trend, metrics.Time); err != nil {
			return fmt.Errorf("k6/x/barrier: registering metric: %w", err)
		}
		if r.released, err = registry.NewMetric(MetricPhasesReleased, metrics.Rate); err != nil {
			return fmt.Errorf("k6/x/barrier: registering metric: %w", err)
		}
	}
	if err := obj.Set("arrive", r.arrive); err != nil {
		return err
	}
	return obj.Set("leave", r.leave)
}

// jsArriveOptions are the options of barrier.arrive(options).
type jsArriveOptions struct {
	barrier.ArriveOptions
	id          sobek.Value
	abortOnFail bool
}

// parseArriveOptions converts arrive()'s options; the core checks them (Barrier.PrepareArrive).
func parseArriveOptions(name string, parties int, v sobek.Value) (jsArriveOptions, error) {
	var o jsArriveOptions
	r, err := jsopts.NewReader("barrier "+name+": arrive()", v, arriveOptions(), false)
	if err != nil {
		return o, err
	}
	o.id = r.Get("id")
	if o.abortOnFail, _, err = r.Bool("abortOnFail"); err != nil {
		return o, err
	}
	if o.Timeout, err = durationAtLeast(r, "timeout", time.Millisecond, barrier.MaxDuration,
		fmt.Sprintf("it is the phase's hard stop, counted from its first arrival "+
			"(omit it for %s), e.g. '30s'", durfmt.Format(barrier.DefaultArriveTimeout))); err != nil {
		return o, err
	}
	if err := parseArriveQuorum(r, parties, &o); err != nil {
		return o, err
	}
	onTimeout, err := r.String("onTimeout")
	if err != nil {
		return o, err
	}
	o.OnTimeout = barrier.OnTimeout(onTimeout)
	o.Progress, err = progress(r)
	return o, err
}

// arrive is `barrier.arrive(options?)`: resolves the phase's result when released (outcome
// released or released-on-timeout); rejects with a BarrierError on failed, timeout or aborted.
// barrier_arrive_duration is recorded on every settle, barrier_release_skew on every release.
func (r *jsRendezvous) arrive(optsArg sobek.Value) (p *sobek.Promise) {
	b := r.b
	defer b.aborting(&p)
	state := b.vuState("arrive")
	rt := b.mi.vu.Runtime()
	o, err := parseArriveOptions(b.name, b.core.Options().Parties, optsArg)
	if err != nil {
		k6util.ThrowTypeError(rt, err.Error())
	}
	b.checkPlan(state, o)
	id := b.id("arrive", o.id, state)
	if o.Progress > 0 && state.Logger != nil {
		logger := state.Logger.WithField("barrier", b.name)
		o.OnProgress = func(line string) { logger.Info(line) }
	}
	arrive, err := b.core.PrepareArrive(id, o.ArriveOptions)
	b.check("arrive", err, o.id, state)
	// The participant leaves when k6 stops running this VU (presence.go); a leave of it under way
	// must end before this arrival counts.
	var logger logrus.FieldLogger
	if state.Logger != nil {
		logger = state.Logger
	}
	pr := b.mi.presence
	leaving := pr.arriving(b.core, b.name, id, logger)
	return settle(b, state, rendezvousCall[barrier.PhaseResult]{
		kind:  "arrive",
		ready: leaving,
		run: func(ctx context.Context) (barrier.PhaseResult, error) {
			res, err := arrive(ctx)
			pr.arriveEnded(ctx.Err() != nil)
			return res, err
		},
		outcome: func(r barrier.PhaseResult) barrier.Outcome { return r.Outcome },
		failure: func(err error) (barrier.PhaseResult, error, bool) {
			var pe *barrier.PhaseError
			if errors.As(err, &pe) {
				return pe.Result, pe, true
			}
			return barrier.PhaseResult{}, nil, false
		},
		toJS:        phaseResultToJS,
		duration:    r.arriveDur,
		abortOnFail: o.abortOnFail,
		settled: func(ctx context.Context, outcome barrier.Outcome) {
			if outcome == barrier.OutcomeAborted {
				return // k6 stopped the VU: no verdict on the phase
			}
			v := 0.0
			if outcome == barrier.OutcomeReleased {
				v = 1
			}
			push(ctx, state, r.released, v, map[string]string{"barrier": b.name})
		},
		resolved: func(ctx context.Context, res barrier.PhaseResult) {
			// The VU runs again now: the skew is measured here, on its event loop.
			skew := max(0, time.Since(res.ReleasedAt))
			push(ctx, state, r.releaseSkew, float64(skew)/float64(time.Millisecond), map[string]string{"barrier": b.name})
		},
	})
}

// leave is `barrier.leave(id?)`: resolves {counted, phase, withdrawn}.
func (r *jsRendezvous) leave(idArg sobek.Value) (p *sobek.Promise) {
	b := r.b
	defer b.aborting(&p)
	state := b.vuState("leave")
	leave, err := b.core.PrepareLeave(b.id("leave", idArg, state))
	b.check("leave", err, idArg, state)
	return b.async(func(ctx context.Context) (func(*sobek.Runtime) sobek.Value, error) {
		rec, err := leave(ctx)
		if err != nil {
			return nil, err
		}
		return func(rt *sobek.Runtime) sobek.Value {
			o := rt.NewObject()
			_ = o.Set("counted", rec.Counted)
			_ = o.Set("phase", rec.Phase)
			_ = o.Set("withdrawn", rec.Withdrawn)
			return o
		}, nil
	})
}

// phaseResultToJS converts an arrive's result into a plain JS object.
func phaseResultToJS(rt *sobek.Runtime, r barrier.PhaseResult) *sobek.Object {
	o := rt.NewObject()
	_ = o.Set("outcome", string(r.Outcome))
	_ = o.Set("name", r.Name)
	_ = o.Set("phase", r.Phase)
	_ = o.Set("arrived", r.Arrived)
	_ = o.Set("parties", r.Parties)
	_ = o.Set("quorum", r.Quorum)
	_ = o.Set("left", r.Left)
	_ = o.Set("waitedMs", millis(r.Waited))
	_ = o.Set("missing", idsToJS(rt, r.Missing))
	_ = o.Set("missingCount", r.MissingCount)
	if r.Reason != "" {
		_ = o.Set("reason", r.Reason)
		_ = o.Set("failedBy", r.FailedBy)
	}
	if r.Lost != "" {
		_ = o.Set("lost", r.Lost)
	}
	return o
}

// parseArriveQuorum reads arrive()'s quorum: a count (1..parties) or a percentage of the parties
// such as '80%' (more than 0; the core checks its bounds).
func parseArriveQuorum(r *jsopts.Reader, parties int, o *jsArriveOptions) error {
	qv := r.Get("quorum")
	if qv == nil {
		return nil
	}
	if s, ok := jsopts.AsString(qv); ok {
		text, isPct := strings.CutSuffix(strings.TrimSpace(s), "%")
		pct, err := strconv.ParseFloat(text, 64)
		if !isPct || err != nil || !(pct > 0) { // 0 would read as "not given"
			return r.Errorf("option quorum must be a whole number 1..%d or a percentage of the parties such as '80%%' "+
				"(more than 0%%, at most 100%%), got %s", parties, jsopts.Describe(qv))
		}
		o.QuorumPercent = pct
		return nil
	}
	if err := positive(r, "quorum", fmt.Sprintf("it is how many arrivals release a phase, 1..%d or a percentage "+
		"such as '80%%' (omit it for all parties still taking part)", parties)); err != nil {
		return err
	}
	var err error
	o.Quorum, _, err = r.Integer("quorum")
	return err
}
