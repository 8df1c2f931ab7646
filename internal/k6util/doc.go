// Package k6util holds the helpers that this extension's k6 JavaScript bindings share: pushing a
// metric sample (also once a VU's context has ended), refusing I/O in the init context, throwing
// a TypeError whose message is never read as a format string, and compiling a JavaScript helper
// function. It is part of the bindings: the cores (barrier, sse) never import it.
package k6util
