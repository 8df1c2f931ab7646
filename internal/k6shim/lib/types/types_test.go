package types

import (
	"testing"
	"time"
)

// TestDurations: the shim parses durations as k6 v2.2.0 does (numbers are milliseconds, strings
// Go durations after optional days) and refuses what k6 refuses.
func TestDurations(t *testing.T) {
	t.Parallel()
	ok := []struct {
		v    any
		want time.Duration
	}{
		{"1500", 1500 * time.Millisecond},
		{"0.5", 500 * time.Microsecond},
		{"1m30s", 90 * time.Second},
		{"2d", 48 * time.Hour},
		{"1d12h", 36 * time.Hour},
		{"-1d2h", -26 * time.Hour},
		{float64(250), 250 * time.Millisecond},
		{float32(0.5), 500 * time.Microsecond},
		{int64(3), 3 * time.Millisecond},
		{uint8(4), 4 * time.Millisecond},
		{5 * time.Second, 5 * time.Second},
	}
	for _, tc := range ok {
		got, err := GetDurationValue(tc.v)
		if err != nil || got != tc.want {
			t.Errorf("GetDurationValue(%#v) = %v, %v; want %v", tc.v, got, err, tc.want)
		}
	}
	for _, v := range []any{"soon", "d", "1d-5h", "1.5d", "5 minutes", true, uint64(1 << 63), struct{}{}} {
		if got, err := GetDurationValue(v); err == nil {
			t.Errorf("GetDurationValue(%#v) = %v, want an error", v, got)
		}
	}
	if s := Duration(90 * time.Second).String(); s != "1m30s" {
		t.Errorf("Duration.String() = %q", s)
	}
}
