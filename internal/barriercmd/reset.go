package barriercmd

import (
	"bufio"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/xk6-barrier/xk6-barrier/barrier"
)

// resetJSON is the --json output of reset.
type resetJSON struct {
	Redis     string             `json:"redis"`
	KeyPrefix string             `json:"keyPrefix"`
	Barriers  []resetBarrierJSON `json:"barriers"`
	Deleted   int                `json:"deleted"`
}

type resetBarrierJSON struct {
	RunID string   `json:"runId"`
	Name  string   `json:"name"`
	Keys  []string `json:"keys"`
}

func (c *cli) resetCmd() *cobra.Command {
	var name string
	var all, yes bool
	cmd := &cobra.Command{
		Use:   "reset",
		Short: "Delete one barrier's keys, or those of every barrier of a run id",
		Long: `Delete the keys of one barrier (--name), or of every barrier of the run id (--all), so that a rerun
with the same run id starts afresh; its waiters are woken and see it empty. It shows the keys it will
delete and asks for confirmation on standard input unless --yes. It deletes only keys of the barrier key
layout under the key prefix (<prefix>_JOINED, _FAILED, _FAILURES, _META and the <REASON>_FAIL counters
of the reasons the barrier recorded, scoped {<run id>} or {<run id>}:<name>), found with SCAN on every
master. A barrier that does not exist is nothing to delete (exit 0).

` + connectionHelp + "\n\n" + exitCodesHelp,
		Example: `  k6 x barrier reset --run-id run-42
  k6 x barrier reset --run-id run-42 --all --yes`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if all && cmd.Flags().Changed("name") {
				return usageError("--all resets every barrier of the run id: give --all or --name, not both")
			}
			ref, err := c.ref(name)
			if err != nil {
				return err
			}
			in, err := c.inspector()
			if err != nil {
				return err
			}
			defer func() { _ = in.Close() }()
			return c.reset(in, ref, all, yes)
		},
	}
	cmd.Flags().StringVar(&name, "name", barrier.DefaultName, "name of the barrier to reset (its name option)")
	cmd.Flags().BoolVar(&all, "all", false, "reset every barrier of the run id")
	cmd.Flags().BoolVarP(&yes, "yes", "y", false, "do not ask for confirmation")
	return cmd
}

func (c *cli) reset(in *barrier.Inspector, ref barrier.Ref, all, yes bool) error {
	plan, err := in.PlanReset(c.gs.Ctx, ref, all)
	if err != nil {
		return withCode(err, ExitError)
	}
	out := resetJSON{Redis: in.Addr(), KeyPrefix: in.KeyPrefix(), Barriers: []resetBarrierJSON{}}
	for _, r := range plan.Barriers {
		out.Barriers = append(out.Barriers, resetBarrierJSON{RunID: r.RunID, Name: r.Name, Keys: plan.Keys[r]})
	}
	what := "barrier " + ref.String()
	if all {
		what = "the barriers of run " + ref.RunID
	}
	if plan.KeyCount() == 0 {
		if c.json {
			return writeJSON(c.gs.Stdout, out)
		}
		c.printf("nothing to delete: no keys of %s in redis %s (key prefix %s)\n", what, in.Addr(), in.KeyPrefix())
		return nil
	}
	if !c.json || !yes {
		w := c.gs.Stdout
		if c.json {
			w = c.gs.Stderr // keep standard output JSON
		}
		_, _ = fmt.Fprintf(w, "%s in redis %s: %s of %s will be deleted:\n", what, in.Addr(),
			plural(plan.KeyCount(), "key"), plural(len(plan.Barriers), "barrier"))
		for _, r := range plan.Barriers {
			for _, k := range plan.Keys[r] {
				_, _ = fmt.Fprintf(w, "  %s\n", k)
			}
		}
	}
	if !yes {
		_, _ = fmt.Fprint(c.gs.Stderr, "Delete them? [y/N] ")
		answer, _ := bufio.NewReader(c.gs.Stdin).ReadString('\n')
		if a := strings.ToLower(strings.TrimSpace(answer)); a != "y" && a != "yes" {
			_, _ = fmt.Fprintln(c.gs.Stderr)
			return withCode(errNotConfirmed, ExitNotConfirmed)
		}
	}
	n, err := in.Reset(c.gs.Ctx, plan)
	out.Deleted = n
	if err != nil {
		return withCode(err, ExitError)
	}
	if c.json {
		return writeJSON(c.gs.Stdout, out)
	}
	c.printf("deleted %s of %s\n", plural(n, "key"), what)
	return nil
}

// plural is "1 key" or "2 keys".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
