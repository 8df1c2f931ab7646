// Load test of an OpenAI-style token stream: each VU POSTs a chat completion with "stream": true and
// reads the answer as Server-Sent Events (`data: {chunk}` ... `data: [DONE]`) with k6/x/eventsource.
//
// It reports the LLM latencies as GenAI-Perf and LLMPerf define them, per request:
//   llm_time_to_first_token   (Trend, time) request start to the first chunk WITH CONTENT. The first
//                             chunk of an OpenAI-compatible stream often carries only the role, so
//                             sse_time_to_first_event (the first event of any kind) comes too early.
//   llm_inter_token_latency   (Trend, time) (end-to-end latency - time to first token) / (tokens - 1):
//                             the mean gap between the tokens of one answer.
//   llm_output_tokens_per_second (Trend) tokens / end-to-end latency, per request.
//   llm_output_tokens         (Counter) tokens received: its rate in the summary is the test's output
//                             throughput (tokens per second, all VUs together).
// Tokens are the chunks with content (one token each, as OpenAI-compatible servers stream them), or
// the completion_tokens of a final `usage` chunk when the server sends one
// (stream_options.include_usage).
//
// Run against the demo server, which sends the role chunk at once, the first token after
// -first-token-delay (default 200ms), then one token every -token-interval (default 20ms):
//   examples/demo.sh llm                  # starts the server, runs this, stops the server
//   go run ./examples/waitingroom &  k6 run -e BASE_URL=http://127.0.0.1:8080 examples/llm-stream.js
//
// Environment: BASE_URL (default http://127.0.0.1:8080), API_KEY (sent as a Bearer token if set),
// MODEL (default demo-echo), MAX_TOKENS (default 32), LLM_VUS (default 10), DURATION (default 20s).
import { check } from 'k6';
import { Counter, Trend } from 'k6/metrics';
import { EventSource } from 'k6/x/eventsource';

const BASE_URL = (__ENV.BASE_URL || 'http://127.0.0.1:8080').replace(/\/+$/, '');
const MAX_TOKENS = Number(__ENV.MAX_TOKENS || 32);

const timeToFirstToken = new Trend('llm_time_to_first_token', true);
const interTokenLatency = new Trend('llm_inter_token_latency', true);
const tokensPerSecond = new Trend('llm_output_tokens_per_second');
const outputTokens = new Counter('llm_output_tokens');

export const options = {
  scenarios: {
    chat: { executor: 'constant-vus', vus: Number(__ENV.LLM_VUS || 10), duration: __ENV.DURATION || '20s' },
  },
  thresholds: {
    checks: ['rate==1'],
    sse_errors: ['count==0'],
    // The demo server's first token comes 200ms after the request.
    llm_time_to_first_token: ['p(95)<1000'],
    // One token every 20ms.
    llm_inter_token_latency: ['p(95)<100'],
    // 32 tokens in about 0.8s: about 40 per second and request.
    llm_output_tokens_per_second: ['avg>10'],
  },
};

/**
 * One streamed chat completion, timed.
 * @param {string} prompt
 * @returns {Promise<{ text: string, tokens: number, done: boolean, ttft?: number, e2e?: number, error?: string }>}
 */
function complete(prompt) {
  return new Promise((resolve) => {
    /** @type {{ [name: string]: string }} */
    const headers = { 'Content-Type': 'application/json' };
    if (__ENV.API_KEY) headers.Authorization = `Bearer ${__ENV.API_KEY}`;
    let text = '';
    let chunks = 0; // chunks with content
    let usageTokens = 0; // completion_tokens of a usage chunk, if the server sent one
    /** @type {number | undefined} */
    let ttft;
    const start = Date.now();
    const es = new EventSource(`${BASE_URL}/v1/chat/completions`, {
      method: 'POST',
      headers,
      body: JSON.stringify({
        model: __ENV.MODEL || 'demo-echo',
        stream: true,
        max_tokens: MAX_TOKENS,
        messages: [{ role: 'user', content: prompt }],
      }),
      idleTimeout: '30s',
      tags: { name: 'chat completion' },
    });
    es.onmessage = (e) => {
      if (e.data === '[DONE]') {
        es.close();
        resolve({ text, tokens: usageTokens || chunks, done: true, ttft, e2e: Date.now() - start });
        return;
      }
      const chunk = JSON.parse(e.data);
      if (chunk.usage && chunk.usage.completion_tokens) usageTokens = chunk.usage.completion_tokens;
      const content = chunk.choices && chunk.choices[0] && chunk.choices[0].delta && chunk.choices[0].delta.content;
      if (content) {
        if (ttft === undefined) ttft = Date.now() - start; // the first chunk with content, not the role's
        text += content;
        chunks++;
      }
    };
    // A server's `event: error` (some APIs send one for an overload) has data; a connection error has
    // error. Either ends this completion.
    es.onerror = (e) => {
      if (e.data !== undefined) console.warn(`the server sent an error event: ${e.data}`);
      es.close();
      resolve({ text, tokens: usageTokens || chunks, done: false, error: e.error || e.data });
    };
  });
}

export default async function () {
  const res = await complete('Tell me about load testing token streams');
  const ok = check(res, {
    'stream ended with [DONE]': (r) => r.done,
    'answer has text': (r) => r.text.length > 0,
  });
  if (!ok || res.ttft === undefined || res.e2e === undefined) return;
  timeToFirstToken.add(res.ttft);
  outputTokens.add(res.tokens);
  if (res.e2e > 0) tokensPerSecond.add(res.tokens / (res.e2e / 1000));
  if (res.tokens > 1) interTokenLatency.add((res.e2e - res.ttft) / (res.tokens - 1));
}
