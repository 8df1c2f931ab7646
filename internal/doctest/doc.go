// Package doctest holds the tests that keep the documentation true: every JavaScript snippet of
// README.md and docs/*.md runs (or, marked as a fragment, compiles) against the real k6/x/barrier and
// k6/x/eventsource modules; every `k6 x barrier` console session of docs/cli.md is the output of the
// real commands; every relative link and #anchor resolves. The package has no code of its own: see
// its _test.go files.
package doctest
