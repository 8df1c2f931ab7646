// Package barriercmd is the `k6 x barrier` subcommand: status, watch, list and reset of the barriers
// of k6/x/barrier in a Redis, on the barrier core (no JavaScript). It is the k6 binding of the
// core's Inspector: flags, environment, output and exit codes.
package barriercmd

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/redis/go-redis/v9"
	"github.com/sirupsen/logrus"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"go.k6.io/k6/v2/cmd/state"

	"github.com/xk6-barrier/xk6-barrier/barrier"
)

// Name is the name the command is registered with: `k6 x barrier`.
const Name = "barrier"

// Environment variables the commands read (from k6's GlobalState, as k6 sees the environment).
const (
	// EnvRedis gives the Redis URL when --redis is not set.
	EnvRedis = "K6_BARRIER_REDIS"
	// EnvRedisFallback gives the Redis URL when neither --redis nor K6_BARRIER_REDIS is set (the
	// variable the examples pass to scripts as __ENV.REDIS_URL).
	EnvRedisFallback = "REDIS_URL"
	// EnvRunID gives the run id when --run-id is not set: the variable the JS side reads when a
	// Barrier has no runId option.
	EnvRunID = barrier.EnvRunID
)

const connectionHelp = `Connection (as the JS API's options redis, runId and keyPrefix take them):
  --redis       redis://[user:password@]host:port[/db], rediss:// for TLS, unix:///path.sock,
                redis+cluster://host:port,host:port,... (rediss+cluster:// with TLS) for a Redis Cluster,
                redis+sentinel://host:port,host:port/<master-name>[?db=n] for a primary behind Sentinel.
                Default: $K6_BARRIER_REDIS, else $REDIS_URL.
  --run-id      the run id the barrier was created with. Default: $K6_BARRIER_RUN_ID.
  --key-prefix  the barrier's keyPrefix option. Default: K6_BARRIER.
A password never appears in any output.`

const exitCodesHelp = `Exit codes:
  0  success: status found the barrier, watch saw it met, list and reset done
  1  error: Redis unreachable, authentication failed, a key of another type, ...
  2  bad usage: unknown or invalid flag or argument, no Redis URL or run id
  3  status: no such barrier
  4  watch: the barrier failed (more failures than --max-failures, or the quorum unreachable)
  5  watch: --timeout passed first
  6  reset: not confirmed`

// New returns the `barrier` command for k6's GlobalState; it is the subcommand.Constructor that
// register.go registers. It reads only gs.Ctx, gs.Env, gs.Stdout, gs.Stderr and gs.Stdin.
func New(gs *state.GlobalState) *cobra.Command {
	c := &cli{gs: gs}
	cmd := &cobra.Command{
		Use:   Name,
		Short: "Inspect, watch, list and reset the barriers of k6/x/barrier in Redis",
		Long: `Inspect, watch, list and reset the barriers of k6/x/barrier kept in Redis, from any shell:
where a barrier stands and who is missing, follow it live until it is met, find the barriers in a Redis,
clear a stale run.

` + connectionHelp + "\n\n" + exitCodesHelp,
		Example: `  export K6_BARRIER_REDIS=redis://127.0.0.1:6379 K6_BARRIER_RUN_ID=run-42
  k6 x barrier status
  k6 x barrier status --name checkout --json
  k6 x barrier watch --timeout 10m && echo released
  k6 x barrier list 'run-*'
  k6 x barrier reset --yes`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				return unknownCommand(cmd, args[0])
			}
			return nil
		},
		SilenceUsage:               true,
		SilenceErrors:              true,
		SuggestionsMinimumDistance: 2,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return cmd.Help()
		},
	}
	cmd.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return usageError(suggestFlag(c, err))
	})
	pf := cmd.PersistentFlags()
	pf.StringVar(&c.redis, "redis", "", "Redis URL (default $"+EnvRedis+", else $"+EnvRedisFallback+")")
	pf.StringVar(&c.runID, "run-id", "", "run id of the barrier (default $"+EnvRunID+")")
	pf.StringVar(&c.keyPrefix, "key-prefix", barrier.DefaultKeyPrefix,
		"key prefix of the barriers (their keyPrefix option)")
	pf.BoolVar(&c.json, "json", false, "output JSON instead of text")

	cmd.AddCommand(c.statusCmd(), c.watchCmd(), c.listCmd(), c.resetCmd())
	return cmd
}

// cli holds the flags shared by the commands.
type cli struct {
	gs        *state.GlobalState
	redis     string
	runID     string
	keyPrefix string
	json      bool
}

// judgeFlags are the flags that say how to judge a barrier.
type judgeFlags struct {
	name        string
	parties     int
	quorum      int
	maxFailures int
}

func (j *judgeFlags) add(fs *pflag.FlagSet) {
	fs.StringVar(&j.name, "name", barrier.DefaultName, "name of the barrier (its name option)")
	fs.IntVar(&j.parties, "parties", 0,
		"participants expected (default: as the barrier recorded; needed for a barrier that recorded none)")
	fs.IntVar(&j.quorum, "quorum", 0,
		"joined participants that release the barrier, as the wait option (default: the script's wait's, else parties)")
	fs.IntVar(&j.maxFailures, "max-failures", 0,
		"failures tolerated, as the wait option maxFailures (default: the script's wait's, else 0)")
}

// check checks the flags by the core's rules (their bounds are the core's, not repeated here);
// cmd tells whether --parties was given (0 given is refused, as the JS option is). --quorum 0 is
// the default, all parties, as the wait option's 0 is; with --parties unknown, --quorum and
// --max-failures are bounded by barrier.MaxParties.
func (j judgeFlags) check(cmd *cobra.Command) error {
	if cmd.Flags().Changed("parties") {
		if err := barrier.ValidateParties(j.parties); err != nil {
			return usageError("--" + err.Error())
		}
	}
	if j.quorum != 0 {
		if err := barrier.ValidateQuorum(j.quorum, j.parties); err != nil {
			return usageError("--" + err.Error())
		}
	}
	if err := barrier.ValidateMaxFailures(j.maxFailures, j.parties); err != nil {
		return usageError("--max-failures" + strings.TrimPrefix(err.Error(), "maxFailures"))
	}
	return nil
}

func (j judgeFlags) options(missing bool) barrier.InspectOptions {
	return barrier.InspectOptions{Parties: j.parties, Quorum: j.quorum, MaxFailures: j.maxFailures, Missing: missing}
}

// redisURL is --redis, else $K6_BARRIER_REDIS, else $REDIS_URL.
func (c *cli) redisURL() (string, error) {
	for _, v := range []string{c.redis, c.gs.Env[EnvRedis], c.gs.Env[EnvRedisFallback]} {
		if v = strings.TrimSpace(v); v != "" {
			return v, nil
		}
	}
	return "", usageError("no Redis URL: give --redis redis://host:port, or set " + EnvRedis +
		" (or " + EnvRedisFallback + ")")
}

// runIDOrEnv is --run-id, else $K6_BARRIER_RUN_ID.
func (c *cli) runIDOrEnv() (string, error) {
	if c.runID != "" {
		return c.runID, nil
	}
	if v := c.gs.Env[EnvRunID]; v != "" {
		return v, nil
	}
	return "", usageError(fmt.Sprintf("no run id: give --run-id, or set %s (the run id the barrier was created with): %v",
		EnvRunID, barrier.ErrRunIDRequired))
}

// inspector connects (lazily) to the Redis of the flags.
func (c *cli) inspector() (*barrier.Inspector, error) {
	// go-redis logs each failed dial on the process's standard error; the command's error already
	// says what failed, so those lines go to k6's logger at debug level (k6 -v shows them).
	redis.SetLogger(debugLogger{c.gs.Logger})
	u, err := c.redisURL()
	if err != nil {
		return nil, err
	}
	in, err := barrier.NewInspector(u, c.keyPrefix)
	if err != nil {
		return nil, usageError(err.Error())
	}
	return in, nil
}

// ref is the barrier the flags name.
func (c *cli) ref(name string) (barrier.Ref, error) {
	run, err := c.runIDOrEnv()
	if err != nil {
		return barrier.Ref{}, err
	}
	ref := barrier.Ref{RunID: run, Name: name}
	if err := (barrier.Options{RunID: run, Name: name, Parties: 1}).Validate(); err != nil {
		return ref, usageError(strings.TrimPrefix(err.Error(), "barrier "+name+": "))
	}
	return ref, nil
}

// notFound is the error of a barrier none of whose keys exists, with where it looked.
func notFound(in *barrier.Inspector, ref barrier.Ref) error {
	return withCode(fmt.Errorf("barrier %s not found in redis %s: none of its keys %s_*:{%s}%s exists; "+
		"check the run id, the name, the key prefix (--key-prefix) and the database of the URL; "+
		"`k6 x barrier list` shows the barriers there", ref, in.Addr(), in.KeyPrefix(), ref.RunID, scopeSuffix(ref)),
		ExitNotFound)
}

func scopeSuffix(ref barrier.Ref) string {
	if ref.Name == "" || ref.Name == barrier.DefaultName {
		return ""
	}
	return ":" + ref.Name
}

// debugLogger passes go-redis's log lines to a logrus logger at debug level.
type debugLogger struct{ l *logrus.Logger }

func (d debugLogger) Printf(_ context.Context, format string, v ...any) {
	if d.l != nil {
		d.l.Debugf(format, v...)
	}
}

var errNotConfirmed = errors.New("reset not confirmed: nothing deleted (pass --yes to reset without asking)")
