package barrier

import (
	"sort"
	"strconv"
	"strings"
)

// Tally is the counts of a barrier as every one-line summary says them: Result's String and
// WaitError's Error, and k6 x barrier's status, watch and list (through Snapshot.Tally).
type Tally struct {
	Joined int
	// Parties is the number of participants expected, 0 when unknown.
	Parties int
	// Quorum is shown when it is set and is not Parties.
	Quorum   int
	Failed   int
	Failures map[string]int
	// MissingCount is how many are not accounted for, -1 when unknown; Missing the first of them.
	MissingCount int
	Missing      []int
}

// String is "joined 7/10 (quorum 8), failed 1 (login=1), missing 2 (9, 10)".
func (t Tally) String() string {
	var b strings.Builder
	b.WriteString("joined ")
	b.WriteString(t.JoinedText())
	if t.Quorum != 0 && t.Quorum != t.Parties {
		b.WriteString(quorumText(t.Quorum))
	}
	b.WriteString(", failed ")
	b.WriteString(FailuresText(t.Failed, t.Failures))
	b.WriteString(", missing ")
	b.WriteString(MissingText(t.MissingCount, t.Missing))
	return b.String()
}

// JoinedText is "7/10", or "7/?" when the parties are unknown.
func (t Tally) JoinedText() string {
	if t.Parties == 0 {
		return strconv.Itoa(t.Joined) + "/?"
	}
	return strconv.Itoa(t.Joined) + "/" + strconv.Itoa(t.Parties)
}

// FailuresText is "3 (login=1, sse=2)", or "0": the failed count with the count of each reason.
func FailuresText(failed int, failures map[string]int) string {
	if len(failures) == 0 {
		return strconv.Itoa(failed)
	}
	reasons := make([]string, 0, len(failures))
	for r := range failures {
		reasons = append(reasons, r)
	}
	sort.Strings(reasons)
	parts := make([]string, len(reasons))
	for i, r := range reasons {
		parts[i] = r + "=" + strconv.Itoa(failures[r])
	}
	return strconv.Itoa(failed) + " (" + strings.Join(parts, ", ") + ")"
}

// MissingText is "2 (9, 10)", "25 (1, 2, ..., 20, ...)" (count and the first ids, ", ..." when
// there are more), "0", or for a count below 0 (an Inspector's snapshot of a barrier whose parties
// are unknown) "unknown (parties unknown: pass --parties)".
func MissingText(count int, ids []int) string {
	if count < 0 {
		return "unknown (parties unknown: pass --parties)"
	}
	if len(ids) == 0 {
		return strconv.Itoa(count)
	}
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = strconv.Itoa(id)
	}
	more := ""
	if count > len(ids) {
		more = ", ..."
	}
	return strconv.Itoa(count) + " (" + strings.Join(parts, ", ") + more + ")"
}

// quorumText is " (quorum 8)".
func quorumText(quorum int) string { return " (quorum " + strconv.Itoa(quorum) + ")" }

// CountsText is the counts of a settled phase: "arrived 5/5, left 0", or for a phase that was not
// released "arrived 3/5 (quorum 4), left 0, missing 2 (4, 5)".
func (r PhaseResult) CountsText() string {
	var b strings.Builder
	b.WriteString("arrived ")
	b.WriteString(strconv.Itoa(r.Arrived))
	b.WriteString("/")
	b.WriteString(strconv.Itoa(r.Parties))
	if r.Quorum != r.Parties {
		b.WriteString(quorumText(r.Quorum))
	}
	b.WriteString(", left ")
	b.WriteString(strconv.Itoa(r.Left))
	if r.Outcome != OutcomeReleased {
		b.WriteString(", missing ")
		b.WriteString(MissingText(r.MissingCount, r.Missing))
	}
	return b.String()
}

// tally is the counts of r.
func (r Result) tally() Tally {
	return Tally{Joined: r.Joined, Parties: r.Parties, Quorum: r.Quorum, Failed: r.Failed, Failures: r.Failures,
		MissingCount: r.MissingCount(), Missing: r.Missing}
}

// Tally is the counts of s, as k6 x barrier shows them.
func (s Snapshot) Tally() Tally {
	return Tally{Joined: s.Joined, Parties: s.Parties, Quorum: s.Quorum, Failed: s.Failed, Failures: s.Failures,
		MissingCount: s.MissingCount, Missing: s.Missing}
}
