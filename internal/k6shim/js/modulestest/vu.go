package modulestest

import (
	"context"

	"github.com/grafana/sobek"

	"go.k6.io/k6/v2/js/common"
	"go.k6.io/k6/v2/js/modules"
	"go.k6.io/k6/v2/lib"
)

var _ modules.VU = &VU{}

// VU is a modules.VU for tests whose every answer is a settable field.
type VU struct {
	CtxField              context.Context
	InitEnvField          *common.InitEnvironment
	EventsField           common.Events
	StateField            *lib.State
	RuntimeField          *sobek.Runtime
	RegisterCallbackField func() func(f func() error)
}

// Context returns CtxField.
func (m *VU) Context() context.Context { return m.CtxField }

// Events returns EventsField.
func (m *VU) Events() common.Events { return m.EventsField }

// InitEnv returns InitEnvField.
func (m *VU) InitEnv() *common.InitEnvironment {
	m.checkIntegrity()
	return m.InitEnvField
}

// State returns StateField.
func (m *VU) State() *lib.State {
	m.checkIntegrity()
	return m.StateField
}

// Runtime returns RuntimeField.
func (m *VU) Runtime() *sobek.Runtime { return m.RuntimeField }

// RegisterCallback calls RegisterCallbackField.
func (m *VU) RegisterCallback() func(f func() error) { return m.RegisterCallbackField() }

func (m *VU) checkIntegrity() {
	if m.InitEnvField != nil && m.StateField != nil {
		panic("there is a bug in the test: InitEnvField and StateField are not allowed at the same time")
	}
}
