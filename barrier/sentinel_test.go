package barrier

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestParseSentinelURL: redis+sentinel:// names the Sentinels, the primary's name and its
// credentials; the Sentinels' own credentials are query options.
func TestParseSentinelURL(t *testing.T) {
	tg, err := parseRedisURL("redis+sentinel://k6:pw@10.0.0.1:26379,10.0.0.2:26380/mymaster?db=2&sentinel_password=spw&dial_timeout=5s")
	require.NoError(t, err)
	require.NotNil(t, tg.sentinel)
	o := tg.sentinel
	assert.Equal(t, []string{"10.0.0.1:26379", "10.0.0.2:26380"}, o.SentinelAddrs)
	assert.Equal(t, "mymaster", o.MasterName)
	assert.Equal(t, 2, o.DB)
	assert.Equal(t, "k6", o.Username)
	assert.Equal(t, "pw", o.Password)
	assert.Equal(t, "spw", o.SentinelPassword)
	assert.Equal(t, 5*time.Second, o.DialTimeout, "the URL's option wins")
	assert.Equal(t, ReadTimeout, o.ReadTimeout)
	assert.Nil(t, o.TLSConfig)
	assert.Equal(t, "master mymaster via 10.0.0.1:26379,10.0.0.2:26380", tg.addr)
	assert.Equal(t, topologySentinel, tg.topology())

	tg, err = parseRedisURL("rediss+sentinel://h:26379/m")
	require.NoError(t, err)
	assert.NotNil(t, tg.sentinel.TLSConfig)

	for raw, want := range map[string]string{
		"redis+sentinel://k6:pw@h:26379":          "the path must be the name of the primary",
		"redis+sentinel://k6:pw@h:26379/a/b":      "the path must be the name of the primary",
		"redis+sentinel://k6:pw@,h:26379/m":       "empty host in the Sentinel list",
		"redis+sentinel://k6:pw@h:26379/m?db=x":   "invalid database number",
		"redis+sentinel://k6:pw@h:99999/m":        `invalid port "99999"`,
		"redis+sentinel://k6:pw@h:26379/m?nope=1": "nope",
	} {
		_, err := parseRedisURL(raw)
		require.Error(t, err, raw)
		assert.Contains(t, err.Error(), want, raw)
		assert.NotContains(t, err.Error(), "pw@", raw)
	}
}
