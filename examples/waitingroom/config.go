package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"math"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// Config holds the settings of the waiting-room server.
type Config struct {
	// Addr is the TCP address the HTTP server listens on (":0" picks a port).
	Addr string
	// RedisURL is the Redis to use; empty starts an embedded Redis.
	RedisURL string
	// KeyPrefix is prepended to every Redis key the server writes.
	KeyPrefix string
	// Users is the number of accounts user1..userN@example.com.
	Users int
	// PromoteRate is how many users per second the dispatcher promotes per
	// event; 0 never promotes, fractions promote slowly (0.5: one per 2s).
	PromoteRate float64
	// PromoteBeforeOpen promotes users even before their event is opened, so
	// the waiting queue shrinks while users are still joining.
	PromoteBeforeOpen bool
	// LoginFailRate is the fraction (0..1) of users whose logins are refused
	// with 401 even with the right password.
	LoginFailRate float64
	// SSEFailRate is the fraction (0..1) of users whose SSE connects are
	// refused with 503.
	SSEFailRate float64
	// Seed selects which users the failure rates hit; a run is reproducible
	// for a given seed.
	Seed uint64
	// PositionInterval is how often a stream checks the user's position and
	// sends a WAITING event when it changed.
	PositionInterval time.Duration
	// KeepAlive is the interval of the SSE keep-alive comment line.
	KeepAlive time.Duration
	// DispatchInterval is the dispatcher's tick.
	DispatchInterval time.Duration
	// FirstTokenDelay is the wait before the first token of a streamed chat
	// completion (POST /v1/chat/completions), after its role-only first chunk:
	// the model's time to first token.
	FirstTokenDelay time.Duration
	// TokenInterval is the gap between the tokens of a streamed chat
	// completion: the inter-token latency.
	TokenInterval time.Duration
	// ShutdownTimeout bounds the graceful shutdown of the HTTP server.
	ShutdownTimeout time.Duration
	// Log receives operational messages; nil discards them.
	Log *log.Logger
}

// defaultConfig returns the settings used when no flag is given.
func defaultConfig() Config {
	return Config{
		Addr:             "127.0.0.1:8080",
		Users:            1000,
		PromoteRate:      200,
		PositionInterval: time.Second,
		KeepAlive:        5 * time.Second,
		DispatchInterval: 100 * time.Millisecond,
		FirstTokenDelay:  200 * time.Millisecond,
		TokenInterval:    20 * time.Millisecond,
		ShutdownTimeout:  5 * time.Second,
	}
}

// usageError marks an error caused by bad command-line input (exit code 2).
type usageError struct{ err error }

func (e *usageError) Error() string { return e.err.Error() }
func (e *usageError) Unwrap() error { return e.err }

// isUsageError reports whether err was caused by bad command-line input.
func isUsageError(err error) bool {
	var ue *usageError
	return errors.As(err, &ue)
}

// parseConfig parses the command line into a validated Config. Flag syntax
// errors and usage are written to stderr; every error returned for bad input
// is a *usageError. -h returns flag.ErrHelp.
func parseConfig(args []string, stderr io.Writer) (Config, error) {
	cfg := defaultConfig()
	fs := flag.NewFlagSet("waitingroom", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&cfg.Addr, "addr", cfg.Addr, "HTTP listen `address` (:0 picks a free port)")
	fs.StringVar(&cfg.RedisURL, "redis", "", "Redis `URL` (default $REDIS_URL, not shown here as it may hold a "+
		"password); empty: start an embedded Redis on a loopback port")
	fs.StringVar(&cfg.KeyPrefix, "key-prefix", cfg.KeyPrefix,
		"`prefix` of every Redis key (keys are <prefix>WAITING:{eventId}, ...)")
	fs.IntVar(&cfg.Users, "users", cfg.Users, "number of accounts user1..userN@example.com (password \"password\")")
	fs.Float64Var(&cfg.PromoteRate, "promote-rate", cfg.PromoteRate,
		"users promoted per second per event (0: never; 0.5: one every 2s)")
	fs.BoolVar(&cfg.PromoteBeforeOpen, "promote-before-open", cfg.PromoteBeforeOpen,
		"promote users before the event is opened (the queue shrinks while users join)")
	fs.Float64Var(&cfg.LoginFailRate, "login-fail-rate", cfg.LoginFailRate,
		"fraction 0..1 of users whose logins get 401 despite the right password")
	fs.Float64Var(&cfg.SSEFailRate, "sse-fail-rate", cfg.SSEFailRate, "fraction 0..1 of users whose SSE connects get 503")
	fs.Uint64Var(&cfg.Seed, "seed", cfg.Seed, "seed choosing which users the failure rates hit")
	fs.DurationVar(&cfg.PositionInterval, "position-interval", cfg.PositionInterval,
		"how often a stream re-checks the position (a WAITING event is sent when it changed)")
	fs.DurationVar(&cfg.KeepAlive, "keepalive", cfg.KeepAlive, "interval of the SSE keep-alive comment")
	fs.DurationVar(&cfg.FirstTokenDelay, "first-token-delay", cfg.FirstTokenDelay,
		"wait before the first token of a streamed chat completion (POST /v1/chat/completions)")
	fs.DurationVar(&cfg.TokenInterval, "token-interval", cfg.TokenInterval,
		"gap between the tokens of a streamed chat completion")
	fs.DurationVar(&cfg.ShutdownTimeout, "shutdown-timeout", cfg.ShutdownTimeout, "graceful shutdown timeout")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return Config{}, err
		}
		return Config{}, &usageError{err}
	}
	if !flagSet(fs, "redis") {
		cfg.RedisURL = os.Getenv("REDIS_URL")
	}
	if fs.NArg() > 0 {
		return Config{}, &usageError{fmt.Errorf("unexpected argument %q", fs.Arg(0))}
	}
	if err := cfg.validate(); err != nil {
		return Config{}, &usageError{err}
	}
	return cfg, nil
}

// flagSet reports whether the flag name was given on the command line.
func flagSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

// validate checks the settings and says what is wrong with the first bad one.
func (c Config) validate() error {
	if c.Addr == "" {
		return errors.New("-addr must not be empty")
	}
	if c.RedisURL != "" {
		if _, err := redis.ParseURL(c.RedisURL); err != nil {
			return fmt.Errorf("-redis: invalid Redis URL: %s", redactURLError(err, c.RedisURL))
		}
	}
	if c.Users < 1 || c.Users > 10_000_000 {
		return fmt.Errorf("-users must be between 1 and 10000000, got %d", c.Users)
	}
	if math.IsNaN(c.PromoteRate) || math.IsInf(c.PromoteRate, 0) || c.PromoteRate < 0 {
		return fmt.Errorf("-promote-rate must be a number >= 0, got %v", c.PromoteRate)
	}
	for _, r := range []struct {
		name string
		v    float64
	}{{"-login-fail-rate", c.LoginFailRate}, {"-sse-fail-rate", c.SSEFailRate}} {
		if math.IsNaN(r.v) || r.v < 0 || r.v > 1 {
			return fmt.Errorf("%s must be between 0 and 1, got %v", r.name, r.v)
		}
	}
	for _, d := range []struct {
		name string
		v    time.Duration
	}{
		{"-position-interval", c.PositionInterval},
		{"-keepalive", c.KeepAlive},
		{"-shutdown-timeout", c.ShutdownTimeout},
		{"dispatch interval", c.DispatchInterval},
	} {
		if d.v <= 0 {
			return fmt.Errorf("%s must be > 0, got %v", d.name, d.v)
		}
	}
	if c.FirstTokenDelay < 0 || c.TokenInterval < 0 {
		return fmt.Errorf(
			"-first-token-delay and -token-interval must be >= 0, got %v and %v",
			c.FirstTokenDelay, c.TokenInterval)
	}
	return nil
}

// redactURLError returns err's text with the password of rawURL masked; when
// rawURL does not even parse, a generic text (url errors quote the raw URL).
func redactURLError(err error, rawURL string) string {
	u, perr := url.Parse(rawURL)
	if perr != nil {
		return "cannot parse it as a URL"
	}
	msg := err.Error()
	if pw, ok := u.User.Password(); ok && pw != "" {
		msg = strings.ReplaceAll(msg, pw, "xxxxx")
	}
	return msg
}
