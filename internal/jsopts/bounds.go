package jsopts

import (
	"math"
	"strconv"
	"strings"
	"time"
)

// DurationAtMost reads a duration option (see ParseDuration) that may not exceed limit; set reports
// whether it was given. Past the limit, or too large to be a duration at all, the error names the
// option and the limit (a number is checked before it is converted, so 1e20 cannot wrap around).
func (r *Reader) DurationAtMost(key string, limit time.Duration) (d time.Duration, set bool, err error) {
	v := r.Get(key)
	if v == nil {
		return 0, false, nil
	}
	over := func() error {
		return r.Errorf("option %s must be at most %s, got %s", key, FormatDuration(limit), Describe(v))
	}
	ms, isNumber := Number(v)
	if s, isString := v.Export().(string); isString {
		if f, err := strconv.ParseFloat(strings.TrimSpace(s), 64); err == nil {
			ms, isNumber = f, true // a bare number in a string: milliseconds
		}
	}
	if isNumber && ms > float64(limit/time.Millisecond) {
		return 0, true, over()
	}
	d, err = ParseDuration(v)
	if err != nil {
		return 0, true, r.Errorf("option %s: %w (at most %s)", key, err, FormatDuration(limit))
	}
	if d > limit {
		return 0, true, over()
	}
	return d, true, nil
}

// IntegerIn reads a whole-number option in [lo, hi]; set reports whether it was given. Out of the
// range, or not a whole number, the error names the option and the range.
func (r *Reader) IntegerIn(key string, lo, hi int, unit string) (n int, set bool, err error) {
	v := r.Get(key)
	if v == nil {
		return 0, false, nil
	}
	f, ok := Number(v)
	if !ok || f != math.Trunc(f) || f < float64(lo) || f > float64(hi) {
		if unit != "" {
			unit = " " + unit
		}
		return 0, true, r.Errorf("option %s must be a whole number from %d to %d%s, got %s", key, lo, hi, unit, Describe(v))
	}
	return int(f), true, nil
}

// FormatDuration writes d as time.Duration does, without its zero minutes and seconds: "24h",
// "1h30m", "5m", "1.5s".
func FormatDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}
