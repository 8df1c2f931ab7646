// Package durfmt writes durations for this extension's messages as a script author writes them
// ("7d", "24h", "1h30m", "5m", "1.5s"). It knows nothing of k6 or JavaScript.
package durfmt

import (
	"strconv"
	"strings"
	"time"
)

// Format writes d for a message: two or more whole days as "7d", else as time.Duration does but
// without zero minutes and seconds ("24h", "1h30m", "5m", "1.5s").
func Format(d time.Duration) string {
	const day = 24 * time.Hour
	if d >= 2*day && d%day == 0 {
		return strconv.FormatInt(int64(d/day), 10) + "d"
	}
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}
