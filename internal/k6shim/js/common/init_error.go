package common

// InitContextError is an error raised in a test's init context.
type InitContextError string

// NewInitContextError returns an InitContextError with the message msg.
func NewInitContextError(msg string) InitContextError { return InitContextError(msg) }

// Error returns the message.
func (e InitContextError) Error() string { return string(e) }

// String returns the message.
func (e InitContextError) String() string { return string(e) }
