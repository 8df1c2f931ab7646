package lib

import (
	"fmt"
	"math/big"
)

// ExecutionSegmentSequenceWrapper is an ExecutionSegmentSequence with what k6 derives from it to
// scale values (the shim keeps the sequence only).
type ExecutionSegmentSequenceWrapper struct {
	ExecutionSegmentSequence
}

// ExecutionTuple is one execution segment in its sequence.
type ExecutionTuple struct {
	Sequence     *ExecutionSegmentSequenceWrapper
	Segment      *ExecutionSegment
	SegmentIndex int
}

// NewExecutionTuple returns the tuple of segment (nil: the whole test, 0:1) in sequence (nil: the
// segment and what it leaves out).
func NewExecutionTuple(segment *ExecutionSegment, sequence *ExecutionSegmentSequence) (*ExecutionTuple, error) {
	var seq ExecutionSegmentSequence
	if sequence != nil {
		seq = *sequence
	}
	if len(seq) == 0 {
		seq = ExecutionSegmentSequence{segment}
	}
	for i, s := range seq {
		if s.Equal(segment) {
			return &ExecutionTuple{Sequence: &ExecutionSegmentSequenceWrapper{seq}, Segment: segment, SegmentIndex: i}, nil
		}
	}
	return nil, fmt.Errorf("couldn't find segment %s in sequence", segment)
}

// ExecutionSegmentSequence is an ordered set of execution segments, as --execution-segment-sequence
// gives it.
type ExecutionSegmentSequence []*ExecutionSegment

// ScaleInt64 scales value for the tuple's segment. The shim scales a test without segmentation
// (value itself, as k6); for a segment of a longer sequence it gives the segment's proportional
// share (k6 stripes the values over the sequence so that the shares add up exactly: do not rely on
// the shim's numbers there).
func (et *ExecutionTuple) ScaleInt64(value int64) int64 {
	if len(et.Sequence.ExecutionSegmentSequence) <= 1 || et.Segment == nil {
		return value
	}
	from, to := et.Segment.from, et.Segment.to
	v := big.NewRat(value, 1)
	hi := new(big.Rat).Mul(v, to)
	lo := new(big.Rat).Mul(v, from)
	return floor(hi) - floor(lo)
}

func floor(r *big.Rat) int64 {
	return new(big.Int).Quo(r.Num(), r.Denom()).Int64()
}
