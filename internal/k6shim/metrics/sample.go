package metrics

import (
	"context"
	"time"
)

// TimeSeries is a metric with a set of tags.
type TimeSeries struct {
	Metric *Metric
	Tags   *TagSet
}

// Sample is one value of a time series.
type Sample struct {
	TimeSeries
	Time     time.Time
	Value    float64
	Metadata map[string]string
}

// SampleContainer is anything that holds samples.
type SampleContainer interface {
	GetSamples() []Sample
}

// Samples is a plain list of samples.
type Samples []Sample

// GetSamples returns the samples.
func (s Samples) GetSamples() []Sample { return s }

// GetSamples returns the sample as a one-element list.
func (s Sample) GetSamples() []Sample { return []Sample{s} }

// GetTags returns the sample's tags.
func (s Sample) GetTags() *TagSet { return s.Tags }

// GetTime returns the sample's time.
func (s Sample) GetTime() time.Time { return s.Time }

// ConnectedSampleContainer is a SampleContainer whose samples share tags and a time.
type ConnectedSampleContainer interface {
	SampleContainer
	GetTags() *TagSet
	GetTime() time.Time
}

// ConnectedSamples are samples that share tags and a time.
type ConnectedSamples struct {
	Samples []Sample
	Tags    *TagSet
	Time    time.Time
}

// GetSamples returns the samples.
func (cs ConnectedSamples) GetSamples() []Sample { return cs.Samples }

// GetTags returns the shared tags.
func (cs ConnectedSamples) GetTags() *TagSet { return cs.Tags }

// GetTime returns the shared time.
func (cs ConnectedSamples) GetTime() time.Time { return cs.Time }

// PushIfNotDone sends sample to output unless ctx is already done; it reports whether it sent.
func PushIfNotDone(ctx context.Context, output chan<- SampleContainer, sample SampleContainer) bool {
	if ctx.Err() != nil {
		return false
	}
	output <- sample
	return true
}
