package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// chatRequest is the part of an OpenAI-style chat completion request that the
// demo reads.
type chatRequest struct {
	Model     string        `json:"model"`
	Messages  []chatMessage `json:"messages"`
	Stream    bool          `json:"stream"`
	MaxTokens int           `json:"max_tokens"`
}

type chatMessage struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

// chatChunk is one event of an OpenAI-style streamed chat completion.
type chatChunk struct {
	ID      string       `json:"id"`
	Object  string       `json:"object"`
	Created int64        `json:"created"`
	Model   string       `json:"model"`
	Choices []chatChoice `json:"choices"`
}

type chatChoice struct {
	Index        int               `json:"index"`
	Delta        map[string]string `json:"delta"`
	FinishReason *string           `json:"finish_reason"`
}

// defaultMaxTokens is how many tokens a completion streams when the request
// does not say; maxTokensLimit bounds what a request may ask.
const (
	defaultMaxTokens = 32
	maxTokensLimit   = 4096
)

// handleChatCompletions is POST /v1/chat/completions: an OpenAI-style
// streaming endpoint for load tests of token streams (examples/llm-stream.js).
// With "stream": true it answers text/event-stream as OpenAI-compatible servers
// do: a chunk with the role only (no content) at once, the first token after
// cfg.FirstTokenDelay (the time to first token), then one `data: {chunk}` event
// per token cfg.TokenInterval apart, a finish chunk, and `data: [DONE]`.
// Without it, one JSON completion. The tokens echo the last user message's
// words, repeated up to max_tokens.
func (s *Server) handleChatCompletions(w http.ResponseWriter, r *http.Request) {
	var req chatRequest
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(&req); err != nil {
		writeJSON(w, http.StatusBadRequest, errorBody{Error: "invalid JSON body: " + err.Error()})
		return
	}
	if req.MaxTokens == 0 {
		req.MaxTokens = defaultMaxTokens
	}
	if req.MaxTokens < 0 || req.MaxTokens > maxTokensLimit {
		writeJSON(w, http.StatusBadRequest, errorBody{Error: fmt.Sprintf("max_tokens must be from 1 to %d", maxTokensLimit)})
		return
	}
	if req.Model == "" {
		req.Model = "demo-echo"
	}
	tokens := completionTokens(req)
	if !req.Stream {
		writeJSON(w, http.StatusOK, map[string]any{
			"id": "chatcmpl-demo", "object": "chat.completion", "model": req.Model,
			"choices": []map[string]any{{
				"index":         0,
				"message":       chatMessage{Role: "assistant", Content: strings.Join(tokens, "")},
				"finish_reason": "stop",
			}},
		})
		return
	}
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	rc := http.NewResponseController(w)
	_ = rc.Flush()
	wait := func(d time.Duration) bool {
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-t.C:
			return true
		case <-r.Context().Done():
			return false
		case <-s.closing:
			return false
		}
	}
	created := time.Now().Unix()
	send := func(delta map[string]string, finish *string) bool {
		b, err := json.Marshal(chatChunk{
			ID: "chatcmpl-demo", Object: "chat.completion.chunk", Created: created, Model: req.Model,
			Choices: []chatChoice{{Delta: delta, FinishReason: finish}},
		})
		if err != nil { // a chatChunk always marshals
			return false
		}
		if _, err := fmt.Fprintf(w, "data: %s\n\n", b); err != nil {
			return false
		}
		return rc.Flush() == nil
	}
	if !send(map[string]string{"role": "assistant"}, nil) {
		return
	}
	for i, tok := range tokens {
		gap := s.cfg.TokenInterval
		if i == 0 {
			gap = s.cfg.FirstTokenDelay
		}
		if !wait(gap) || !send(map[string]string{"content": tok}, nil) {
			return
		}
	}
	stop := "stop"
	if !send(map[string]string{}, &stop) {
		return
	}
	_, _ = fmt.Fprint(w, "data: [DONE]\n\n")
	_ = rc.Flush()
}

// completionTokens are the tokens of a completion: the words of the last user
// message (or of a default text), each with its leading space, repeated up to
// req.MaxTokens.
func completionTokens(req chatRequest) []string {
	text := "This is the demo server answering one token at a time."
	for i := len(req.Messages) - 1; i >= 0; i-- {
		if req.Messages[i].Role == "user" && strings.TrimSpace(req.Messages[i].Content) != "" {
			text = req.Messages[i].Content
			break
		}
	}
	words := strings.Fields(text)
	tokens := make([]string, req.MaxTokens)
	for i := range tokens {
		tokens[i] = " " + words[i%len(words)]
	}
	tokens[0] = strings.TrimPrefix(tokens[0], " ")
	return tokens
}
