package barrier

import (
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/grafana/sobek"

	"go.k6.io/k6/v2/js/common"
)

// EnvRunID is the environment variable that gives runId when the option is omitted.
const EnvRunID = "K6_BARRIER_RUN_ID"

var (
	constructorOptions = []string{"name", "parties", "redis", "runId", "ttl", "keyPrefix"}
	waitOptions        = []string{"timeout", "maxFailures", "quorum", "progress"}
)

// DefaultProgress is how often a waiting barrier logs its progress unless told otherwise.
const DefaultProgress = 10 * time.Second

// optionReader reads one JS options object and names the option in every error.
type optionReader struct {
	rt   *sobek.Runtime
	what string // "new Barrier()" or "barrier default: wait()"
	obj  *sobek.Object
}

// newOptionReader checks that v is an object (or nullish, when optional) with only known keys.
func newOptionReader(rt *sobek.Runtime, what string, v sobek.Value, known []string, required bool) (*optionReader, error) {
	r := &optionReader{rt: rt, what: what}
	if common.IsNullish(v) {
		if required {
			return nil, fmt.Errorf("%s: options are required, e.g. { parties: 1000 }", what)
		}
		return r, nil
	}
	obj, isObj := v.(*sobek.Object)
	if !isObj || isFunction(v) || obj.ClassName() == "Array" {
		return nil, fmt.Errorf("%s: options must be an object, got %s", what, describe(v))
	}
	r.obj = obj
	for _, key := range r.obj.Keys() {
		if !contains(known, key) {
			return nil, fmt.Errorf("%s: unknown option %q%s (known options: %s)",
				what, key, suggest(key, known), strings.Join(known, ", "))
		}
	}
	return r, nil
}

func (r *optionReader) get(key string) sobek.Value {
	if r.obj == nil {
		return nil
	}
	v := r.obj.Get(key)
	if common.IsNullish(v) {
		return nil
	}
	return v
}

func (r *optionReader) string(key string) (string, error) {
	v := r.get(key)
	if v == nil {
		return "", nil
	}
	s, ok := v.Export().(string)
	if !ok {
		return "", fmt.Errorf("%s: option %s must be a string, got %s", r.what, key, describe(v))
	}
	return s, nil
}

// integer reads a whole number option; set reports whether it was given.
func (r *optionReader) integer(key string) (n int, set bool, err error) {
	v := r.get(key)
	if v == nil {
		return 0, false, nil
	}
	f, ok := toFloat(v)
	if !ok || f != math.Trunc(f) || math.IsInf(f, 0) || math.Abs(f) > 1<<53 {
		return 0, true, fmt.Errorf("%s: option %s must be a whole number, got %s", r.what, key, describe(v))
	}
	return int(f), true, nil
}

func (r *optionReader) duration(key string) (d time.Duration, set bool, err error) {
	v := r.get(key)
	if v == nil {
		return 0, false, nil
	}
	d, err = parseDuration(v)
	if err != nil {
		return 0, true, fmt.Errorf("%s: option %s: %w", r.what, key, err)
	}
	return d, true, nil
}

// parseDuration accepts a number of milliseconds or a duration string such as "500ms", "30s",
// "5m", "1h30m" or "2d".
func parseDuration(v sobek.Value) (time.Duration, error) {
	if f, ok := toFloat(v); ok {
		if f < 0 || math.IsNaN(f) || math.IsInf(f, 0) {
			return 0, fmt.Errorf("invalid duration %s: use a number of milliseconds >= 0 or a string like \"30s\", \"5m\", \"24h\"", v)
		}
		return time.Duration(f * float64(time.Millisecond)), nil
	}
	s, ok := v.Export().(string)
	if !ok {
		return 0, fmt.Errorf("invalid duration %s: use a string like \"30s\", \"5m\", \"24h\" or a number of milliseconds", describe(v))
	}
	d, err := parseDurationString(s)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("invalid duration %q: use a string like \"30s\", \"5m\", \"24h\" or a number of milliseconds", s)
	}
	return d, nil
}

func parseDurationString(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if days, rest, ok := strings.Cut(s, "d"); ok && days != "" {
		n, err := strconv.ParseUint(days, 10, 16)
		if err != nil {
			return 0, err
		}
		d := time.Duration(n) * 24 * time.Hour
		if rest == "" {
			return d, nil
		}
		more, err := time.ParseDuration(rest)
		return d + more, err
	}
	if n, err := strconv.ParseFloat(s, 64); err == nil { // a bare number in a string: milliseconds
		return time.Duration(n * float64(time.Millisecond)), nil
	}
	return time.ParseDuration(s)
}

// parseBarrierOptions reads the options of new Barrier(options). lookupEnv gives K6_BARRIER_RUN_ID.
func parseBarrierOptions(rt *sobek.Runtime, v sobek.Value, lookupEnv func(string) (string, bool)) (Options, error) {
	const what = "new Barrier()"
	var o Options
	r, err := newOptionReader(rt, what, v, constructorOptions, true)
	if err != nil {
		return o, err
	}
	if o.Name, err = r.string("name"); err != nil {
		return o, err
	}
	parties, set, err := r.integer("parties")
	if err != nil {
		return o, err
	}
	if !set {
		return o, fmt.Errorf("%s: option parties is required: the number of participants expected across all k6 instances, e.g. { parties: 1000 }", what)
	}
	if parties < 1 {
		return o, fmt.Errorf("%s: option parties must be at least 1 (the number of participants expected), got %d", what, parties)
	}
	o.Parties = parties
	if o.Redis, err = r.string("redis"); err != nil {
		return o, err
	}
	if o.RunID, err = r.string("runId"); err != nil {
		return o, err
	}
	if o.RunID == "" && lookupEnv != nil {
		if id, ok := lookupEnv(EnvRunID); ok {
			o.RunID = id
		}
	}
	if o.TTL, _, err = r.duration("ttl"); err != nil {
		return o, err
	}
	if o.KeyPrefix, err = r.string("keyPrefix"); err != nil {
		return o, err
	}
	o = o.WithDefaults()
	return o, o.Validate()
}

// parseWaitOptions reads the options of barrier.wait(options). progress is DefaultProgress unless
// given; false or 0 turns it off.
func parseWaitOptions(rt *sobek.Runtime, name string, v sobek.Value) (w WaitOptions, progress time.Duration, err error) {
	what := "barrier " + name + ": wait()"
	r, err := newOptionReader(rt, what, v, waitOptions, false)
	if err != nil {
		return w, 0, err
	}
	if w.Timeout, _, err = r.duration("timeout"); err != nil {
		return w, 0, err
	}
	n, set, err := r.integer("maxFailures")
	if err != nil {
		return w, 0, err
	}
	if set && n < 0 {
		return w, 0, fmt.Errorf("%s: option maxFailures must be 0 or more, got %d", what, n)
	}
	w.MaxFailures = n
	n, set, err = r.integer("quorum")
	if err != nil {
		return w, 0, err
	}
	if set && n < 1 {
		return w, 0, fmt.Errorf("%s: option quorum must be at least 1, got %d", what, n)
	}
	w.Quorum = n
	progress = DefaultProgress
	if pv := r.get("progress"); pv != nil {
		if b, isBool := pv.Export().(bool); isBool {
			if b {
				return w, 0, fmt.Errorf("%s: option progress must be a duration (e.g. \"10s\") or false, got true", what)
			}
			progress = 0
		} else if progress, _, err = r.duration("progress"); err != nil {
			return w, 0, err
		}
	}
	return w, progress, nil
}

// participantID converts a join/fail id argument: a whole number >= 0 or a non-empty string.
func participantID(v sobek.Value) (string, error) {
	if f, ok := toFloat(v); ok {
		if f != math.Trunc(f) || f < 0 || f > 1<<53 {
			return "", fmt.Errorf("id must be a whole number >= 0 or a non-empty string, got %s", v)
		}
		return strconv.FormatInt(int64(f), 10), nil
	}
	s, ok := v.Export().(string)
	if !ok {
		return "", fmt.Errorf("id must be a whole number >= 0 or a non-empty string, got %s", describe(v))
	}
	return s, ValidateID(s)
}

// toFloat returns v's number when v is a JS number (not a numeric string).
func toFloat(v sobek.Value) (float64, bool) {
	switch n := v.Export().(type) {
	case int64:
		return float64(n), true
	case float64:
		return n, true
	}
	return 0, false
}

func isFunction(v sobek.Value) bool {
	_, ok := sobek.AssertFunction(v)
	return ok
}

// describe names v's JS type and value for an error message.
func describe(v sobek.Value) string {
	switch {
	case v == nil || sobek.IsUndefined(v):
		return "undefined"
	case sobek.IsNull(v):
		return "null"
	case isFunction(v):
		return "a function"
	}
	switch x := v.Export().(type) {
	case string:
		return fmt.Sprintf("the string %q", x)
	case bool:
		return fmt.Sprintf("the boolean %v", x)
	case int64, float64:
		return "the number " + v.String()
	case []any:
		return "an array"
	}
	return "an object"
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// suggest returns `: did you mean "x"?` for a key close to a known option (same letters ignoring
// case, or one edit away).
func suggest(key string, known []string) string {
	best, bestDist := "", 3
	for _, k := range known {
		if strings.EqualFold(k, key) {
			return fmt.Sprintf(": did you mean %q?", k)
		}
		if d := editDistance(strings.ToLower(k), strings.ToLower(key)); d < bestDist {
			best, bestDist = k, d
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf(": did you mean %q?", best)
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// lookupEnv returns the VU's environment lookup: k6's, else the process's.
func lookupEnvOf(f func(string) (string, bool)) func(string) (string, bool) {
	if f != nil {
		return f
	}
	return os.LookupEnv
}
