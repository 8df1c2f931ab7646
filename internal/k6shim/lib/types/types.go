// Package types is the subset of k6 v2.2.0's go.k6.io/k6/v2/lib/types that this extension uses: the
// duration of k6's options and its parsing. It is written here from k6's public API (same package
// path, names, signatures and behaviour), not copied: numbers are milliseconds, strings are Go
// durations ("1m30s") or a whole number of days before one ("2d", "1d12h").
package types

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Duration is a time.Duration that k6 writes and reads as a human-readable string.
type Duration time.Duration

// String returns d as time.Duration writes it.
func (d Duration) String() string { return time.Duration(d).String() }

// ParseExtendedDuration parses a duration as k6 does: a number without a unit is milliseconds
// ("1500", "0.5"); otherwise a Go duration ("30s", "1h30m"), optionally after a whole number of
// days ("2d", "1d12h"). The part after the days may not be negative.
func ParseExtendedDuration(data string) (result time.Duration, err error) {
	if ms, err := strconv.ParseFloat(data, 64); err == nil {
		return time.Duration(ms * float64(time.Millisecond)), nil
	}
	daysText, rest, hasDays := strings.Cut(data, "d")
	if !hasDays {
		return time.ParseDuration(data)
	}
	var extra time.Duration
	if rest != "" {
		if extra, err = time.ParseDuration(rest); err != nil {
			return 0, err
		}
		if extra < 0 {
			return 0, fmt.Errorf("invalid time format '%s'", rest)
		}
	}
	days, err := strconv.ParseInt(daysText, 10, 64)
	if err != nil {
		return 0, err
	}
	if days < 0 {
		extra = -extra
	}
	return time.Duration(days)*24*time.Hour + extra, nil
}

// GetDurationValue converts v to a duration as k6 does for its options: a time.Duration as is, a
// string by ParseExtendedDuration, a number as milliseconds. Other types are an error.
func GetDurationValue(v any) (time.Duration, error) {
	switch d := v.(type) {
	case time.Duration:
		return d, nil
	case string:
		return ParseExtendedDuration(d)
	case float32:
		return time.Duration(float64(d) * float64(time.Millisecond)), nil
	case float64:
		return time.Duration(d * float64(time.Millisecond)), nil
	}
	n, err := wholeMillis(v)
	if err != nil {
		return 0, err
	}
	return time.Duration(n) * time.Millisecond, nil
}

// wholeMillis returns an integer of any Go integer type as an int64.
func wholeMillis(v any) (int64, error) {
	switch n := v.(type) {
	case int:
		return int64(n), nil
	case int8:
		return int64(n), nil
	case int16:
		return int64(n), nil
	case int32:
		return int64(n), nil
	case int64:
		return n, nil
	case uint:
		if uint64(n) > math.MaxInt64 {
			return 0, fmt.Errorf("%d is too big", n)
		}
		return int64(n), nil
	case uint8:
		return int64(n), nil
	case uint16:
		return int64(n), nil
	case uint32:
		return int64(n), nil
	case uint64:
		if n > math.MaxInt64 {
			return 0, fmt.Errorf("%d is too big", n)
		}
		return int64(n), nil
	}
	return 0, fmt.Errorf("unable to use type %T as a duration value", v)
}

// NullDuration is a Duration that may be unset (Valid false), as k6's options hold durations.
type NullDuration struct {
	Duration
	Valid bool
}

// NewNullDuration returns a NullDuration of d, set when valid.
func NewNullDuration(d time.Duration, valid bool) NullDuration {
	return NullDuration{Duration(d), valid}
}

// NullDurationFrom returns a set NullDuration of d.
func NullDurationFrom(d time.Duration) NullDuration {
	return NullDuration{Duration(d), true}
}

// ValueOrZero returns the duration, or 0 when unset.
func (d NullDuration) ValueOrZero() Duration {
	if !d.Valid {
		return Duration(0)
	}
	return d.Duration
}

// TimeDuration returns the duration as a time.Duration (0 when unset).
func (d NullDuration) TimeDuration() time.Duration {
	return time.Duration(d.Duration)
}

// UnmarshalJSON reads a duration option: a string such as "1m30s" (ParseExtendedDuration) or a
// number of milliseconds.
func (d *Duration) UnmarshalJSON(data []byte) error {
	if len(data) > 0 && data[0] == '"' {
		var s string
		if err := json.Unmarshal(data, &s); err != nil {
			return err
		}
		v, err := ParseExtendedDuration(s)
		if err != nil {
			return err
		}
		*d = Duration(v)
		return nil
	}
	ms, err := strconv.ParseFloat(string(data), 64)
	if err != nil {
		return fmt.Errorf("'%s' is not a valid duration value", string(data))
	}
	*d = Duration(ms * float64(time.Millisecond))
	return nil
}

// UnmarshalJSON reads a duration option that may be null (unset).
func (d *NullDuration) UnmarshalJSON(data []byte) error {
	if string(data) == "null" {
		d.Valid = false
		return nil
	}
	if err := json.Unmarshal(data, &d.Duration); err != nil {
		return err
	}
	d.Valid = true
	return nil
}
