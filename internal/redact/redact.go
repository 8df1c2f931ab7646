// Package redact keeps passwords out of what this extension shows: URLs in messages, logs and
// metric tags, and the texts of errors that may quote a URL. It knows nothing of k6 or JavaScript.
package redact

import (
	"net/url"
	"strings"
)

// Mask is what a password is replaced with.
const Mask = "xxxxx"

// URL returns raw with the password of its user info masked (as url.URL.Redacted does), for a
// message, a log line or a metric tag. A raw URL that does not parse gives "(unparsable URL)": its
// text is never shown, as it may hold a password that the parser could not find.
func URL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable URL)"
	}
	return u.Redacted()
}

// URLAndQuery returns u with the password of its user info masked and the value of every query
// option masked too, their names kept: for URLs whose options may carry a secret (a Redis URL's
// ?password=...).
func URLAndQuery(u *url.URL) string {
	c := *u
	if c.RawQuery != "" {
		q := c.Query()
		for k := range q {
			q[k] = []string{Mask}
		}
		c.RawQuery = q.Encode()
	}
	return c.Redacted()
}

// Secrets returns s with u's passwords masked wherever they appear, as given or query-escaped: the
// password of its user info and the values of its password query options. Use it on the text of
// an error that may quote u.
func Secrets(s string, u *url.URL) string {
	if u == nil {
		return s
	}
	var secrets []string
	if u.User != nil {
		if pw, ok := u.User.Password(); ok {
			secrets = append(secrets, pw)
		}
	}
	secrets = append(secrets, u.Query()["password"]...)
	for _, pw := range secrets {
		if pw != "" {
			s = strings.ReplaceAll(s, pw, Mask)
			s = strings.ReplaceAll(s, url.QueryEscape(pw), Mask)
		}
	}
	return s
}
