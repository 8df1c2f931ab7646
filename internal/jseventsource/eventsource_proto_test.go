package jseventsource

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestEventSourceMethodsOnPrototype: an instance owns only its url; readyState, the on<type>
// handlers' defaults and the methods are EventSource.prototype's, shared, as in the browser, and
// they still act on the instance they are called on, before and after its stream ended.
func TestEventSourceMethodsOnPrototype(t *testing.T) {
	t.Parallel()
	srv := streamServer(t, "data: one\n\n", true)
	vu := newJSVU(t)
	vu.run(t, fmt.Sprintf(`
		var own, shared, states = [], handlerDefault, got = [];
		const es = new EventSource(%q);
		own = Object.getOwnPropertyNames(es);
		shared = ["readyState", "addEventListener", "removeEventListener", "close", "onmessage"]
			.filter((k) => Object.prototype.hasOwnProperty.call(EventSource.prototype, k));
		handlerDefault = es.onmessage;
		states.push(es.readyState);
		const listener = (e) => got.push("listener " + e.data);
		es.addEventListener("message", listener);
		es.addEventListener("message", (e) => {
			got.push("second " + e.data);
			states.push(es.readyState);
		});
		es.removeEventListener("message", listener);
		es.onerror = () => {
			states.push(es.readyState);
			es.close();
			es.close(); // twice: no effect
			es.addEventListener("message", () => {}); // on a closed source: no effect
		};
	`, srv.URL))
	assert.Equal(t, []any{"url"}, vu.get("own"))
	assert.Equal(t, []any{"readyState", "addEventListener", "removeEventListener", "close", "onmessage"}, vu.get("shared"))
	assert.Nil(t, vu.get("handlerDefault"))
	assert.Equal(t, []any{"second one"}, vu.get("got"))
	assert.Equal(t, []any{int64(0), int64(1), int64(2)}, vu.get("states"))
	_, err := vu.rt.VU.Runtime().RunString(`if (es.readyState !== 2) throw new Error("readyState " + es.readyState);`)
	assert.NoError(t, err, "an ended stream reads as CLOSED")
}
