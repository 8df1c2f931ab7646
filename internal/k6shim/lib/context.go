package lib

import "context"

type ctxKey int

const (
	ctxKeyExecState ctxKey = iota
	ctxKeyScenario
)

// WithExecutionState embeds an ExecutionState in ctx. k6 puts the test's in the context of every
// VU it runs, so a VU's Context() (the context of its activation, and of each iteration, a child
// of it) carries it.
func WithExecutionState(ctx context.Context, s *ExecutionState) context.Context {
	return context.WithValue(ctx, ctxKeyExecState, s)
}

// GetExecutionState returns the ExecutionState of ctx, or nil.
func GetExecutionState(ctx context.Context) *ExecutionState {
	s, _ := ctx.Value(ctxKeyExecState).(*ExecutionState)
	return s
}

// WithScenarioState embeds a ScenarioState in ctx. k6 puts a scenario's in the context it runs the
// scenario's VUs with.
func WithScenarioState(ctx context.Context, s *ScenarioState) context.Context {
	return context.WithValue(ctx, ctxKeyScenario, s)
}

// GetScenarioState returns the ScenarioState of ctx, or nil (setup(), teardown(), the init context).
func GetScenarioState(ctx context.Context) *ScenarioState {
	s, _ := ctx.Value(ctxKeyScenario).(*ScenarioState)
	return s
}
