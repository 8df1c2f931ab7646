package xk6barrier

import (
	"sort"
	"testing"

	"go.k6.io/k6/v2/ext"

	"github.com/xk6-barrier/xk6-barrier/internal/jsbarrier"
	"github.com/xk6-barrier/xk6-barrier/internal/jseventsource"
)

// TestRegisteredModules: the extension claims exactly the JS modules k6/x/barrier and
// k6/x/eventsource, so a k6 binary can hold it beside the xk6-sse extension (k6/x/sse).
func TestRegisteredModules(t *testing.T) {
	t.Parallel()
	registered := ext.Get(ext.JSExtension)
	names := make([]string, 0, len(registered))
	for name := range registered {
		names = append(names, name)
	}
	sort.Strings(names)
	want := []string{"k6/x/barrier", "k6/x/eventsource"}
	if len(names) != len(want) || names[0] != want[0] || names[1] != want[1] {
		t.Fatalf("registered JS modules %q, want exactly %q", names, want)
	}
	if _, ok := registered["k6/x/barrier"].Module.(*jsbarrier.RootModule); !ok {
		t.Errorf("k6/x/barrier is a %T, want the barrier module", registered["k6/x/barrier"].Module)
	}
	if _, ok := registered["k6/x/eventsource"].Module.(*jseventsource.RootModule); !ok {
		t.Errorf("k6/x/eventsource is a %T, want the EventSource module", registered["k6/x/eventsource"].Module)
	}
}
