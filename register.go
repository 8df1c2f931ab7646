// Package xk6barrier registers this extension with k6: the JavaScript modules k6/x/barrier and
// k6/x/eventsource, and the `k6 x barrier` subcommand. It does nothing else.
package xk6barrier

import (
	"go.k6.io/k6/v2/js/modules"
	"go.k6.io/k6/v2/subcommand"

	"github.com/xk6-barrier/xk6-barrier/internal/barriercmd"
	"github.com/xk6-barrier/xk6-barrier/internal/jsbarrier"
	"github.com/xk6-barrier/xk6-barrier/internal/jseventsource"
)

func init() {
	modules.Register("k6/x/barrier", jsbarrier.NewRootModule())
	modules.Register(jseventsource.ImportPath, jseventsource.NewRootModule())
	subcommand.RegisterExtension(barriercmd.Name, barriercmd.New)
}
