// Package lib is the shim of go.k6.io/k6/v2/lib: the VU state and test state that modules read.
package lib

import (
	"context"
	"crypto/tls"
	"net"
	"net/http"
	"net/http/cookiejar"
	"sync"

	"github.com/sirupsen/logrus"

	"go.k6.io/k6/v2/metrics"
)

// DialContexter dials network connections; k6's dialer applies blocked hostnames and hosts overrides.
type DialContexter interface {
	DialContext(ctx context.Context, network, addr string) (net.Conn, error)
}

// State is the state of a VU once it runs (nil in the init context). k6's State has more fields
// (RPSLimit, BufferPool, TracerProvider, ...), which the shim leaves out.
type State struct {
	// Options are the test's options (the same for every VU).
	Options        Options
	BuiltinMetrics *metrics.BuiltinMetrics

	Logger logrus.FieldLogger

	// Dialer is the VU's k6 dialer.
	Dialer DialContexter
	// Transport is the VU's HTTP transport; it counts data_sent and data_received.
	Transport http.RoundTripper
	CookieJar *cookiejar.Jar
	TLSConfig *tls.Config

	// Samples is where the VU pushes its metric samples.
	Samples chan<- metrics.SampleContainer

	VUID, VUIDGlobal uint64
	Iteration        int64

	// Tags are the VU's current tags and metadata.
	Tags *VUStateTags
}

// VUStateTags are a VU's tags and metadata, safe for concurrent use.
type VUStateTags struct {
	mu          sync.RWMutex
	tagsAndMeta *metrics.TagsAndMeta
}

// NewVUStateTags returns VUStateTags holding tags; it panics on nil tags, as k6 does.
func NewVUStateTags(tags *metrics.TagSet) *VUStateTags {
	if tags == nil {
		panic("the metrics.TagSet must be initialized for creating a new lib.VUStateTags")
	}
	return &VUStateTags{tagsAndMeta: &metrics.TagsAndMeta{Tags: tags}}
}

// GetCurrentValues returns a copy of the current tags and metadata.
func (t *VUStateTags) GetCurrentValues() metrics.TagsAndMeta {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return t.tagsAndMeta.Clone()
}

// Modify changes the tags and metadata under the lock.
func (t *VUStateTags) Modify(callback func(tagsAndMeta *metrics.TagsAndMeta)) {
	t.mu.Lock()
	defer t.mu.Unlock()
	callback(t.tagsAndMeta)
}

// TestPreInitState is the state available before VUs are initialised (a subset of k6's).
type TestPreInitState struct {
	Registry       *metrics.Registry
	BuiltinMetrics *metrics.BuiltinMetrics
	LookupEnv      func(key string) (val string, ok bool)
	Logger         logrus.FieldLogger
}
