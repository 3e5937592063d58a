package signals

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

// SignalError is the cause of a Context ended by a signal: context.Cause
// returns a *SignalError carrying the signal that arrived.
//
//	var se *signals.SignalError
//	if errors.As(context.Cause(ctx), &se) {
//		log.Printf("stopping on %v", se.Signal)
//	}
type SignalError struct {
	Signal os.Signal
}

// Error returns "signals: received " and the signal's name,
// for example "signals: received interrupt".
func (e *SignalError) Error() string {
	if e == nil || e.Signal == nil {
		return "signals: received <nil>"
	}
	return "signals: received " + e.Signal.String()
}

// defaultSignals are what a service is asked to stop with: Ctrl-C in a
// terminal, and SIGTERM from kill, systemd, Docker or Kubernetes.
var defaultSignals = []os.Signal{os.Interrupt, syscall.SIGTERM}

// Context returns a copy of parent that is done when one of sigs arrives,
// when parent is done, or when stop is called, whichever happens first.
// It is signal.NotifyContext with two differences:
//
//   - When a signal ends it, context.Cause(ctx) is a *SignalError naming the
//     signal (ctx.Err() is context.Canceled, as with NotifyContext). When stop
//     ends it the cause is context.Canceled; when parent does, parent's cause.
//   - It listens for the first signal only. By the time ctx is done it has
//     already stopped listening (signal.Stop on its own channel), so a second signal
//     is never swallowed: it reaches whoever else listens for it (a handler
//     installed with Add, another Context, any os/signal channel) or, if no
//     one does, takes its default action; for SIGINT and SIGTERM that ends
//     the process. NotifyContext instead holds on to later signals until stop
//     is called. To handle the second signal yourself, call Context or Add
//     again once ctx is done; see "Graceful shutdown" in the package
//     documentation.
//
// With no sigs, Context listens for os.Interrupt and syscall.SIGTERM (NotifyContext
// would listen for every signal, including those the Go runtime uses itself).
// If a signal is invalid or cannot be caught, ctx is returned already done and
// context.Cause(ctx) is the error Add would return for it.
//
// stop releases everything Context holds: it cancels ctx, stops aio's
// notification and returns once the goroutine that waited for the signal
// has ended. Call it when ctx is no longer needed, as with cancel functions;
// it is safe to call more than once and from any goroutine.
func Context(parent context.Context, sigs ...os.Signal) (ctx context.Context, stop context.CancelFunc) {
	ctx, cancel := context.WithCancelCause(parent)
	if len(sigs) == 0 {
		sigs = defaultSignals
	}
	for _, sig := range sigs {
		if err := validate(sig); err != nil {
			cancel(err)
			return ctx, func() { cancel(nil) }
		}
	}
	if ctx.Err() != nil {
		// parent is done already: nothing to listen for.
		return ctx, func() { cancel(nil) }
	}

	// A buffer of one is enough: only the first delivery matters, and os/signal
	// never blocks on a full channel.
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, sigs...)
	exited := make(chan struct{})
	go func() {
		defer close(exited)
		select {
		case sig := <-ch:
			// Let go before ctx is done, so that whoever reacts to ctx can
			// rely on the next signal reaching them or its default action.
			signal.Stop(ch)
			cancel(&SignalError{Signal: sig})
		case <-ctx.Done():
			signal.Stop(ch)
		}
	}()
	return ctx, func() {
		cancel(nil)
		<-exited
	}
}
