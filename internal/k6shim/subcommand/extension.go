// Package subcommand is the shim of go.k6.io/k6/v2/subcommand: the registration of k6 subcommand
// extensions, which k6 runs as `k6 x <name> ...`.
package subcommand

import (
	"github.com/spf13/cobra"

	"go.k6.io/k6/v2/cmd/state"
	"go.k6.io/k6/v2/ext"
)

// Constructor makes the cobra command of a subcommand extension from k6's GlobalState, which it must
// only read.
type Constructor func(*state.GlobalState) *cobra.Command

// RegisterExtension registers the subcommand name with its constructor; call it from an init
// function. It panics when name is already registered. The command's Name() must equal name (k6
// panics at startup otherwise).
func RegisterExtension(name string, c Constructor) {
	ext.Register(name, ext.SubcommandExtension, c)
}
