// Package testutils holds test helpers of the shim.
package testutils

import (
	"testing"

	"github.com/sirupsen/logrus"
)

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Helper()
	w.t.Log(string(p))
	return len(p), nil
}

// NewLogger returns a logrus logger that writes to t.Log.
func NewLogger(t testing.TB) *logrus.Logger {
	l := logrus.New()
	l.SetOutput(testWriter{t: t})
	l.SetLevel(logrus.DebugLevel)
	return l
}
