package barriercmd

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/xk6-barrier/xk6-barrier/barrier"
)

func (c *cli) watchCmd() *cobra.Command {
	var j judgeFlags
	var timeout time.Duration
	cmd := &cobra.Command{
		Use:   "watch",
		Short: "Follow one barrier live until it is met, failed, or --timeout passes",
		Long: `Follow one barrier live: a line (with --json, a JSON object) whenever it changes, until it is met
(exit 0), failed (exit 4) or --timeout passes (exit 5). Changes are pushed by Redis on the barrier's
channel, as a waiting script gets them; it also re-reads once a second, never faster without a change.
A barrier that does not exist yet is waited for. It is judged like a wait with --quorum and
--max-failures; parties come from the barrier (or --parties). It follows a rendezvous (arrive()) too:
each settled phase is pushed on its own channel and printed; a barrier used only with arrive() is
followed phase after phase until the run ends (every k6 instance recorded the end of its test, or
none holds a live lease any more after one did, as when an instance was killed: exit 0, or 4 when the
last phase was not released), --timeout (exit 5) or an interrupt.

` + connectionHelp + "\n\n" + exitCodesHelp,
		Example: `  k6 x barrier watch --run-id run-42 --timeout 10m
  k6 x barrier watch --run-id run-42 --max-failures 5 --json
  until k6 x barrier watch --timeout 1m; do echo "not yet"; done`,
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
			return c.watch(in, ref, j, timeout)
		},
	}
	j.add(cmd.Flags())
	addTimeout(cmd.Flags(), &timeout, 0, "give up after this long with exit code 5 (e.g. 10m; 0: no timeout)")
	return cmd
}

// watch follows ref until it settles.
func (c *cli) watch(in *barrier.Inspector, ref barrier.Ref, j judgeFlags, timeout time.Duration) error {
	parent := c.gs.Ctx
	ctx := parent
	if timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(parent, timeout)
		defer cancel()
	}
	started := time.Now()
	timedOut := func() bool {
		return timeout > 0 && parent.Err() == nil && errors.Is(ctx.Err(), context.DeadlineExceeded)
	}

	// Subscribe before the first read: a change after it cannot be lost.
	w, err := in.Watch(ctx, ref)
	if err != nil {
		if timedOut() {
			return withCode(fmt.Errorf("barrier %s: timeout after %s while subscribing: %w", ref, timeout, err), ExitTimeout)
		}
		return withCode(err, ExitError)
	}
	defer w.Close()

	var last, lastErr string
	var snap barrier.Snapshot
	var leased bool // some k6 instance held a live lease on the rendezvous
	read := 0
	for {
		s, err := in.Inspect(ctx, ref, j.options(true))
		switch {
		case err != nil && timedOut():
		case err != nil && read == 0:
			return withCode(err, ExitError)
		case err != nil:
			// Reads fail for now (Redis restarting, a failover): say so once, keep watching.
			if msg := err.Error(); msg != lastErr {
				lastErr = msg
				_, _ = fmt.Fprintf(c.gs.Stderr, "%s reads failing: %s\n", now(), msg)
			}
		default:
			read++
			lastErr = ""
			snap = s
			done, err := c.report(in, s, &last, &leased, started)
			if done || err != nil {
				return err
			}
		}
		if err := w.Next(ctx); err != nil {
			break
		}
	}
	if timedOut() {
		msg := fmt.Sprintf("barrier %s: timeout after %s", ref, timeout)
		if snap.Found && snap.Parties > 0 {
			msg += ": " + summary(snap)
		} else if !snap.Found {
			msg += ": the barrier does not exist"
		}
		return withCode(errors.New(msg), ExitTimeout)
	}
	return withCode(fmt.Errorf("barrier %s: watch stopped: %w", ref, parent.Err()), ExitError)
}

// report prints s when it changed and tells whether the barrier settled (with the error of a
// failure). leased tells, across the reads of a watch, whether some k6 instance held a lease.
func (c *cli) report(
	in *barrier.Inspector, s barrier.Snapshot, last *string, leased *bool, started time.Time,
) (bool, error) {
	switch {
	case !s.Found:
		if *last != "absent" {
			*last = "absent"
			if c.json {
				return false, writeJSON(c.gs.Stdout, stamped(toJSON(in, s)))
			}
			c.printf(
				"%s barrier %s does not exist yet in redis %s (key prefix %s): waiting for it\n",
				now(), s.Ref, in.Addr(), in.KeyPrefix())
		}
		return false, nil
	case s.Parties == 0 && s.Phase == nil:
		return true, usageError(fmt.Sprintf(
			"barrier %s recorded no parties: pass --parties (the participants expected)",
			s.Ref))
	case s.Parties == 0: // a rendezvous only: follow its phases until the run ends (or --timeout)
		return c.reportPhases(in, s, last, leased, started)
	}
	text := line(s)
	if text != *last {
		*last = text
		var err error
		if c.json {
			err = writeJSON(c.gs.Stdout, stamped(toJSON(in, s)))
		} else {
			c.printf("%s %s\n", now(), text)
		}
		if err != nil {
			return true, withCode(err, ExitError)
		}
	}
	switch s.Outcome {
	case barrier.OutcomeMet:
		if !c.json {
			c.printf("%s barrier %s met after watching %s\n", now(), s.Ref, time.Since(started).Round(time.Millisecond))
		}
		return true, nil
	case barrier.OutcomeFailed:
		return true, withCode(fmt.Errorf("barrier %s failed: %s", s.Ref, failedCause(s)), ExitFailed)
	default:
		// not settled for a watcher: keep watching
	}
	return false, nil
}

// reportPhases is report for a rendezvous only: it prints its phase when it changed, and tells
// whether its run ended: every k6 instance recorded the end of its test, or none holds a live
// lease any more after one did (leased, across the reads of a watch).
func (c *cli) reportPhases(
	in *barrier.Inspector, s barrier.Snapshot, last *string, leased *bool, started time.Time,
) (bool, error) {
	text := "barrier " + s.String() + ": phase " + phaseText(s.Phase) + lastPhaseSuffix(s.Phase)
	if text != *last {
		*last = text
		if c.json {
			if err := writeJSON(c.gs.Stdout, stamped(toJSON(in, s))); err != nil {
				return true, withCode(err, ExitError)
			}
		} else {
			c.printf("%s %s\n", now(), text)
		}
	}
	ended := s.RunEnded || (*leased && s.Phase.Instances == 0)
	*leased = *leased || s.Phase.Instances > 0
	if !ended {
		return false, nil
	}
	return true, c.runEnded(s, started)
}

// runEnded, for a rendezvous whose run ended (every k6 instance recorded its test's end, or none
// holds a live lease any more), says so and returns the watch's end: nil when its last phase was
// released, exit code 4 otherwise.
func (c *cli) runEnded(s barrier.Snapshot, started time.Time) error {
	last := s.Phase.Last
	if last != nil && last.Outcome != barrier.OutcomeReleased {
		return withCode(fmt.Errorf("barrier %s: the run ended; its last phase %s", s.Ref, lastPhaseText(last)), ExitFailed)
	}
	if !c.json {
		c.printf("%s barrier %s: the run ended after watching %s\n",
			now(), s.Ref, time.Since(started).Round(time.Millisecond))
	}
	return nil
}

// lastPhaseSuffix is "; last phase 3 released at ...: ..." or "".
func lastPhaseSuffix(p *barrier.PhaseState) string {
	if p == nil || p.Last == nil {
		return ""
	}
	return "; last phase " + lastPhaseText(p.Last)
}

// failedCause says why s failed, as a wait's error does.
func failedCause(s barrier.Snapshot) string {
	if s.Failed > s.MaxFailures {
		return fmt.Sprintf("failed %s > max failures %d", failuresText(s.Failed, s.Failures), s.MaxFailures)
	}
	return fmt.Sprintf("quorum %d unreachable: joined %d, missing %d", s.Quorum, s.Joined, s.MissingCount)
}

func stamped(j snapshotJSON) snapshotJSON {
	j.Time = ptr(time.Now().UTC())
	return j
}

func now() string { return time.Now().Format("15:04:05") }

func (c *cli) printf(format string, a ...any) {
	_, _ = fmt.Fprintf(c.gs.Stdout, format, a...)
}
