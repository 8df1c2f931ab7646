package lib

import (
	"fmt"
	"math/big"
	"strings"
)

// ExecutionSegment is the part [from, to) of a test, 0 <= from < to <= 1, that one k6 instance runs
// when a test is split between instances (--execution-segment). A nil *ExecutionSegment is the
// whole test, 0:1. The shim has the constructors and the read-only methods; k6's has more.
type ExecutionSegment struct {
	from, to *big.Rat
}

// NewExecutionSegment returns the segment from:to, or an error unless 0 <= from < to <= 1.
func NewExecutionSegment(from, to *big.Rat) (*ExecutionSegment, error) {
	switch {
	case from.Sign() < 0:
		return nil, fmt.Errorf("segment start value must be at least 0 but was %s", from.FloatString(2))
	case from.Cmp(to) >= 0:
		return nil, fmt.Errorf("segment start(%s) must be less than its end(%s)", from.FloatString(2), to.FloatString(2))
	case to.Cmp(big.NewRat(1, 1)) > 0:
		return nil, fmt.Errorf("segment end value can't be more than 1 but was %s", to.FloatString(2))
	}
	return &ExecutionSegment{from: new(big.Rat).Set(from), to: new(big.Rat).Set(to)}, nil
}

// NewExecutionSegmentFromString parses a segment as the --execution-segment flag takes it: "to"
// (from 0) or "from:to", each a percentage ("50%"), a decimal ("0.5") or a fraction ("1/2"). An
// empty string is the whole test.
func NewExecutionSegmentFromString(toStr string) (*ExecutionSegment, error) {
	if toStr == "" {
		toStr = "1"
	}
	from := new(big.Rat)
	if fromStr, rest, ok := strings.Cut(toStr, ":"); ok {
		f, err := parseSegmentValue(fromStr)
		if err != nil {
			return nil, err
		}
		from, toStr = f, rest
	}
	to, err := parseSegmentValue(toStr)
	if err != nil {
		return nil, err
	}
	return NewExecutionSegment(from, to)
}

// parseSegmentValue reads a percentage, a decimal or a fraction.
func parseSegmentValue(s string) (*big.Rat, error) {
	if pct, ok := strings.CutSuffix(s, "%"); ok {
		n, ok := new(big.Int).SetString(pct, 10)
		if !ok {
			return nil, fmt.Errorf("'%s' is not a valid percentage", s)
		}
		return new(big.Rat).SetFrac(n, big.NewInt(100)), nil
	}
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		return nil, fmt.Errorf("'%s' is not a valid percentage, decimal, fraction or interval value", s)
	}
	return r, nil
}

// String returns the segment as "from:to" in lowest fractions, e.g. "0:1/2"; "0:1" for nil.
func (es *ExecutionSegment) String() string {
	if es == nil {
		return "0:1"
	}
	return es.from.RatString() + ":" + es.to.RatString()
}

// FloatLength returns to - from as a float64; 1 for nil.
func (es *ExecutionSegment) FloatLength() float64 {
	if es == nil {
		return 1
	}
	f, _ := new(big.Rat).Sub(es.to, es.from).Float64()
	return f
}

// Equal reports whether es and other are the same segment; nil equals 0:1.
func (es *ExecutionSegment) Equal(other *ExecutionSegment) bool {
	bounds := func(s *ExecutionSegment) (*big.Rat, *big.Rat) {
		if s == nil {
			return new(big.Rat), big.NewRat(1, 1)
		}
		return s.from, s.to
	}
	f1, t1 := bounds(es)
	f2, t2 := bounds(other)
	return f1.Cmp(f2) == 0 && t1.Cmp(t2) == 0
}
