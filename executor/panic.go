package executor

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
)

// ErrGoexit is the error of work that called [runtime.Goexit] (directly, or
// through testing.T.FailNow and friends) instead of returning. The goroutine
// still ends as Goexit demands; the error only keeps waiters from hanging.
var ErrGoexit = errors.New("executor: function called runtime.Goexit")

// PanicError is the error of work that panicked. Go, Submit, Group.Go and
// WaitFor recover the panic and hand it to whoever waits, instead of letting
// it end the process.
//
// Why an error and not a re-panic in the waiter: x/sync's errgroup tried
// propagating panics to Wait and reverted it (golang/go#53757, #74275),
// because a re-panic is delayed arbitrarily, the waiter may never get to run,
// and the original stack is lost. Here the stack is kept in Stack, and
// Error includes it, so a log line of the error shows where the panic
// happened. A program that prefers to crash can do so explicitly:
//
//	var pe *executor.PanicError
//	if errors.As(err, &pe) {
//		panic(pe)
//	}
type PanicError struct {
	// Value is the value the work passed to panic.
	Value any
	// Stack is the panicking goroutine's stack trace, taken where the
	// panic was recovered (its frames include the panic site).
	Stack []byte
}

// newPanicError must be called from the deferred function that recovered r,
// so that the stack it records still contains the panic site.
func newPanicError(r any) *PanicError {
	return &PanicError{Value: r, Stack: debug.Stack()}
}

// Error returns "executor: panic: " followed by the panic value and, after a
// blank line, the stack trace.
func (e *PanicError) Error() string {
	return fmt.Sprintf("executor: panic: %v\n\n%s", e.Value, e.Stack)
}

// Unwrap returns the panic value if it is an error (as it is for runtime
// errors such as a nil dereference), so that errors.Is and errors.As see
// through the panic; otherwise it returns nil.
func (e *PanicError) Unwrap() error {
	if err, ok := e.Value.(error); ok {
		return err
	}
	return nil
}

// callSafely calls fn(ctx) and turns a panic into a *PanicError result.
// If fn calls runtime.Goexit, callSafely never returns to its caller (the
// goroutine is unwinding); onGoexit, when not nil, is called with ErrGoexit
// first so that the outcome is still delivered.
func callSafely[T any](ctx context.Context, fn func(context.Context) (T, error), onGoexit func(error)) (v T, err error) {
	returned := false
	defer func() {
		if returned {
			return
		}
		var zero T
		if r := recover(); r != nil {
			v, err = zero, newPanicError(r)
			return
		}
		// recover returns nil for Goexit, and also for a panic(nil) under
		// GODEBUG=panicnil=1, which then returns normally. The two cannot
		// be told apart here, so both report ErrGoexit, and onGoexit must
		// tolerate being followed by a normal return.
		v, err = zero, ErrGoexit
		if onGoexit != nil {
			onGoexit(ErrGoexit)
		}
	}()
	v, err = fn(ctx)
	returned = true
	return v, err
}
