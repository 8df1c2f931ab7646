package barriercmd

import (
	"fmt"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/xk6-barrier/xk6-barrier/barrier"
)

func (c *cli) statusCmd() *cobra.Command {
	var j judgeFlags
	var timeout time.Duration
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Show where one barrier stands: counts, failures by reason, missing ids, keys",
		Long: `Show one barrier: parties, joined, failures by reason, accounted, quorum, the first missing ids and
their count, whether it was released, and its keys with their time to live. For a barrier used with
arrive(), also its current phase (arrived, needed to release it, left) and how the last phase settled.
Parties come from the barrier's META hash when it recorded them; --parties overrides that.

Exit code 0 when the barrier exists, 3 when none of its keys does.

` + connectionHelp + "\n\n" + exitCodesHelp,
		Example: `  k6 x barrier status --redis redis://127.0.0.1:6379 --run-id run-42
  k6 x barrier status --run-id run-42 --name checkout --json | jq .missing`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := j.check(cmd); err != nil {
				return err
			}
			ref, err := c.ref(j.name)
			if err != nil {
				return err
			}
			in, err := c.inspector()
			if err != nil {
				return err
			}
			defer func() { _ = in.Close() }()
			opts := j.options(true)
			opts.Timeout = timeout
			s, err := in.Inspect(c.gs.Ctx, ref, opts)
			if err != nil {
				return withCode(err, ExitError)
			}
			if c.json {
				if err := writeJSON(c.gs.Stdout, toJSON(in, s)); err != nil {
					return err
				}
			}
			if !s.Found {
				return notFound(in, ref)
			}
			if c.json {
				return nil
			}
			return c.printStatus(in, s)
		},
	}
	j.add(cmd.Flags())
	addTimeout(cmd.Flags(), &timeout, barrier.CallTimeout, "give up after this long")
	return cmd
}

// printStatus writes the human table of s.
func (c *cli) printStatus(in *barrier.Inspector, s barrier.Snapshot) error {
	w := tabwriter.NewWriter(c.gs.Stdout, 0, 4, 2, ' ', 0)
	row := func(k, v string) { _, _ = fmt.Fprintf(w, "%s\t%s\n", k, v) }
	row("barrier", s.String())
	row("redis", in.Addr()+" (key prefix "+in.KeyPrefix()+")")
	if s.Parties > 0 {
		row("outcome", string(s.Outcome))
		from := "as recorded by the barrier"
		if s.PartiesFrom == "given" {
			from = "from --parties"
		}
		row("parties", strconv.Itoa(s.Parties)+" ("+from+")")
		if s.Quorum != s.Parties || s.MaxFailures != 0 {
			row("quorum", strconv.Itoa(s.Quorum)+", max failures "+strconv.Itoa(s.MaxFailures))
		}
	} else {
		row("outcome", "unknown (the barrier recorded no parties: pass --parties)")
	}
	row("released", releasedText(s))
	row("joined", joinedText(s))
	row("failed", failuresText(s.Failed, s.Failures))
	row("accounted", strconv.Itoa(s.Accounted))
	row("missing", missingText(s))
	if !s.Created.IsZero() {
		row("created", s.Created.UTC().Format(time.RFC3339))
	}
	if s.Phase != nil {
		row("phase", phaseText(s.Phase))
		row("last phase", lastPhaseText(s.Phase.Last))
		row("instances", strconv.Itoa(s.Phase.Instances)+" live (k6 processes holding a lease: those that took part and run)")
	}
	row("ttl", ttlText(s.TTL()))
	for i, k := range s.Keys {
		label := ""
		if i == 0 {
			label = "keys"
		}
		_, _ = fmt.Fprintf(w, "%s\t%s\t%s\tttl %s\n", label, k.Key, k.Type, ttlText(k.TTL))
	}
	return w.Flush()
}
