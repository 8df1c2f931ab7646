// Package jsopts reads the options objects that k6 scripts pass to this extension's JavaScript APIs,
// with errors that name the call and the option, say what was given and how to fix it.
package jsopts

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/grafana/sobek"

	"go.k6.io/k6/v2/lib/types"
)

// Reader reads one JS options object. Every error it returns starts with its call's name.
type Reader struct {
	what string // the call, e.g. "new Barrier()"
	obj  *sobek.Object
}

// NewReader checks that v is an object with only known keys; nullish v is accepted unless required
// (then every getter reports the option as not set).
func NewReader(what string, v sobek.Value, known []string, required bool) (*Reader, error) {
	r := &Reader{what: what}
	if v == nil || sobek.IsUndefined(v) || sobek.IsNull(v) {
		if required {
			return nil, fmt.Errorf("%s: options are required", what)
		}
		return r, nil
	}
	obj, isObj := v.(*sobek.Object)
	if !isObj || IsFunction(v) || obj.ClassName() == "Array" {
		return nil, fmt.Errorf("%s: options must be an object, got %s", what, Describe(v))
	}
	r.obj = obj
	for _, key := range obj.Keys() {
		if !contains(known, key) {
			return nil, fmt.Errorf("%s: unknown option %q%s (known options: %s)",
				what, key, suggest(key, known), strings.Join(known, ", "))
		}
	}
	return r, nil
}

// Errorf returns an error that starts with the call's name.
func (r *Reader) Errorf(format string, args ...any) error {
	return fmt.Errorf("%s: "+format, append([]any{r.what}, args...)...)
}

// Get returns the option's value, or nil when it is absent, undefined or null.
func (r *Reader) Get(key string) sobek.Value {
	if r.obj == nil {
		return nil
	}
	v := r.obj.Get(key)
	if v == nil || sobek.IsUndefined(v) || sobek.IsNull(v) {
		return nil
	}
	return v
}

// String reads a string option; "" when not set.
func (r *Reader) String(key string) (string, error) {
	v := r.Get(key)
	if v == nil {
		return "", nil
	}
	s, ok := AsString(v)
	if !ok {
		return "", r.Errorf("option %s must be a string, got %s", key, Describe(v))
	}
	return s, nil
}

// Bool reads a boolean option; set reports whether it was given.
func (r *Reader) Bool(key string) (b, set bool, err error) {
	v := r.Get(key)
	if v == nil {
		return false, false, nil
	}
	b, ok := v.Export().(bool)
	if !ok {
		return false, true, r.Errorf("option %s must be true or false, got %s", key, Describe(v))
	}
	return b, true, nil
}

// Integer reads a whole-number option; set reports whether it was given. A whole number beyond
// the range of int reads as math.MaxInt or math.MinInt, which any bound of its user refuses.
func (r *Reader) Integer(key string) (n int, set bool, err error) {
	v := r.Get(key)
	if v == nil {
		return 0, false, nil
	}
	f, ok := Number(v)
	if !ok || math.IsNaN(f) || (!math.IsInf(f, 0) && f != math.Trunc(f)) {
		return 0, true, r.Errorf("option %s must be a whole number, got %s", key, Describe(v))
	}
	switch {
	case f >= math.MaxInt64:
		return math.MaxInt, true, nil
	case f <= math.MinInt64:
		return math.MinInt, true, nil
	}
	return int(f), true, nil
}

// ErrDurationTooLarge is wrapped by ParseDuration's error for a value beyond what a
// time.Duration holds (about 292 years).
var ErrDurationTooLarge = errors.New("too large")

// Duration reads a duration option (see ParseDuration); set reports whether it was given.
func (r *Reader) Duration(key string) (d time.Duration, set bool, err error) {
	v := r.Get(key)
	if v == nil {
		return 0, false, nil
	}
	d, err = ParseDuration(v)
	if err != nil {
		return 0, true, r.Errorf("option %s: %w", key, err)
	}
	return d, true, nil
}

// StringMap reads an object of strings, such as headers or tags.
func (r *Reader) StringMap(key string) (map[string]string, error) {
	v := r.Get(key)
	if v == nil {
		return nil, nil //nolint:nilnil // a nil map: the option is not given, which is no error
	}
	obj, isObj := v.(*sobek.Object)
	if !isObj || IsFunction(v) || obj.ClassName() == "Array" {
		return nil, r.Errorf("option %s must be an object of strings, got %s", key, Describe(v))
	}
	out := make(map[string]string, len(obj.Keys()))
	for _, k := range obj.Keys() {
		val := obj.Get(k)
		switch x := val.Export().(type) {
		case string:
			out[k] = x
		case int64, float64, bool:
			out[k] = val.String()
		default:
			return nil, r.Errorf("option %s: %q must be a string, got %s", key, k, Describe(val))
		}
	}
	return out, nil
}

// ParseDuration reads a duration as k6 reads its own options (go.k6.io/k6/v2/lib/types): a number
// of milliseconds, or a string such as "500ms", "30s", "5m", "1h30m", "2d" or "1d12h" (a bare numeric
// string is milliseconds too). A negative duration is refused; one beyond what a time.Duration
// holds (about 292 years) is an error wrapping ErrDurationTooLarge, never a wrapped-around value.
func ParseDuration(v sobek.Value) (time.Duration, error) {
	const how = `use a string like "30s", "5m", "24h" or a number of milliseconds`
	if f, ok := Number(v); ok {
		if f < 0 || math.IsNaN(f) || math.IsInf(f, -1) {
			return 0, fmt.Errorf("invalid duration %s: %s", v, how)
		}
		if f*float64(time.Millisecond) >= math.MaxInt64 {
			return 0, fmt.Errorf("invalid duration %s: %w", v, ErrDurationTooLarge)
		}
		return types.GetDurationValue(f)
	}
	s, ok := AsString(v)
	if !ok {
		return 0, fmt.Errorf("invalid duration %s: %s", Describe(v), how)
	}
	trimmed := strings.TrimSpace(s)
	if tooLarge(trimmed) {
		return 0, fmt.Errorf("invalid duration %q: %w", s, ErrDurationTooLarge)
	}
	d, err := types.ParseExtendedDuration(trimmed)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("invalid duration %q: %s", s, how)
	}
	return d, nil
}

// tooLarge reports whether s is a well-formed duration of k6's syntax whose value is beyond a
// time.Duration: k6's parser would wrap it around or refuse it as if it were a typo.
func tooLarge(s string) bool {
	if f, err := strconv.ParseFloat(s, 64); err == nil { // milliseconds
		return f*float64(time.Millisecond) >= math.MaxInt64
	}
	daysText, rest, hasDays := strings.Cut(s, "d")
	if !hasDays {
		return goDurationTooLarge(s)
	}
	days, err := strconv.ParseInt(daysText, 10, 64)
	if errors.Is(err, strconv.ErrRange) && daysText[0] != '-' {
		return true
	}
	if err != nil || days < 0 {
		return false
	}
	const day = 24 * time.Hour
	if days > int64(math.MaxInt64/day) {
		return true
	}
	if rest == "" {
		return false
	}
	if goDurationTooLarge(rest) {
		return true
	}
	extra, err := time.ParseDuration(rest)
	return err == nil && time.Duration(days)*day+extra < 0
}

// goDurationTooLarge reports whether time.ParseDuration refuses s for its size rather than its
// syntax: s has only the characters of a positive Go duration ("1h30m", "1.5s").
func goDurationTooLarge(s string) bool {
	if _, err := time.ParseDuration(s); err == nil || strings.HasPrefix(s, "-") {
		return false
	}
	if !strings.ContainsAny(s, "0123456789") {
		return false
	}
	for _, unit := range []string{"ns", "us", "µs", "ms", "s", "m", "h"} {
		if strings.HasSuffix(s, unit) {
			return strings.Trim(s, "0123456789.nsuµmh") == ""
		}
	}
	return false
}

// Number returns v's value when v is a JS number (a numeric string is not a number).
func Number(v sobek.Value) (float64, bool) {
	if v == nil {
		return 0, false
	}
	switch n := v.Export().(type) {
	case int64:
		return float64(n), true
	case float64:
		return n, true
	}
	return 0, false
}

// IsFunction reports whether v is callable.
func IsFunction(v sobek.Value) bool {
	_, ok := sobek.AssertFunction(v)
	return ok
}

// Describe names v's JS type and value for an error message.
func Describe(v sobek.Value) string {
	switch {
	case v == nil || sobek.IsUndefined(v):
		return "undefined"
	case sobek.IsNull(v):
		return "null"
	case IsFunction(v):
		return "a function"
	case isSymbol(v):
		return "a symbol"
	}
	switch x := v.Export().(type) {
	case string:
		return fmt.Sprintf("the string %q", x)
	case bool:
		return fmt.Sprintf("the boolean %v", x)
	case int64, float64:
		return "the number " + v.String()
	case []any:
		return "an array"
	}
	return "an object"
}

// isSymbol reports whether v is a JavaScript Symbol (which exports as its description).
func isSymbol(v sobek.Value) bool {
	_, ok := v.(*sobek.Symbol)
	return ok
}

// AsString returns v when it is a JavaScript string; a Symbol, which exports as its description,
// is not one.
func AsString(v sobek.Value) (string, bool) {
	if v == nil || isSymbol(v) {
		return "", false
	}
	s, ok := v.Export().(string)
	return s, ok
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// suggest returns `: did you mean "x"?` for a key that differs from a known option by case or by
// at most two edits.
func suggest(key string, known []string) string {
	best, bestDist := "", 3
	for _, k := range known {
		if strings.EqualFold(k, key) {
			return fmt.Sprintf(": did you mean %q?", k)
		}
		if d := editDistance(strings.ToLower(k), strings.ToLower(key)); d < bestDist {
			best, bestDist = k, d
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf(": did you mean %q?", best)
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
