package jsbarrier

import (
	"fmt"
	"math"
	"os"
	"strconv"
	"time"

	"github.com/grafana/sobek"

	"github.com/xk6-barrier/xk6-barrier/internal/jsopts"

	"github.com/xk6-barrier/xk6-barrier/barrier"
)

// DefaultProgress is how often a waiting barrier logs its progress unless told otherwise.
const DefaultProgress = 10 * time.Second

var (
	constructorOptions = []string{"name", "parties", "redis", "runId", "ttl", "keyPrefix"}
	waitOptions        = []string{"timeout", "maxFailures", "quorum", "progress", "abortOnFail"}
)

// parseBarrierOptions reads the options of new Barrier(options). lookupEnv gives K6_BARRIER_RUN_ID.
func parseBarrierOptions(v sobek.Value, lookupEnv func(string) (string, bool)) (barrier.Options, error) {
	var o barrier.Options
	r, err := jsopts.NewReader("new Barrier()", v, constructorOptions, true)
	if err != nil {
		return o, fmt.Errorf("%w, e.g. { parties: 1000 }", err)
	}
	if o.Name, err = r.String("name"); err != nil {
		return o, err
	}
	parties, set, err := r.IntegerIn("parties", 1, barrier.MaxParties)
	switch {
	case err != nil:
		return o, err
	case !set:
		return o, r.Errorf("option parties is required: the number of participants expected across all k6 instances, e.g. { parties: 1000 }")
	}
	o.Parties = parties
	if o.Redis, err = r.String("redis"); err != nil {
		return o, err
	}
	if o.RunID, err = r.String("runId"); err != nil {
		return o, err
	}
	if o.RunID == "" && lookupEnv != nil {
		if id, ok := lookupEnv(barrier.EnvRunID); ok {
			o.RunID = id
		}
	}
	if o.TTL, _, err = r.DurationIn("ttl", barrier.MinTTL, barrier.MaxDuration); err != nil {
		return o, err
	}
	if o.KeyPrefix, err = r.String("keyPrefix"); err != nil {
		return o, err
	}
	o = o.WithDefaults()
	return o, o.Validate()
}

// jsWaitOptions are the options of barrier.wait(options): the core's, and what only the binding does.
type jsWaitOptions struct {
	barrier.WaitOptions
	// progress is the interval of the progress log lines (0: none).
	progress time.Duration
	// abortOnFail aborts the whole test (as exec.test.abort()) on outcome failed or timeout.
	abortOnFail bool
}

// parseWaitOptions reads the options of barrier.wait(options) of a barrier of parties. progress is
// DefaultProgress unless given; false or 0 turns it off. Every bound is checked here, so that a bad
// option throws at the call.
func parseWaitOptions(name string, parties int, v sobek.Value) (jsWaitOptions, error) {
	r, err := jsopts.NewReader("barrier "+name+": wait()", v, waitOptions, false)
	if err != nil {
		return jsWaitOptions{}, err
	}
	abort, _, err := r.Bool("abortOnFail")
	if err != nil {
		return jsWaitOptions{}, err
	}
	w, progress, err := parseCoreWaitOptions(r, parties)
	return jsWaitOptions{WaitOptions: w, progress: progress, abortOnFail: abort}, err
}

// parseCoreWaitOptions reads the wait options that the core takes, and progress.
func parseCoreWaitOptions(r *jsopts.Reader, parties int) (w barrier.WaitOptions, progress time.Duration, err error) {
	if pv := r.Get("timeout"); pv != nil {
		if f, ok := jsopts.Number(pv); ok && f == 0 {
			return w, 0, r.Errorf("option timeout must be more than 0: the timeout is the wait's hard stop " +
				"(omit it to wait until the VU's context ends, which k6's gracefulStop bounds); at most 7d, e.g. '5m'")
		}
	}
	if w.Timeout, _, err = r.DurationIn("timeout", time.Millisecond, barrier.MaxDuration); err != nil {
		return w, 0, err
	}
	if w.MaxFailures, _, err = r.IntegerIn("maxFailures", 0, parties); err != nil {
		return w, 0, err
	}
	if w.Quorum, _, err = r.IntegerIn("quorum", 1, parties); err != nil {
		return w, 0, err
	}
	progress = DefaultProgress
	if pv := r.Get("progress"); pv != nil {
		if on, isBool := pv.Export().(bool); isBool {
			if on {
				return w, 0, r.Errorf("option progress must be a duration (e.g. \"10s\") or false, got true")
			}
			return w, 0, nil
		}
	}
	if pv := r.Get("progress"); pv != nil {
		if f, ok := jsopts.Number(pv); ok && f == 0 {
			return w, 0, nil
		}
	}
	if d, set, err := r.DurationIn("progress", barrier.MinProgress, barrier.MaxDuration); err != nil {
		return w, 0, err
	} else if set {
		progress = d
	}
	return w, progress, nil
}

// participantID converts a join/fail id argument: an integer in 1..parties.
func participantID(v sobek.Value, parties int) (string, error) {
	f, ok := jsopts.Number(v)
	if !ok || f != math.Trunc(f) || f < 1 || f > float64(parties) {
		return "", fmt.Errorf("id must be an integer in 1..%d (the barrier counts the ids 1..parties), got %s: %s",
			parties, jsopts.Describe(v), barrier.IDRule(parties))
	}
	return strconv.FormatInt(int64(f), 10), nil
}

// lookupEnvOf returns the VU's environment lookup: k6's, else the process's.
func lookupEnvOf(f func(string) (string, bool)) func(string) (string, bool) {
	if f != nil {
		return f
	}
	return os.LookupEnv
}
