// Package xk6barrier registers this extension's JavaScript modules with k6: k6/x/barrier and
// k6/x/eventsource. It does nothing else.
package xk6barrier

import (
	"go.k6.io/k6/v2/js/modules"

	"github.com/xk6-barrier/xk6-barrier/barrier"
	"github.com/xk6-barrier/xk6-barrier/internal/jseventsource"
)

func init() {
	modules.Register("k6/x/barrier", barrier.NewRootModule())
	modules.Register(jseventsource.ImportPath, jseventsource.NewRootModule())
}
