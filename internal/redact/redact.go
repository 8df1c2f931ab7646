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

// HTTPMask is what k6 shows in place of the user info of an HTTP URL that has one: "****" for a
// user name alone, "****:****" for a user name and a password.
const HTTPMask = "****"

// HTTPURL returns raw as k6 shows the URL of an HTTP request in its metric tags and errors: the
// user info, if any, replaced by "****:****" (a user and a password) or "****" (a user alone), the
// rest as given. A URL that does not parse is masked the same way from its text: anything before
// the last '@' of what follows "scheme://" up to the first '/', '?' or '#' becomes "****:****"; one
// without "scheme://" but with an '@' (such as user:password@host) gives "(unparsable URL)".
func HTTPURL(raw string) string {
	mask := HTTPMask + ":" + HTTPMask
	if u, err := url.Parse(raw); err == nil {
		if u.User == nil && !strings.Contains(u.Opaque, "@") {
			return raw
		}
		if _, ok := u.User.Password(); !ok {
			mask = HTTPMask
		}
	}
	scheme, rest, ok := strings.Cut(raw, "://")
	if !ok {
		if strings.Contains(raw, "@") {
			return "(unparsable URL)"
		}
		return raw
	}
	at := strings.LastIndexByte(rest[:authorityEnd(rest)], '@')
	if at < 0 {
		return raw
	}
	return scheme + "://" + mask + rest[at:]
}

// authorityEnd returns where the authority of s (a URL after its "scheme://") ends: at the first
// '/', '?' or '#', or at the end.
func authorityEnd(s string) int {
	if i := strings.IndexAny(s, "/?#"); i >= 0 {
		return i
	}
	return len(s)
}
