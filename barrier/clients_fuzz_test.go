package barrier

import (
	"net/url"
	"strings"
	"testing"
)

// FuzzParseRedisURL: parsing any URL never panics, and its error never shows the URL's password
// (user:password@ or a password query parameter). Seeds are in testdata/fuzz/FuzzParseRedisURL.
func FuzzParseRedisURL(f *testing.F) {
	for _, seed := range []string{
		"redis://127.0.0.1:6379/0",
		"rediss://k6:s3cret-pw@redis.example:6380/2?dial_timeout=3s",
		"redis+cluster://k6:s3cret-pw@10.0.0.1:7000,10.0.0.2:7000",
		"unix://k6:s3cret-pw@/var/run/redis.sock?db=1",
		"redis://k6:s3cret-pw@host:notaport",
		"redis://k6:s3cret-pw@host:6379/notadb",
		"redis://host:6379/0?password=s3cret-pw&unknown_option=1",
		"http://k6:s3cret-pw@host",
		"redis://k6:s3cr%40t-pw@host:6379",
		"redis+sentinel://k6:s3cret-pw@10.0.0.1:26379,10.0.0.2:26379/mymaster?db=2",
		"redis+sentinel://10.0.0.1:26379/mymaster?sentinel_password=s3cret-pw&bogus=1",
		"redis+sentinel://k6:s3cret-pw@10.0.0.1:26379",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		_, err := parseRedisURL(raw)
		if err == nil {
			return
		}
		msg := err.Error()
		for _, secret := range secretsOf(raw) {
			if len(secret) >= 4 && strings.Contains(msg, secret) {
				t.Fatalf("error shows the password %q: %s", secret, msg)
			}
		}
	})
}

// secretsOf returns the passwords written in raw: the userinfo password and password query
// parameters, as written and decoded.
func secretsOf(raw string) []string {
	u, err := url.Parse(raw)
	if err != nil {
		return nil
	}
	var out []string
	if u.User != nil {
		if pw, ok := u.User.Password(); ok {
			out = append(out, pw)
		}
	}
	out = append(out, u.Query()["password"]...)
	out = append(out, u.Query()["sentinel_password"]...)
	return out
}
