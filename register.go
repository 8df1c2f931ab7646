// Package xk6barrier registers the k6/x/barrier and k6/x/sse JavaScript modules and the `k6 x barrier`
// subcommand with k6.
package xk6barrier

import (
	"go.k6.io/k6/v2/js/modules"
	"go.k6.io/k6/v2/subcommand"

	"github.com/xk6-barrier/xk6-barrier/barrier"
	"github.com/xk6-barrier/xk6-barrier/internal/barriercmd"
	"github.com/xk6-barrier/xk6-barrier/sse"
)

func init() {
	modules.Register("k6/x/barrier", barrier.NewRootModule())
	modules.Register("k6/x/sse", sse.NewRootModule())
	subcommand.RegisterExtension(barriercmd.Name, barriercmd.New)
}
