// Load test of an OpenAI-style token stream: each VU POSTs a chat completion with "stream": true and
// reads the answer as Server-Sent Events (`data: {chunk}` ... `data: [DONE]`) with k6/x/eventsource.
// Two latencies are thresholded: the time to the first event (the model's time to first token) and
// the time between events (the inter-token latency, recorded for streams opened with
// timeBetweenEvents: true).
//
// Run against the demo server, which streams one token every -token-interval (default 20ms) after
// -first-token-delay (default 200ms):
//   examples/demo.sh llm                  # starts the server, runs this, stops the server
//   go run ./examples/waitingroom &  k6 run -e BASE_URL=http://127.0.0.1:8080 examples/llm-stream.js
//
// Environment: BASE_URL (default http://127.0.0.1:8080), API_KEY (sent as a Bearer token if set),
// MODEL (default demo-echo), MAX_TOKENS (default 32), LLM_VUS (default 10), DURATION (default 20s).
import { check } from 'k6';
import { Counter } from 'k6/metrics';
import { EventSource } from 'k6/x/eventsource';

const BASE_URL = (__ENV.BASE_URL || 'http://127.0.0.1:8080').replace(/\/+$/, '');
const MAX_TOKENS = Number(__ENV.MAX_TOKENS || 32);

const tokens = new Counter('llm_tokens');

export const options = {
  scenarios: {
    chat: { executor: 'constant-vus', vus: Number(__ENV.LLM_VUS || 10), duration: __ENV.DURATION || '20s' },
  },
  thresholds: {
    checks: ['rate==1'],
    sse_errors: ['count==0'],
    // Time to first token: request start to the first event (the demo server waits 200ms).
    sse_time_to_first_event: ['p(95)<1000'],
    // Inter-token latency: the gap between consecutive events (the demo server sends one every 20ms).
    sse_time_between_events: ['p(95)<200', 'avg<100'],
  },
};

/**
 * One streamed chat completion: resolves with the text and whether [DONE] arrived.
 * @param {string} prompt
 * @returns {Promise<{ text: string, done: boolean, error?: string }>}
 */
function complete(prompt) {
  return new Promise((resolve) => {
    /** @type {{ [name: string]: string }} */
    const headers = { 'Content-Type': 'application/json' };
    if (__ENV.API_KEY) headers.Authorization = `Bearer ${__ENV.API_KEY}`;
    let text = '';
    const es = new EventSource(`${BASE_URL}/v1/chat/completions`, {
      method: 'POST',
      headers,
      body: JSON.stringify({
        model: __ENV.MODEL || 'demo-echo',
        stream: true,
        max_tokens: MAX_TOKENS,
        messages: [{ role: 'user', content: prompt }],
      }),
      timeBetweenEvents: true,
      idleTimeout: '30s',
      tags: { name: 'chat completion' },
    });
    es.onmessage = (e) => {
      if (e.data === '[DONE]') {
        es.close();
        resolve({ text, done: true });
        return;
      }
      const delta = JSON.parse(e.data).choices[0].delta;
      if (delta.content) {
        text += delta.content;
        tokens.add(1);
      }
    };
    // A server's `event: error` (some APIs send one for an overload) has data; a connection error has
    // error. Either ends this completion.
    es.onerror = (e) => {
      if (e.data !== undefined) console.warn(`the server sent an error event: ${e.data}`);
      es.close();
      resolve({ text, done: false, error: e.error || e.data });
    };
  });
}

export default async function () {
  const res = await complete('Tell me about load testing token streams');
  check(res, {
    'stream ended with [DONE]': (r) => r.done,
    'answer has text': (r) => r.text.length > 0,
  });
}
