package durfmt

import (
	"testing"
	"time"
)

func TestFormat(t *testing.T) {
	t.Parallel()
	tests := []struct {
		d    time.Duration
		want string
	}{
		{7 * 24 * time.Hour, "7d"},
		{30 * 24 * time.Hour, "30d"},
		{24 * time.Hour, "24h"},
		{36 * time.Hour, "36h"},
		{90 * time.Minute, "1h30m"},
		{5 * time.Minute, "5m"},
		{1500 * time.Millisecond, "1.5s"},
		{10 * time.Millisecond, "10ms"},
		{0, "0s"},
	}
	for _, tc := range tests {
		if got := Format(tc.d); got != tc.want {
			t.Errorf("Format(%v) = %q, want %q", tc.d, got, tc.want)
		}
	}
}
