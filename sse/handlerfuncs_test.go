package sse

// HandlerFuncs is a Handler made of functions, for tests; a nil function
// ignores its calls.
type HandlerFuncs struct {
	Open       func(Open)
	Events     func(Batch)
	SessionEnd func(Session)
	Error      func(error)
	Reconnect  func(Reconnect)
}

// OnOpen calls f.Open.
func (f HandlerFuncs) OnOpen(o Open) {
	if f.Open != nil {
		f.Open(o)
	}
}

// OnEvents calls f.Events.
func (f HandlerFuncs) OnEvents(b Batch) {
	if f.Events != nil {
		f.Events(b)
	}
}

// OnSessionEnd calls f.SessionEnd.
func (f HandlerFuncs) OnSessionEnd(s Session) {
	if f.SessionEnd != nil {
		f.SessionEnd(s)
	}
}

// OnError calls f.Error.
func (f HandlerFuncs) OnError(err error) {
	if f.Error != nil {
		f.Error(err)
	}
}

// OnReconnect calls f.Reconnect.
func (f HandlerFuncs) OnReconnect(r Reconnect) {
	if f.Reconnect != nil {
		f.Reconnect(r)
	}
}
