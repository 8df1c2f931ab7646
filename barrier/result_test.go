package barrier

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestDecide(t *testing.T) {
	tests := []struct {
		name                         string
		joined, failed               int
		parties, quorum, maxFailures int
		want                         Outcome
	}{
		{"nothing yet", 0, 0, 3, 3, 0, OutcomePending},
		{"all joined", 3, 0, 3, 3, 0, OutcomeMet},
		{"one failure, none allowed", 1, 1, 3, 3, 0, OutcomeFailed},
		{"failure allowed, quorum still reachable", 1, 1, 4, 3, 1, OutcomePending},
		{"failure allowed, quorum met", 3, 1, 4, 3, 1, OutcomeMet},
		{"quorum unreachable", 0, 2, 4, 3, 2, OutcomeFailed},
		{"quorum just reachable", 0, 1, 4, 3, 2, OutcomePending},
		{"quorum met before all accounted", 3, 0, 5, 3, 0, OutcomeMet},
		{"failures beat a met quorum", 3, 1, 5, 3, 0, OutcomeFailed},
		{"ids beyond parties", 5, 0, 3, 3, 0, OutcomeMet},
	}
	for _, tt := range tests {
		got := decide(counts{joined: tt.joined, failed: tt.failed}, tt.parties, tt.quorum, tt.maxFailures)
		assert.Equal(t, tt.want, got, tt.name)
	}
}

func TestMessages(t *testing.T) {
	base := Result{Name: "default", Parties: 1000, Quorum: 1000}
	with := func(f func(r *Result)) Result {
		r := base
		f(&r)
		r.Accounted = r.Joined + r.Failed
		return r
	}
	tests := []struct {
		name string
		err  error
		want string
	}{
		{
			"timeout, as in the design",
			&WaitError{Timeout: 5 * time.Minute, Result: with(func(r *Result) {
				r.Outcome, r.Joined, r.Failed, r.Waited = OutcomeTimeout, 997, 2, 5*time.Minute+3*time.Millisecond
				r.Failures, r.Missing = map[string]int{"login": 2}, []int{734}
			})},
			"barrier default: timeout after 5m0s: joined 997/1000, failed 2 (login=2), missing 1 (734)",
		},
		{
			"failed, reasons sorted",
			&WaitError{Result: with(func(r *Result) {
				r.Outcome, r.Joined, r.Failed, r.Waited = OutcomeFailed, 990, 10, 2100*time.Millisecond
				r.Failures = map[string]int{"sse": 3, "login": 7}
			})},
			"barrier default: failed after 2.1s (10 failures > maxFailures 0): joined 990/1000, failed 10 (login=7, sse=3), missing 0",
		},
		{
			"failed, quorum unreachable, more missing than listed",
			&WaitError{Result: with(func(r *Result) {
				r.Outcome, r.Joined, r.Failed, r.MaxFailures, r.Quorum, r.Waited = OutcomeFailed, 5, 3, 5, 8, time.Second
				r.Parties, r.Failures, r.Missing = 10, map[string]int{"sse": 3}, []int{1, 2}
			})},
			"barrier default: failed after 1s (quorum 8 unreachable): joined 5/10 (quorum 8), failed 3 (sse=3), missing 2 (1, 2)",
		},
		{
			"aborted",
			&WaitError{Cause: context.Canceled, Result: with(func(r *Result) {
				r.Outcome, r.Joined, r.Waited, r.Missing = OutcomeAborted, 998, 1500*time.Millisecond, []int{3, 9}
			})},
			"barrier default: aborted after 1.5s (context canceled): joined 998/1000, failed 0, missing 2 (3, 9)",
		},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, tt.err.Error(), tt.name)
	}

	met := with(func(r *Result) { r.Outcome, r.Joined, r.Waited = OutcomeMet, 1000, 1502*time.Millisecond })
	assert.Equal(t, "barrier default: met after 1.502s: joined 1000/1000, failed 0, missing 0", met.String())
	status := with(func(r *Result) { r.Outcome, r.Joined, r.Missing = OutcomePending, 999, []int{12} })
	assert.Equal(t, "barrier default: pending: joined 999/1000, failed 0, missing 1 (12)", status.String())
}
