package main

import (
	"bufio"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestChatCompletionsStream: POST /v1/chat/completions with "stream": true answers an OpenAI-style
// event stream: a role chunk, one content chunk per token, a finish chunk, then data: [DONE].
func TestChatCompletionsStream(t *testing.T) {
	env := newTestEnv(t, func(c *Config) {
		c.FirstTokenDelay = 5 * time.Millisecond
		c.TokenInterval = time.Millisecond
	})
	resp, err := http.Post(env.base+"/v1/chat/completions", "application/json",
		strings.NewReader(`{"model":"m","stream":true,"max_tokens":3,"messages":[{"role":"user","content":"hello there"}]}`))
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Equal(t, "text/event-stream", resp.Header.Get("Content-Type"))
	var data []string
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if d, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
			data = append(data, d)
		}
	}
	require.Len(t, data, 6, "role, 3 tokens, finish, [DONE]: %q", data)
	require.Equal(t, "[DONE]", data[5])
	var text string
	for _, d := range data[1:4] {
		var c chatChunk
		require.NoError(t, json.Unmarshal([]byte(d), &c))
		require.Equal(t, "chat.completion.chunk", c.Object)
		text += c.Choices[0].Delta["content"]
	}
	require.Equal(t, "hello there hello", text)
	var finish chatChunk
	require.NoError(t, json.Unmarshal([]byte(data[4]), &finish))
	require.Equal(t, "stop", *finish.Choices[0].FinishReason)
}

// TestChatCompletionsRoleChunkFirst: the role-only chunk comes at once, before the first token's
// delay (here longer than the test may run): time to first event is not time to first token.
func TestChatCompletionsRoleChunkFirst(t *testing.T) {
	env := newTestEnv(t, func(c *Config) { c.FirstTokenDelay = time.Hour })
	resp, err := http.Post(env.base+"/v1/chat/completions", "application/json",
		strings.NewReader(`{"stream":true,"messages":[{"role":"user","content":"hi"}]}`))
	require.NoError(t, err)
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if d, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
			var c chatChunk
			require.NoError(t, json.Unmarshal([]byte(d), &c))
			require.Equal(t, map[string]string{"role": "assistant"}, c.Choices[0].Delta)
			return
		}
	}
	t.Fatalf("the stream ended before its first chunk: %v", sc.Err())
}

// TestChatCompletionsRefusesBadInput: a body that is not JSON, or a max_tokens out of range, is a 400.
func TestChatCompletionsRefusesBadInput(t *testing.T) {
	env := newTestEnv(t, nil)
	for _, body := range []string{`{`, `{"max_tokens": 100000}`, `{"max_tokens": -1}`} {
		resp, err := http.Post(env.base+"/v1/chat/completions", "application/json", strings.NewReader(body))
		require.NoError(t, err)
		resp.Body.Close()
		require.Equal(t, http.StatusBadRequest, resp.StatusCode, body)
	}
}
