package barriercmd

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"go.k6.io/k6/v2/lib/types"

	"github.com/xk6-barrier/xk6-barrier/barrier"
	"github.com/xk6-barrier/xk6-barrier/internal/durfmt"
)

// durationFlag is a duration flag in the syntax of the JS options (k6's: "30s", "10m", "1h30m",
// "7d", "1d12h"), bounded to 0..barrier.MaxDuration. A bare number other than 0 is refused: it
// would be milliseconds in k6's syntax and seconds in many tools.
type durationFlag struct {
	d    *time.Duration
	name string
}

func (f durationFlag) String() string {
	if *f.d == 0 {
		return "0"
	}
	return durfmt.Format(*f.d)
}

func (f durationFlag) Type() string { return "duration" }

func (f durationFlag) Set(v string) error {
	v = strings.TrimSpace(v)
	bad := func(why string) error {
		return fmt.Errorf("--%s must be at least 0 and at most %s (e.g. 30s, 10m, 1h, 7d), got %q%s",
			f.name, durfmt.Format(barrier.MaxDuration), v, why)
	}
	if v == "0" {
		*f.d = 0
		return nil
	}
	if _, err := strconv.ParseFloat(v, 64); err == nil {
		return bad(", which has no unit")
	}
	d, err := types.ParseExtendedDuration(v)
	if err != nil || d < 0 || d > barrier.MaxDuration {
		return bad("")
	}
	*f.d = d
	return nil
}

// addTimeout adds the --timeout flag of a command.
func addTimeout(fs *pflag.FlagSet, d *time.Duration, def time.Duration, usage string) {
	*d = def
	fs.Var(durationFlag{d: d, name: "timeout"}, "timeout", usage+" (at most 7d)")
}

// suggestFlag adds a "did you mean" to an unknown-flag error of cmd, when a flag's name is close.
func suggestFlag(cmd *cobra.Command, err error) string {
	msg := err.Error()
	name, ok := strings.CutPrefix(msg, "unknown flag: --")
	if !ok {
		return msg
	}
	best, bestD := "", 3 // within 2 edits, or a prefix of the name
	visit := func(f *pflag.Flag) {
		d := levenshtein(name, f.Name)
		if strings.HasPrefix(f.Name, name) {
			d = min(d, 1)
		}
		if d < bestD {
			best, bestD = f.Name, d
		}
	}
	cmd.Flags().VisitAll(visit)
	cmd.InheritedFlags().VisitAll(visit)
	if best == "" {
		return msg
	}
	return msg + "\n\nDid you mean this?\n\t--" + best
}

// levenshtein is the edit distance of a and b (the measure cobra's suggestions use).
func levenshtein(a, b string) int {
	ra, rb := []rune(strings.ToLower(a)), []rune(strings.ToLower(b))
	prev := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur := make([]int, len(rb)+1)
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(rb)]
}

// unknownCommand is the error of `k6 x barrier <arg>` where arg is no command, with cobra's
// suggestions.
func unknownCommand(cmd *cobra.Command, arg string) error {
	msg := fmt.Sprintf("unknown command %q for \"k6 x %s\"", arg, cmd.Name())
	if s := cmd.SuggestionsFor(arg); len(s) > 0 {
		msg += "\n\nDid you mean this?\n\t" + strings.Join(s, "\n\t")
	}
	return usageError(msg + "\n\nRun 'k6 x " + cmd.Name() + " --help' for the commands.")
}
