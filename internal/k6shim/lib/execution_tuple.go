package lib

import "fmt"

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
