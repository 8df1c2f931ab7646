package barrier

import (
	"strconv"
	"strings"
	"time"
)

// Outcome is how a wait settled, or the state a Status reports.
type Outcome string

// Outcomes. Wait returns OutcomeMet with a nil error, and the others in a
// *WaitError. Status reports OutcomePending, OutcomeMet or OutcomeFailed,
// judged with the default quorum (parties) and maxFailures (0).
const (
	OutcomeMet     Outcome = "met"
	OutcomeFailed  Outcome = "failed"
	OutcomeTimeout Outcome = "timeout"
	OutcomeAborted Outcome = "aborted"
	OutcomePending Outcome = "pending"
)

// Record tells what a Join or Fail did for its participant id.
type Record struct {
	// Counted is true when this call accounted the id (its first Join or
	// Fail); false when the id was accounted before and nothing changed.
	Counted bool
	// Previous says what was recorded before when Counted is false:
	// "joined" or "failed:<reason>". Empty when Counted.
	Previous string
}

// Result describes a barrier at one moment: a settled wait, a progress
// report, or a status.
type Result struct {
	Outcome  Outcome
	Name     string
	Joined   int
	Failed   int
	Failures map[string]int // failed participants per reason
	// Accounted is Joined + Failed.
	Accounted   int
	Parties     int
	Quorum      int
	MaxFailures int
	// Waited is how long the wait took; 0 for Status.
	Waited time.Duration
	// Missing lists up to MaxMissing ids in 1..Parties never accounted for,
	// ascending. Filled for status, progress and a wait that did not meet.
	Missing []int

	// Lost is set when the state the wait counted on is gone without a
	// reset (Redis restarted without persistence, its keys expired): a read
	// found another epoch, or none, and no reset's tombstone named the one
	// counted. It says which counts fell from what to what. A wait that saw
	// it settles failed with it.
	Lost string

	// ReadError is set when the last reads of a wait failed: the counts
	// above are then those of the last successful read (none when
	// NeverRead), and FailingSince is when reads began to fail.
	ReadError string
	// Failover is true when those reads fail because no master answers on a Redis Cluster or
	// behind Sentinel: ReadError then begins "redis <addr>: failover in progress".
	Failover     bool
	FailingSince time.Time
	FailingFor   time.Duration
	NeverRead    bool
}

// MissingCount is how many participants are not accounted for yet:
// Parties - Accounted, at least 0.
func (r Result) MissingCount() int {
	return max(0, r.Parties-r.Accounted)
}

// String is the one-line summary of r, for example
// "barrier default: met after 1.502s: joined 1000/1000, failed 0, missing 0".
func (r Result) String() string {
	return r.line(r.Waited, r.Lost)
}

// line formats r; after is shown as " after <d>" when non-zero, cause in
// parentheses after it.
func (r Result) line(after time.Duration, cause string) string {
	var b strings.Builder
	b.WriteString("barrier ")
	b.WriteString(r.Name)
	b.WriteString(": ")
	b.WriteString(string(r.Outcome))
	if after > 0 {
		b.WriteString(" after ")
		b.WriteString(roundDuration(after).String())
	}
	if cause != "" {
		b.WriteString(" (")
		b.WriteString(cause)
		b.WriteString(")")
	}
	if r.ReadError != "" && r.Failover {
		b.WriteString(": ")
		b.WriteString(r.ReadError) // says since when
		if r.NeverRead {
			b.WriteString("; no read succeeded yet, counts unknown")
			return b.String()
		}
		b.WriteString("; as of the last read")
	} else if r.ReadError != "" {
		b.WriteString(": reads failing since ")
		b.WriteString(r.FailingSince.Format("15:04:05"))
		b.WriteString(" (")
		b.WriteString(r.FailingFor.Round(100 * time.Millisecond).String())
		b.WriteString("): ")
		b.WriteString(r.ReadError)
		if r.NeverRead {
			b.WriteString("; no read succeeded yet, counts unknown")
			return b.String()
		}
		b.WriteString("; as of the last read")
	}
	b.WriteString(": ")
	b.WriteString(r.tally().String())
	return b.String()
}

// roundDuration rounds d for display: to the millisecond, or to the
// microsecond below one millisecond.
func roundDuration(d time.Duration) time.Duration {
	if d < time.Millisecond {
		return d.Round(time.Microsecond)
	}
	return d.Round(time.Millisecond)
}

// WaitError is the error of a wait that did not meet: outcome failed,
// timeout or aborted. Its Error is one line, for example
//
//	barrier default: timeout after 5m0s: joined 997/1000, failed 2 (login=2), missing 1 (734)
//	barrier default: failed after 2.1s (10 failures > maxFailures 0): joined 990/1000, failed 10 (login=10), missing 0
//	barrier default: failed after 2.1s (quorum 1000 unreachable): joined 989/1000, failed 1 (sse=1), missing 10 (3, ...)
//	barrier default: aborted after 12.5s (context canceled): joined 400/1000, failed 0, missing 600 (1, 2, ...)
type WaitError struct {
	Result Result
	// Timeout is the wait's timeout option (shown for outcome timeout).
	Timeout time.Duration
	// Cause is the context's error for outcome aborted, else nil.
	Cause error
}

// Error returns the one-line summary.
func (e *WaitError) Error() string {
	r := e.Result
	switch r.Outcome {
	case OutcomeTimeout:
		return r.line(e.Timeout, r.Lost)
	case OutcomeFailed:
		return r.line(r.Waited, failedCause(r))
	case OutcomeAborted:
		cause := ""
		if e.Cause != nil {
			cause = e.Cause.Error()
		}
		return r.line(r.Waited, cause)
	default:
		return r.line(r.Waited, "")
	}
}

// Unwrap returns Cause, so errors.Is(err, context.Canceled) works.
func (e *WaitError) Unwrap() error { return e.Cause }

// failedCause says why a wait failed.
func failedCause(r Result) string {
	if r.Lost != "" {
		return r.Lost
	}
	if r.Failed > r.MaxFailures {
		noun := "failures"
		if r.Failed == 1 {
			noun = "failure"
		}
		return strconv.Itoa(r.Failed) + " " + noun + " > maxFailures " + strconv.Itoa(r.MaxFailures)
	}
	return "quorum " + strconv.Itoa(r.Quorum) + " unreachable"
}

// decide judges counts against a quorum and a failure budget: met, failed,
// or pending.
func decide(c counts, parties, quorum, maxFailures int) Outcome {
	switch {
	case c.failed > maxFailures:
		return OutcomeFailed
	case c.joined >= quorum:
		return OutcomeMet
	case c.joined+max(0, parties-c.joined-c.failed) < quorum:
		return OutcomeFailed
	default:
		return OutcomePending
	}
}
