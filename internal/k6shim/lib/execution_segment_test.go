package lib

import (
	"math"
	"strings"
	"testing"
)

func TestExecutionSegmentFromString(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in, want string
		length   float64
		full     bool
	}{
		{"", "0:1", 1, true},
		{"1", "0:1", 1, true},
		{"0:1", "0:1", 1, true},
		{"0:1/2", "0:1/2", 0.5, false},
		{"50%:100%", "1/2:1", 0.5, false},
		{"0.25:0.5", "1/4:1/2", 0.25, false},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			t.Parallel()
			es, err := NewExecutionSegmentFromString(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			if got := es.String(); got != tc.want {
				t.Errorf("String() = %q, want %q", got, tc.want)
			}
			if got := es.FloatLength(); math.Abs(got-tc.length) > 1e-12 {
				t.Errorf("FloatLength() = %v, want %v", got, tc.length)
			}
			if es.Equal(nil) != tc.full || (*ExecutionSegment)(nil).Equal(es) != tc.full {
				t.Errorf("Equal(nil) = %v, want %v (nil is 0:1)", es.Equal(nil), tc.full)
			}
		})
	}
	var none *ExecutionSegment
	if none.String() != "0:1" || none.FloatLength() != 1 {
		t.Errorf("nil segment: %q, %v; want 0:1, 1", none.String(), none.FloatLength())
	}
}

func TestExecutionSegmentBadInput(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"1:0":  "must be less than its end",
		"0:2":  "can't be more than 1",
		"-1:1": "must be at least 0",
		"x":    "not a valid percentage, decimal, fraction or interval value",
		"a%":   "not a valid percentage",
	} {
		_, err := NewExecutionSegmentFromString(in)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: got %v, want an error containing %q", in, err, want)
		}
	}
}
