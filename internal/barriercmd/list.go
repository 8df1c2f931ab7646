package barriercmd

import (
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/xk6-barrier/xk6-barrier/barrier"
)

func (c *cli) listCmd() *cobra.Command {
	var timeout time.Duration
	cmd := &cobra.Command{
		Use:   "list [run-id-pattern]",
		Short: "List the barriers in a Redis: run id, name, joined/parties, failures, released, TTL",
		Long: `List the barriers under the key prefix in a Redis, one line each: run id, name, joined/parties,
failures, released or not, the time left before its first key expires, and for a barrier used with
arrive() its current phase (see status). run-id-pattern is a Redis
glob ('*' any characters, '?' one, '[abc]' a class); without it, every run. It uses SCAN (never KEYS),
on every master of a Redis Cluster. --run-id is not used: give the run id as the pattern.

` + connectionHelp + "\n\n" + exitCodesHelp,
		Example: `  k6 x barrier list --redis redis://127.0.0.1:6379
  k6 x barrier list 'run-2024*' --json`,
		Args: usageArgs(cobra.MaximumNArgs(1)),
		RunE: func(_ *cobra.Command, args []string) error {
			pattern := ""
			if len(args) == 1 {
				pattern = args[0]
			}
			if strings.ContainsAny(pattern, "{}") {
				return usageError(fmt.Sprintf("run id pattern %q is invalid: a run id has no '{' or '}'", pattern))
			}
			in, err := c.inspector()
			if err != nil {
				return err
			}
			defer func() { _ = in.Close() }()
			list, err := in.List(c.gs.Ctx, pattern, barrier.InspectOptions{Timeout: timeout})
			if err != nil {
				return withCode(err, ExitError)
			}
			if err := c.printList(in, list); err != nil {
				return err
			}
			if len(list.Unscanned) > 0 {
				return withCode(fmt.Errorf("list incomplete: the barriers of %s not listed: %s",
					plural(len(list.Unscanned), "master"), strings.Join(list.Unscanned, "; ")), ExitError)
			}
			return nil
		},
	}
	addTimeout(cmd.Flags(), &timeout, barrier.ListTimeout,
		"give up after this long (the SCAN of every master and the reads)")
	return cmd
}

// printList writes the listing as a table or JSON.
func (c *cli) printList(in *barrier.Inspector, list barrier.Listing) error {
	if c.json {
		out := make([]snapshotJSON, 0, len(list.Barriers))
		for _, s := range list.Barriers {
			out = append(out, toJSON(in, s))
		}
		return writeJSON(c.gs.Stdout, out)
	}
	if len(list.Barriers) == 0 {
		c.printf("no barriers under key prefix %s in redis %s\n", in.KeyPrefix(), in.Addr())
		return nil
	}
	w := tabwriter.NewWriter(c.gs.Stdout, 0, 4, 2, ' ', 0)
	_, _ = fmt.Fprintln(w, "RUN ID\tNAME\tJOINED\tFAILED\tRELEASED\tTTL\tPHASE")
	for _, s := range list.Barriers {
		if s.Error != "" {
			_, _ = fmt.Fprintf(w, "%s\t%s\terror: %s\n", s.RunID, s.Name, s.Error)
			continue
		}
		_, _ = fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", s.RunID, s.Name, joinedText(s),
			failuresText(s.Failed, s.Failures), releasedText(s), ttlText(s.TTL()), phaseText(s.Phase))
	}
	return w.Flush()
}
