package signals

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"runtime/debug"
	"sync"
)

// Errors returned by Add, and the cause of a Context given a bad signal.
// The returned errors wrap these and name the signal; test with errors.Is.
var (
	// ErrInvalidSignal reports a nil signal, a value that is not a signal
	// of this operating system, a signal number out of its range, or (on
	// Windows) a signal it never delivers.
	ErrInvalidSignal = errors.New("signals: invalid signal")

	// ErrUncatchable reports a signal that no process can catch:
	// SIGKILL and SIGSTOP on Unix, os.Kill everywhere.
	ErrUncatchable = errors.New("signals: signal cannot be caught")

	// ErrNilHandler reports a nil handler function passed to Add.
	ErrNilHandler = errors.New("signals: nil handler")
)

// chanSize is the buffer of aio's os/signal channel for one signal.
// os/signal never blocks: it drops a delivery when the channel is full.
// The channel is drained by a goroutine that only counts, so the buffer
// has to absorb deliveries only while that goroutine waits to be scheduled.
const chanSize = 64

var (
	mu       sync.Mutex
	watchers map[os.Signal]*watcher // one per signal with a handler; guarded by mu
)

// A watcher owns aio's notification for one signal: the channel given to
// signal.Notify and the goroutine that turns deliveries into calls.
type watcher struct {
	sig  os.Signal
	ch   chan os.Signal
	quit chan struct{}   // closed by Remove
	fn   func(os.Signal) // guarded by mu; nil once removed
}

// Add installs fn as the handler for sig, like asyncio's
// loop.add_signal_handler. It replaces the handler an earlier Add installed
// for sig; deliveries not yet handled then go to fn.
//
// fn runs on a goroutine started by this package, never in the runtime's
// signal context, so it may block, allocate and call anything, including Add
// and Remove. Calls for one signal never overlap: a delivery that arrives
// while fn runs is counted and fn is called again once it returns, once per
// delivery, so a blocked fn delays the next calls for its signal. Handlers
// of different signals may run at the same time.
// If fn panics, the panic is recovered and logged with slog.Default, and fn
// stays installed.
//
// Add returns an error wrapping ErrInvalidSignal, ErrUncatchable or
// ErrNilHandler, and changes nothing, when sig or fn is unusable.
// Add may be called from any goroutine.
func Add(sig os.Signal, fn func(os.Signal)) error {
	if fn == nil {
		return fmt.Errorf("%w for %v", ErrNilHandler, sig)
	}
	if err := validate(sig); err != nil {
		return err
	}
	mu.Lock()
	defer mu.Unlock()
	if w := watchers[sig]; w != nil {
		// Keep the channel and its goroutine: nothing already delivered is
		// lost, and a call of the old fn in progress finishes before the
		// first call of the new one.
		w.fn = fn
		return nil
	}
	w := &watcher{
		sig:  sig,
		ch:   make(chan os.Signal, chanSize),
		quit: make(chan struct{}),
		fn:   fn,
	}
	if watchers == nil {
		watchers = make(map[os.Signal]*watcher)
	}
	watchers[sig] = w
	signal.Notify(w.ch, sig)
	go w.loop()
	return nil
}

// Remove removes the handler that Add installed for sig, like asyncio's
// loop.remove_signal_handler, and reports whether there was one.
//
// It stops only aio's own notification (signal.Stop on aio's channel):
// other users of os/signal in the process keep receiving sig. If no one else
// listens, sig takes its default action again once Remove returns.
// Deliveries counted but not yet handled are discarded; once Remove returns
// the handler is not called again, but a call already running is not
// interrupted, and Remove does not wait for it (so a handler may remove
// itself). The goroutine behind the handler ends when that call returns.
func Remove(sig os.Signal) bool {
	if validate(sig) != nil {
		return false // never installed; also keeps odd values out of the map
	}
	mu.Lock()
	w := watchers[sig]
	if w == nil {
		mu.Unlock()
		return false
	}
	delete(watchers, sig)
	w.fn = nil
	mu.Unlock()

	// After Stop returns the runtime sends nothing more to w.ch.
	signal.Stop(w.ch)
	close(w.quit)
	return true
}

// handler returns the function to call for the next delivery, or nil once
// the watcher is removed.
func (w *watcher) handler() func(os.Signal) {
	mu.Lock()
	defer mu.Unlock()
	return w.fn
}

// loop drains w.ch into a count and runs the handler once per delivery, one
// call at a time. Calls run on their own goroutine so that the channel keeps
// being drained while a handler blocks.
func (w *watcher) loop() {
	done := make(chan struct{}, 1) // at most one call is in flight
	pending := 0
	running := false
	for {
		if pending > 0 && !running {
			fn := w.handler()
			if fn == nil {
				return // removed; Remove closes quit right after
			}
			pending--
			running = true
			go w.call(fn, done)
		}
		select {
		case <-w.ch:
			pending++
		case <-done:
			running = false
		case <-w.quit:
			// A call still running sends on done without blocking and ends.
			return
		}
	}
}

// call runs fn for one delivery and reports a panic instead of crashing.
func (w *watcher) call(fn func(os.Signal), done chan<- struct{}) {
	defer func() {
		if r := recover(); r != nil {
			slog.Default().Error("signals: handler panicked",
				"signal", w.sig.String(),
				"panic", fmt.Sprint(r),
				"stack", string(debug.Stack()))
		}
		done <- struct{}{}
	}()
	fn(w.sig)
}

// describe names a value that is not a usable signal, for error messages.
func describe(sig os.Signal) string {
	if sig == nil {
		return "nil"
	}
	return fmt.Sprintf("%T(%q)", sig, sig.String())
}
