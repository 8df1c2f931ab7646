package subcommand_test

import (
	"testing"

	"github.com/spf13/cobra"

	"go.k6.io/k6/v2/cmd/state"
	"go.k6.io/k6/v2/ext"
	"go.k6.io/k6/v2/subcommand"
)

func TestRegisterExtension(t *testing.T) {
	t.Parallel()
	ctor := func(*state.GlobalState) *cobra.Command { return &cobra.Command{Use: "shimtest"} }
	subcommand.RegisterExtension("shimtest", ctor)
	e, ok := ext.Get(ext.SubcommandExtension)["shimtest"]
	if !ok {
		t.Fatal("not registered")
	}
	got, ok := e.Module.(subcommand.Constructor)
	if !ok {
		t.Fatalf("module is a %T, not a subcommand.Constructor", e.Module)
	}
	if name := got(&state.GlobalState{}).Name(); name != "shimtest" {
		t.Fatalf("command name %q", name)
	}
	defer func() {
		if recover() == nil {
			t.Error("a second registration of the name did not panic")
		}
	}()
	subcommand.RegisterExtension("shimtest", ctor)
}
