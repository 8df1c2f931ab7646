package sse

import (
	"net"
	"net/url"
	"strings"
)

// Origin returns the serialization of the origin of an http or https URL, as the HTML standard
// defines it and a message event's origin carries it: scheme "://" host, then ":" port unless it
// is the scheme's default (80, 443). No user info, path, query or fragment. Another scheme has an
// opaque origin, serialized "null".
func Origin(u *url.URL) string {
	scheme := strings.ToLower(u.Scheme)
	var defaultPort string
	switch scheme {
	case "http":
		defaultPort = "80"
	case "https":
		defaultPort = "443"
	default:
		return "null"
	}
	host := strings.ToLower(u.Hostname())
	if strings.Contains(host, ":") { // an IPv6 address
		host = "[" + host + "]"
	}
	if port := u.Port(); port != "" && port != defaultPort {
		return scheme + "://" + net.JoinHostPort(strings.Trim(host, "[]"), port)
	}
	return scheme + "://" + host
}
