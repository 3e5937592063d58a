// Package signals lets a program react to operating-system signals such as
// Ctrl-C (SIGINT) or a polite request to stop (SIGTERM). It is the Go
// counterpart of asyncio's loop.add_signal_handler and
// loop.remove_signal_handler, built on os/signal, plus a Context that is
// cancelled by a signal and tells which one.
//
//	asyncio                                  signals
//	loop.add_signal_handler(sig, cb, *args)  Add(sig, fn)     (a closure replaces *args and functools.partial)
//	loop.remove_signal_handler(sig)          Remove(sig)      (true if a handler was removed)
//	ValueError: invalid or uncatchable sig   an error wrapping ErrInvalidSignal or ErrUncatchable
//	asyncio.run cancelling main on Ctrl-C    Context(ctx, os.Interrupt, syscall.SIGTERM)
//
// # Handlers
//
// Add installs a function to run each time a signal arrives; a later Add for
// the same signal replaces it, and Remove takes it away. In asyncio the
// callback runs on the event loop, between other callbacks. Go has no event
// loop, so this package differs in two ways:
//
//   - Any goroutine may call Add and Remove, at any time. asyncio requires
//     the main thread.
//   - The handler runs on a goroutine started and owned by this package,
//     not on the goroutine that called Add and never inside the runtime's
//     signal handler. It may block, allocate, take locks and call Add or
//     Remove. It runs concurrently with the rest of the program, so share
//     data with it as with any goroutine: a mutex, an atomic or a channel.
//
// Calls for one signal never overlap, and until Remove every delivery the
// Go runtime makes to this package leads to exactly one call: deliveries that arrive
// while the handler runs are counted, not dropped, and the handler is
// called once for each when it returns. (os/signal never waits for a
// receiver; the package's channel is drained by a goroutine that only
// counts, with room for 64 deliveries while that goroutine waits to be
// scheduled.) The operating system sets the other limit: a signal sent
// again while the previous one is still pending is merged with it (Unix
// keeps one pending instance of each signal, and so does the Go runtime
// until os/signal takes it), so a quick burst of the same signal may
// arrive fewer times than it was sent.
//
// A handler that panics does not crash the program: the panic is recovered
// and logged at error level with slog.Default (set it with slog.SetDefault
// to route the report), and the handler stays installed for the next signal.
//
// # Sharing signals with other code
//
// Every Add and every Context registers its own channel with os/signal, and
// Remove and a Context's stop unregister only that channel. Other code in
// the process that uses signal.Notify keeps receiving its signals, and a
// signal handled here is also delivered to every other listener. The
// process-wide calls signal.Reset and signal.Ignore do affect this package:
// they stop every listener of the signals they name.
//
// # Context
//
// Context is signal.NotifyContext with the signal as the cause:
//
//	ctx, stop := signals.Context(context.Background(), os.Interrupt, syscall.SIGTERM)
//	defer stop()
//	<-ctx.Done()
//	var se *signals.SignalError
//	if errors.As(context.Cause(ctx), &se) {
//		log.Printf("shutting down on %v", se.Signal)
//	}
//
// A Context waits for one signal. It stops listening before its ctx is done,
// so the next signal is never lost: it goes to whoever else listens for it
// or, if no one does, takes its default action (for SIGINT and SIGTERM, the
// process ends). signal.NotifyContext instead swallows later signals until
// its stop function is called.
//
// # Graceful shutdown
//
// A service usually wants the first SIGINT or SIGTERM to start a graceful
// shutdown, bounded by a deadline, and a second one to cut it short. With
// two Contexts:
//
//	ctx, stop := signals.Context(context.Background())  // SIGINT and SIGTERM
//	defer stop()
//	go srv.Serve(ln)
//	<-ctx.Done()                                        // first signal
//
//	// Listen for the second signal before the slow part starts.
//	force, stopForce := signals.Context(context.Background())
//	defer stopForce()
//	grace, cancel := context.WithTimeout(force, 30*time.Second)
//	defer cancel()
//	if err := srv.Shutdown(grace); err != nil {  // deadline, or second signal
//		srv.Close()                              // force
//	}
//
// context.Cause(grace) then says why the grace period ended: a *SignalError
// for the second signal, context.DeadlineExceeded for the deadline. A second
// signal that arrives in the short moment between the first Context letting
// go and the second one listening takes its default action, which ends the
// process: the strongest form of forcing, and never a signal ignored. See
// the example for a complete program.
//
// To close even that gap, install handlers with Add up front and count the
// deliveries in them (handlers of different signals may run at once, hence
// the atomic):
//
//	var n atomic.Int32
//	graceful, force := make(chan struct{}), make(chan struct{})
//	onStop := func(os.Signal) {
//		switch n.Add(1) {
//		case 1:
//			close(graceful)
//		case 2:
//			close(force)
//		}
//	}
//	signals.Add(os.Interrupt, onStop)
//	signals.Add(syscall.SIGTERM, onStop)
//
// # Which signals
//
// On Unix every signal can be handled except SIGKILL and SIGSTOP, which
// return an error wrapping ErrUncatchable. A value that is not a
// syscall.Signal, or whose number the operating system does not define
// (above 64 on Linux, 31 on macOS, 32 on the BSDs), returns an error
// wrapping ErrInvalidSignal. Synchronous faults such as a nil-pointer
// SIGSEGV remain run-time panics even when a handler is installed; only
// the same signals sent with kill reach it.
//
// On Windows two signals exist for os/signal, and only they can be
// handled: os.Interrupt, sent by Ctrl-C and Ctrl-Break in a console, and
// syscall.SIGTERM, sent when the console window is closed, the user logs
// off or the system shuts down (Windows ends the process shortly after
// SIGTERM whatever the handler does, so use it to clean up quickly).
// os.Kill returns an error wrapping ErrUncatchable, and every other signal,
// which Windows would never deliver, returns one wrapping ErrInvalidSignal.
//
// On Plan 9 any note except os.Kill can be handled. On js/wasm and wasip1
// no signal is ever delivered, and every signal returns ErrInvalidSignal.
package signals
