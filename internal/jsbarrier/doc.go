// Package jsbarrier is the k6 JavaScript module k6/x/barrier: the Barrier class and BarrierError,
// on the barrier core (package barrier). It converts JavaScript values to the core's Go types,
// turns the core's errors into JavaScript exceptions, and records the module's k6 metrics; every
// default and validation rule is the core's.
package jsbarrier
