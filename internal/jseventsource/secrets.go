package jseventsource

import (
	"net/url"
	"strings"

	"github.com/xk6-barrier/xk6-barrier/internal/redact"
)

// maskedError is an error whose text shows the user info of the stream's URL masked as k6 masks
// it (see redact.HTTPURL); errors.Is and errors.As see the error it masks.
type maskedError struct {
	err  error
	text string
}

func (e *maskedError) Error() string { return e.text }
func (e *maskedError) Unwrap() error { return e.err }

// maskUserInfo returns err with every "user:password@" (and "user@") of the stream's URL u in its
// text, as given or escaped, replaced by k6's mask. The core already masks the URLs it quotes; this
// is the last check before an error's text reaches a script, whatever quoted the URL.
func maskUserInfo(err error, u *url.URL) error {
	if err == nil || u == nil || u.User == nil {
		return err
	}
	text := err.Error()
	masked := text
	user := u.User.Username()
	if pw, ok := u.User.Password(); ok {
		for _, s := range []string{user + ":" + pw + "@", u.User.String() + "@"} {
			masked = strings.ReplaceAll(masked, s, redact.HTTPMask+":"+redact.HTTPMask+"@")
		}
	} else {
		for _, s := range []string{user + "@", u.User.String() + "@"} {
			masked = strings.ReplaceAll(masked, "//"+s, "//"+redact.HTTPMask+"@")
		}
	}
	if masked == text {
		return err
	}
	return &maskedError{err: err, text: masked}
}
