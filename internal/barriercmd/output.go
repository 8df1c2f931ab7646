package barriercmd

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/xk6-barrier/xk6-barrier/barrier"
)

// snapshotJSON is the --json form of one barrier (status, each watch line, each list entry).
// Numbers that are unknown (parties a barrier never recorded) are null.
type snapshotJSON struct {
	Found        bool           `json:"found"`
	RunID        string         `json:"runId"`
	Name         string         `json:"name"`
	KeyPrefix    string         `json:"keyPrefix"`
	Redis        string         `json:"redis"`
	Outcome      string         `json:"outcome,omitempty"`
	Released     *bool          `json:"released,omitempty"`
	ReleasedAt   *time.Time     `json:"releasedAt,omitempty"`
	Parties      *int           `json:"parties,omitempty"`
	PartiesFrom  string         `json:"partiesFrom,omitempty"`
	Quorum       *int           `json:"quorum,omitempty"`
	MaxFailures  *int           `json:"maxFailures,omitempty"`
	Joined       *int           `json:"joined,omitempty"`
	Failed       *int           `json:"failed,omitempty"`
	Failures     map[string]int `json:"failures,omitempty"`
	Accounted    *int           `json:"accounted,omitempty"`
	MissingCount *int           `json:"missingCount,omitempty"`
	Missing      []int          `json:"missing,omitempty"`
	CreatedAt    *time.Time     `json:"createdAt,omitempty"`
	TTLMs        *int64         `json:"ttlMs,omitempty"`
	Phase        *phaseJSON     `json:"phase,omitempty"`
	Keys         []keyJSON      `json:"keys,omitempty"`
	Time         *time.Time     `json:"time,omitempty"`
	// Error says why list could not read this barrier (a key of another type under its name).
	Error string `json:"error,omitempty"`
}

// phaseJSON is the rendezvous's state of a barrier used with arrive(): the current phase, its
// arrivals, the arrivals that release it (null when the parties are unknown), who left, and how the
// last phase settled (the fields of arrive()'s result).
type phaseJSON struct {
	Current int64 `json:"current"`
	Arrived int   `json:"arrived"`
	Needed  *int  `json:"needed"`
	Left    int   `json:"left"`
	// Instances is how many k6 instances hold a live lease on the rendezvous.
	Instances int            `json:"instances"`
	Last      *lastPhaseJSON `json:"last,omitempty"`
}

type lastPhaseJSON struct {
	Phase        int64     `json:"phase"`
	Outcome      string    `json:"outcome"`
	Arrived      int       `json:"arrived"`
	Quorum       int       `json:"quorum"`
	Parties      int       `json:"parties"`
	Left         int       `json:"left"`
	SettledAt    time.Time `json:"settledAt"`
	MissingCount int       `json:"missingCount"`
	Missing      []int     `json:"missing,omitempty"`
	Reason       string    `json:"reason,omitempty"`
	FailedBy     string    `json:"failedBy,omitempty"`
}

func toPhaseJSON(p *barrier.PhaseState) *phaseJSON {
	if p == nil {
		return nil
	}
	j := &phaseJSON{Current: p.Current, Arrived: p.Arrived, Left: p.Left, Instances: p.Instances}
	if p.Needed > 0 {
		j.Needed = ptr(p.Needed)
	}
	if l := p.Last; l != nil {
		j.Last = &lastPhaseJSON{
			Phase: l.Phase, Outcome: string(l.Outcome), Arrived: l.Arrived, Quorum: l.Quorum, Parties: l.Parties,
			Left: l.Left, SettledAt: l.ReleasedAt.UTC(), MissingCount: l.MissingCount, Missing: l.Missing,
			Reason: l.Reason, FailedBy: l.FailedBy,
		}
	}
	return j
}

type keyJSON struct {
	Key   string `json:"key"`
	Type  string `json:"type"`
	TTLMs int64  `json:"ttlMs"` // -1: no expiry
}

func ptr[T any](v T) *T { return &v }

// toJSON is s as JSON. A barrier that was not found has only its identity.
func toJSON(in *barrier.Inspector, s barrier.Snapshot) snapshotJSON {
	j := snapshotJSON{Found: s.Found, RunID: s.RunID, Name: s.Name, KeyPrefix: in.KeyPrefix(), Redis: in.Addr(),
		Error: s.Error}
	if !s.Found || s.Error != "" {
		return j
	}
	j.Joined, j.Failed, j.Accounted = ptr(s.Joined), ptr(s.Failed), ptr(s.Accounted)
	j.Failures = s.Failures
	if s.Parties > 0 {
		j.Outcome = string(s.Outcome)
		j.Released = ptr(s.Outcome == barrier.OutcomeMet || !s.Released.IsZero())
		j.Parties, j.PartiesFrom = ptr(s.Parties), s.PartiesFrom
		j.Quorum, j.MaxFailures = ptr(s.Quorum), ptr(s.MaxFailures)
		j.MissingCount = ptr(s.MissingCount)
		j.Missing = s.Missing
	} else {
		j.Outcome = "unknown"
	}
	if !s.Released.IsZero() {
		j.ReleasedAt = ptr(s.Released.UTC())
	}
	if !s.Created.IsZero() {
		j.CreatedAt = ptr(s.Created.UTC())
	}
	j.TTLMs = ptr(s.TTL().Milliseconds())
	if s.TTL() < 0 {
		j.TTLMs = ptr(int64(-1))
	}
	j.Phase = toPhaseJSON(s.Phase)
	for _, k := range s.Keys {
		ms := k.TTL.Milliseconds()
		if k.TTL < 0 {
			ms = -1
		}
		j.Keys = append(j.Keys, keyJSON{Key: k.Key, Type: k.Type, TTLMs: ms})
	}
	return j
}

func writeJSON(w io.Writer, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return withCode(fmt.Errorf("encoding JSON: %w", err), ExitError)
	}
	_, err = fmt.Fprintf(w, "%s\n", b)
	return err
}

// failuresText is "1 (login=1, sse=2)" or "0" (the core's rendering).
func failuresText(failed int, failures map[string]int) string {
	return barrier.FailuresText(failed, failures)
}

// missingText is "2 (9, 10)", "25 (1, 2, ..., 20, ...)" or "unknown (parties unknown: pass --parties)"
// (the core's rendering).
func missingText(s barrier.Snapshot) string {
	return barrier.MissingText(s.MissingCount, s.Missing)
}

// ttlText is a time to live for people: "23h59m58s", "none" (no expiry) or "-" (no keys).
func ttlText(d time.Duration) string {
	switch {
	case d < 0:
		return "none"
	case d == 0:
		return "-"
	default:
		return d.Round(time.Second).String()
	}
}

// releasedText says whether and when the barrier was released.
func releasedText(s barrier.Snapshot) string {
	switch {
	case !s.Released.IsZero():
		return "yes, at " + s.Released.UTC().Format(time.RFC3339)
	case s.Parties == 0:
		return "unknown (parties unknown)"
	case s.Outcome == barrier.OutcomeMet:
		return "yes"
	default:
		return "no"
	}
}

// joinedText is "7/10" or "7/?".
func joinedText(s barrier.Snapshot) string { return s.Tally().JoinedText() }

// line is the one-line summary of s that watch prints, e.g.
// "barrier run1/default: pending: joined 7/10, failed 1 (login=1), missing 2 (9, 10)".
func line(s barrier.Snapshot) string {
	return "barrier " + s.String() + ": " + summary(s)
}

// summary is line without the barrier's name: the outcome, the core's Tally, and the current phase.
func summary(s barrier.Snapshot) string {
	text := string(s.Outcome) + ": " + s.Tally().String()
	if s.Phase != nil {
		text += "; phase " + phaseText(s.Phase)
	}
	return text
}

// phaseText is the current phase of a barrier used with arrive(), e.g. "3: arrived 2/5, left 1",
// or "-" without one.
func phaseText(p *barrier.PhaseState) string {
	if p == nil {
		return "-"
	}
	needed := "?"
	if p.Needed > 0 {
		needed = strconv.Itoa(p.Needed)
	}
	return fmt.Sprintf("%d: arrived %d/%s, left %d", p.Current, p.Arrived, needed, p.Left)
}

// lastPhaseText is how the last phase settled, as arrive()'s result says it, with when it settled:
// "2 released at 2026-01-02T03:04:05Z: arrived 5/5, left 0", "4 failed (login, by participant 3)
// at ...: arrived 3/5, left 0, missing 1 (5)", or "none".
func lastPhaseText(l *barrier.PhaseResult) string {
	if l == nil {
		return "none"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%d %s", l.Phase, l.Outcome)
	if l.Reason != "" {
		fmt.Fprintf(&b, " (%s, by participant %s)", l.Reason, l.FailedBy)
	}
	fmt.Fprintf(&b, " at %s: %s", l.ReleasedAt.UTC().Format(time.RFC3339), l.CountsText())
	return b.String()
}
