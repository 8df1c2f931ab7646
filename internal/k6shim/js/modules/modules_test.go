package modules_test

import (
	"fmt"
	"strings"
	"testing"

	"go.k6.io/k6/v2/js/modules"
)

func panicOf(f func()) (msg string) {
	defer func() {
		if r := recover(); r != nil {
			msg = fmt.Sprint(r)
		}
	}()
	f()
	return ""
}

func TestRegisterRules(t *testing.T) {
	t.Parallel()
	if msg := panicOf(func() { modules.Register("k6/x/shim-register-ok", struct{}{}) }); msg != "" {
		t.Fatalf("valid name panicked: %s", msg)
	}
	tests := []struct{ name, want string }{
		{"barrier", "must be prefixed with 'k6/x/'"},
		{"k6/barrier", "must be prefixed with 'k6/x/'"},
		{"k6/x/shim-register-ok", "already registered"},
	}
	for _, tc := range tests {
		msg := panicOf(func() { modules.Register(tc.name, struct{}{}) })
		if !strings.Contains(msg, tc.want) {
			t.Errorf("Register(%q): panic %q, want it to contain %q", tc.name, msg, tc.want)
		}
	}
}
