package jsbarrier

import (
	"errors"
	"fmt"
	"math"
	"os"
	"strconv"
	"time"

	"github.com/grafana/sobek"

	"github.com/xk6-barrier/xk6-barrier/barrier"
	"github.com/xk6-barrier/xk6-barrier/internal/durfmt"
	"github.com/xk6-barrier/xk6-barrier/internal/jsopts"
)

const (
	// DefaultProgress is how often a waiting barrier logs its progress unless told otherwise.
	DefaultProgress = 10 * time.Second
	// MinProgress is the shortest progress interval a script may give (the core takes any), so
	// that a number of milliseconds given by mistake does not flood the log.
	MinProgress = time.Second
)

// constructorOptions are the options new Barrier() takes; another is an error.
func constructorOptions() []string {
	return []string{"name", "parties", "redis", "runId", "ttl", "keyPrefix"}
}

// waitOptions are the options wait() takes.
func waitOptions() []string {
	return []string{"timeout", "maxFailures", "quorum", "progress", "abortOnFail"}
}

// parseBarrierOptions converts the options of new Barrier(options) into the core's Options, which
// barrier.New checks. lookupEnv gives K6_BARRIER_RUN_ID.
func parseBarrierOptions(v sobek.Value, lookupEnv func(string) (string, bool)) (barrier.Options, error) {
	var o barrier.Options
	r, err := jsopts.NewReader("new Barrier()", v, constructorOptions(), true)
	if err != nil {
		return o, fmt.Errorf("%w, e.g. { parties: 1000 }", err)
	}
	if o.Name, err = r.String("name"); err != nil {
		return o, err
	}
	parties, set, err := r.Integer("parties")
	switch {
	case err != nil:
		return o, err
	case !set: // the core's zero value means none given, which JS says as it is
		return o, r.Errorf("option parties is required: the number of participants expected across all k6 instances, e.g. " +
			"{ parties: 1000 }")
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
	if o.TTL, err = durationAtLeast(r, "ttl", barrier.MinTTL, barrier.MaxDuration,
		"it is the expiry of every key the barrier writes (omit it for "+durfmt.Format(barrier.DefaultTTL)+"), e.g. "+
			"'24h'"); err != nil {
		return o, err
	}
	if o.KeyPrefix, err = r.String("keyPrefix"); err != nil {
		return o, err
	}
	return o, nil
}

// duration reads a duration option. The core checks its bounds lo..hi; they are named here only
// for a value beyond any time.Duration, which cannot reach the core.
func duration(r *jsopts.Reader, key string, lo, hi time.Duration) (time.Duration, bool, error) {
	d, set, err := r.Duration(key)
	if errors.Is(err, jsopts.ErrDurationTooLarge) {
		return 0, true, r.Errorf("option %s must be at least %s and at most %s, got %s",
			key, durfmt.Format(lo), durfmt.Format(hi), jsopts.Describe(r.Get(key)))
	}
	return d, set, err
}

// durationAtLeast reads a duration option that, when given, must be lo..hi: a value below lo,
// 0 included ('0s', '0', 1e-7), gets the same TypeError, since the core reads 0 as "not given"
// (in JavaScript, leaving the option out is how to say that). what says what the option is.
func durationAtLeast(r *jsopts.Reader, key string, lo, hi time.Duration, what string) (time.Duration, error) {
	d, set, err := duration(r, key, lo, hi)
	if err != nil || !set {
		return d, err
	}
	if d < lo {
		return 0, r.Errorf("option %s must be at least %s and at most %s: %s; got %s",
			key, durfmt.Format(lo), durfmt.Format(hi), what, jsopts.Describe(r.Get(key)))
	}
	return d, nil
}

// positive refuses an option given as 0 where the core reads 0 as "not given": in JavaScript,
// leaving the option out is how to say that. what says what the option is and takes.
func positive(r *jsopts.Reader, key, what string) error {
	if pv := r.Get(key); pv != nil {
		if f, ok := jsopts.Number(pv); ok && f == 0 {
			return r.Errorf("option %s must be more than 0: %s", key, what)
		}
	}
	return nil
}

// jsWaitOptions are the options of barrier.wait(options): the core's, and what only the binding does.
type jsWaitOptions struct {
	barrier.WaitOptions
	// abortOnFail aborts the whole test (as exec.test.abort()) on outcome failed or timeout; it is
	// the default, since a barrier not met is a run that did not test what it meant to
	// (abortOnFail: false rejects instead).
	abortOnFail bool
}

// parseWaitOptions converts the options of barrier.wait(options) of a barrier of parties; the core
// checks them (Barrier.PrepareWait). Progress is DefaultProgress unless given; false or 0 turns it
// off, and the binding keeps it at MinProgress or more, so that a number of milliseconds given by
// mistake does not flood the log.
func parseWaitOptions(name string, parties int, v sobek.Value) (jsWaitOptions, error) {
	var o jsWaitOptions
	r, err := jsopts.NewReader("barrier "+name+": wait()", v, waitOptions(), false)
	if err != nil {
		return o, err
	}
	abort, set, err := r.Bool("abortOnFail")
	if err != nil {
		return o, err
	}
	o.abortOnFail = abort || !set
	if o.Timeout, err = durationAtLeast(r, "timeout", time.Millisecond, barrier.MaxDuration,
		"the timeout is the wait's hard stop "+
			"(omit it to wait until the VU's context ends, which k6's gracefulStop bounds), e.g. '5m'"); err != nil {
		return o, err
	}
	if o.MaxFailures, _, err = r.Integer("maxFailures"); err != nil {
		return o, err
	}
	if err := positive(r, "quorum",
		fmt.Sprintf("it is how many joined participants release the wait, 1..%d (omit it for all parties)",
			parties)); err != nil {
		return o, err
	}
	if o.Quorum, _, err = r.Integer("quorum"); err != nil {
		return o, err
	}
	o.Progress, err = progress(r)
	return o, err
}

// progress reads the wait option progress: DefaultProgress unless given, 0 for false or 0.
func progress(r *jsopts.Reader) (time.Duration, error) {
	pv := r.Get("progress")
	if pv == nil {
		return DefaultProgress, nil
	}
	if on, isBool := pv.Export().(bool); isBool {
		if on {
			return 0, r.Errorf("option progress must be a duration (e.g. \"10s\") or false, got true")
		}
		return 0, nil
	}
	if f, ok := jsopts.Number(pv); ok && f == 0 {
		return 0, nil
	}
	d, _, err := duration(r, "progress", MinProgress, barrier.MaxDuration)
	if err != nil {
		return 0, err
	}
	if d < MinProgress {
		return 0, r.Errorf("option progress must be at least %s and at most %s, got %s",
			durfmt.Format(MinProgress), durfmt.Format(barrier.MaxDuration), durfmt.Format(d))
	}
	return d, nil
}

// participantID converts a participant id argument, a whole number, to the core's form. Whether
// the barrier counts it is the core's to say (see idError).
func participantID(v sobek.Value) (string, bool) {
	f, ok := jsopts.Number(v)
	if !ok || math.IsNaN(f) || math.IsInf(f, 0) || f != math.Trunc(f) || math.Abs(f) > 1<<62 {
		return "", false
	}
	return strconv.FormatInt(int64(f), 10), true
}

// idError is the message for an id argument v that is not an id of a barrier of parties.
func idError(v sobek.Value, parties int) string {
	return fmt.Sprintf("id must be an integer in 1..%d (the barrier counts the ids 1..parties), got %s: %s",
		parties, jsopts.Describe(v), barrier.IDRule(parties))
}

// lookupEnvOf returns the VU's environment lookup: k6's, else the process's.
func lookupEnvOf(f func(string) (string, bool)) func(string) (string, bool) {
	if f != nil {
		return f
	}
	return os.LookupEnv
}
