package barrier

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/xk6-barrier/xk6-barrier/internal/durfmt"
)

// EnvRunID is the environment variable that gives runId when the option is omitted (read by the
// JS binding and the `k6 x barrier` command, not by this package).
const EnvRunID = "K6_BARRIER_RUN_ID"

// Defaults of Options and WaitOptions.
const (
	DefaultName      = "default"
	DefaultTTL       = 24 * time.Hour
	DefaultKeyPrefix = "K6_BARRIER"

	// MaxParties bounds option parties: a mistaken huge count is an error rather than a barrier
	// that can never be met.
	MaxParties = 10_000_000
	// MaxDuration bounds every duration option (ttl, and the wait's timeout and progress).
	MaxDuration = 7 * 24 * time.Hour
	// MinTTL is the shortest ttl.
	MinTTL = time.Second

	// MaxMissing is how many never-accounted ids a Result lists at most.
	MaxMissing = 20
)

// Options configure a Barrier. The zero value of a field means its default.
// Field names follow the JS options (name, parties, redis, runId, ttl,
// keyPrefix) and errors name those.
type Options struct {
	// Name tells barriers of one run apart. Default "default".
	Name string
	// Parties is how many participants are expected across all instances.
	// Required, at least 1.
	Parties int
	// Redis is the Redis URL: redis://, rediss:// (TLS), with optional
	// user:password@ and /db; redis+cluster:// or rediss+cluster:// with
	// comma-separated host:port seeds for a Redis Cluster;
	// redis+sentinel://host:port[,host:port]/<master-name> for the primary
	// that these Sentinels watch. Empty means the in-process backend.
	Redis string
	// RunID scopes all keys to one test run; every instance of a run must use
	// the same. Required with Redis; optional in-process.
	RunID string
	// TTL is the expiry set on every key the barrier writes. Default 24h.
	TTL time.Duration
	// KeyPrefix starts every key name. Default "K6_BARRIER".
	KeyPrefix string
}

var (
	reasonPattern = regexp.MustCompile(`^[a-z][a-z0-9_]{0,31}$`)
	namePattern   = regexp.MustCompile(`^[A-Za-z0-9_.:-]{1,64}$`)
	prefixPattern = regexp.MustCompile(`^[A-Za-z0-9_.:-]{1,64}$`)
)

// WithDefaults returns o with defaults filled in for zero fields.
func (o Options) WithDefaults() Options {
	if o.Name == "" {
		o.Name = DefaultName
	}
	if o.TTL == 0 {
		o.TTL = DefaultTTL
	}
	if o.KeyPrefix == "" {
		o.KeyPrefix = DefaultKeyPrefix
	}
	return o
}

// Validate checks o (after WithDefaults) and returns an error naming the
// first bad option and how to fix it. It does no I/O. New checks the same.
func (o Options) Validate() error {
	o = o.WithDefaults()
	if err := o.validate(); err != nil {
		return err
	}
	if o.Redis != "" {
		if _, err := parseRedisURL(o.Redis); err != nil {
			return fmt.Errorf("barrier %s: option redis: %w", o.Name, err)
		}
	}
	return nil
}

// validate checks o, whose defaults are filled in, except its Redis URL: New parses that once,
// when it makes (or finds) the URL's shared client.
func (o Options) validate() error {
	switch {
	case !namePattern.MatchString(o.Name):
		return fmt.Errorf("barrier: option name %q is invalid: use 1 to 64 letters, digits, '_', '.', ':' or '-'", o.Name)
	case ValidateParties(o.Parties) != nil:
		return fmt.Errorf("barrier %s: option %w", o.Name, ValidateParties(o.Parties))
	case o.TTL < MinTTL || o.TTL > MaxDuration:
		return fmt.Errorf(
			"barrier %s: option ttl must be at least %s and at most %s, got %s (e.g. '24h')",
			o.Name, durfmt.Format(MinTTL), durfmt.Format(MaxDuration), durfmt.Format(o.TTL))
	case !prefixPattern.MatchString(o.KeyPrefix):
		return fmt.Errorf(
			"barrier %s: option keyPrefix %q is invalid: use 1 to 64 letters, digits, '_', '.', ':' or '-'",
			o.Name, o.KeyPrefix)
	case o.Redis != "" && o.RunID == "":
		return fmt.Errorf("barrier %s: option %w: give every instance of the run the same id "+
			"(e.g. -e K6_BARRIER_RUN_ID=$(date +%%s))", o.Name, ErrRunIDRequired)
	case o.RunID != "" && ValidateRunID(o.RunID) != nil:
		return fmt.Errorf("barrier %s: option %w", o.Name, ValidateRunID(o.RunID))
	}
	return nil
}

// MaxRunIDLength is how many characters (not bytes) a run id has at most.
const MaxRunIDLength = 128

// ErrRunIDRequired is the error of a barrier on Redis without a run id: the run id is the
// namespace of its keys, shared by every k6 instance of the run. The JS binding and k6 x barrier
// say it with these words.
var ErrRunIDRequired = errors.New("runId is required with redis")

// ValidateParties returns an error unless n is a valid number of parties: 1..MaxParties. Its message
// starts with "parties", for callers to name the option or flag.
func ValidateParties(n int) error {
	if n < 1 || n > MaxParties {
		return fmt.Errorf(
			"parties must be at least 1 and at most %d, got %d (the number of participants expected)",
			MaxParties, n)
	}
	return nil
}

// ValidateQuorum returns an error unless q is a valid quorum of a barrier of parties: 1..parties,
// or 1..MaxParties when parties is 0 (unknown). Its message starts with "quorum". A quorum of 0,
// where an option takes it as "all parties", is the caller's to accept before asking.
func ValidateQuorum(q, parties int) error {
	limit := partiesOrMax(parties)
	if q < 1 || q > limit {
		return fmt.Errorf("quorum must be at least 1 and at most %d, got %d (at most parties)", limit, q)
	}
	return nil
}

// ValidateMaxFailures returns an error unless n is a valid failure budget of a barrier of parties:
// 0..parties, or 0..MaxParties when parties is 0 (unknown). Its message starts with "maxFailures".
func ValidateMaxFailures(n, parties int) error {
	limit := partiesOrMax(parties)
	if n < 0 || n > limit {
		return fmt.Errorf("maxFailures must be at least 0 and at most %d, got %d (at most parties)", limit, n)
	}
	return nil
}

// ValidateRunID returns an error unless id is a valid run id: at most MaxRunIDLength characters
// (Unicode characters, not bytes), no '{' or '}', no leading or trailing space. Its message
// starts with "runId".
func ValidateRunID(id string) error {
	if strings.ContainsAny(id, "{}") || strings.TrimSpace(id) != id || utf8.RuneCountInString(id) > MaxRunIDLength {
		return fmt.Errorf(
			"runId %q is invalid: at most %d characters, no '{' or '}', no leading or trailing space",
			id, MaxRunIDLength)
	}
	return nil
}

// ValidateReason returns an error unless reason is a valid failure reason:
// a lower-case letter, then up to 31 lower-case letters, digits or '_'.
func ValidateReason(reason string) error {
	if !reasonPattern.MatchString(reason) {
		return fmt.Errorf(
			"invalid failure reason %q: use a lower-case letter then up to 31 lower-case letters, digits or '_' (e.g. "+
				"'login', 'sse_connect')",
			reason)
	}
	return nil
}

// ErrInvalidID is wrapped by the error of a participant id that a barrier does not count (see
// ValidateID).
var ErrInvalidID = errors.New("invalid participant id")

// ValidateID returns an error unless id is a participant id the barrier
// counts: an integer in 1..parties, in decimal without sign or leading zero.
// The barrier names the ids it misses as 1..parties, so an id outside them
// could count toward it and never be named.
func ValidateID(id string, parties int) error {
	n, err := strconv.Atoi(id)
	if err != nil || n < 1 || n > parties || strconv.Itoa(n) != id {
		return fmt.Errorf(
			"%w %q: the barrier counts the ids 1..%d (its parties): %s",
			ErrInvalidID, truncate(id, 40), parties, IDRule(parties))
	}
	return nil
}

// IDRule says which participant ids a barrier of parties counts and how to pass one, for the
// messages of this package and of its callers.
func IDRule(parties int) string {
	return fmt.Sprintf("pass an integer in 1..%d, or omit the id to use the VU's number within its "+
		"scenario (parties must then be the VUs of the scenarios that omit it)", parties)
}

// truncate keeps the first n bytes of s, never cutting a character in two.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "..."
}

// WaitOptions configure one Wait. The zero value waits for all parties with
// no failure allowed and no timeout other than the context's.
type WaitOptions struct {
	// Timeout ends the wait with outcome timeout. 0: none (only the context); else at least
	// 1ms and at most MaxDuration.
	Timeout time.Duration
	// MaxFailures is how many failed participants are tolerated. Default 0.
	MaxFailures int
	// Quorum is how many joined participants release the wait, 1..Parties.
	// 0 means Parties.
	Quorum int
	// Progress, when > 0 and OnProgress is set, calls OnProgress with the
	// current status (Outcome pending) at that interval while waiting; at
	// most MaxDuration. However many waits of one barrier wait in a process,
	// one of them (the oldest, at its interval) reports per interval.
	Progress time.Duration
	// OnProgress receives progress; it runs on the waiting goroutine, so it
	// should be quick.
	OnProgress func(Result)
}

// Validate checks w against the barrier's options o, as Wait does before it
// starts: every error states the option's bounds.
func (w WaitOptions) Validate(o Options) error {
	_, err := w.resolve(o)
	return err
}

// resolve validates w against the barrier's options and fills defaults.
func (w WaitOptions) resolve(o Options) (WaitOptions, error) {
	if w.Quorum == 0 {
		w.Quorum = o.Parties
	}
	switch {
	case w.Timeout < 0 || (w.Timeout > 0 && w.Timeout < time.Millisecond) || w.Timeout > MaxDuration:
		return w, fmt.Errorf(
			"barrier %s: wait option timeout must be at least 1ms and at most %s, got %s (0: none)",
			o.Name, durfmt.Format(MaxDuration), durfmt.Format(w.Timeout))
	case ValidateMaxFailures(w.MaxFailures, o.Parties) != nil:
		return w, fmt.Errorf("barrier %s: wait option %w", o.Name, ValidateMaxFailures(w.MaxFailures, o.Parties))
	case ValidateQuorum(w.Quorum, o.Parties) != nil:
		return w, fmt.Errorf("barrier %s: wait option %w", o.Name, ValidateQuorum(w.Quorum, o.Parties))
	case w.Progress < 0 || w.Progress > MaxDuration:
		return w, fmt.Errorf(
			"barrier %s: wait option progress must be at least 0 (none) and at most %s, got %s",
			o.Name, durfmt.Format(MaxDuration), durfmt.Format(w.Progress))
	}
	return w, nil
}

// partiesOrMax is parties, or MaxParties when parties is 0 (not known).
func partiesOrMax(parties int) int {
	if parties == 0 {
		return MaxParties
	}
	return parties
}
