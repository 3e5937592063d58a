//go:build unix

package signals_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/netaio/aio/signals"
)

// patience bounds every wait in these tests.
const patience = 10 * time.Second

// deliver sends sig to the test process and returns once os/signal has
// handed it to every listener, the package's included: it listens itself,
// and signal.Stop waits until the delivery in progress is finished. Each
// delivery is therefore observed before the next one is sent, so the
// operating system has no pending signal to merge it with.
func deliver(sig syscall.Signal) error {
	seen := make(chan os.Signal, 1)
	signal.Notify(seen, sig)
	defer signal.Stop(seen)
	if err := syscall.Kill(os.Getpid(), sig); err != nil {
		return err
	}
	select {
	case <-seen:
		return nil
	case <-time.After(patience):
		return fmt.Errorf("%v not delivered within %v", sig, patience)
	}
}

func mustDeliver(t *testing.T, sig syscall.Signal) {
	t.Helper()
	if err := deliver(sig); err != nil {
		t.Fatal(err)
	}
}

// receive waits for a value on ch, failing the test after patience.
func receive[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(patience):
		t.Fatalf("no %s within %v", what, patience)
		panic("unreachable")
	}
}

// noGoroutinesSince fails unless every goroutine started after snapshot
// was taken ends (goleak retries for a while before it gives up). Once the
// package's goroutines are gone no handler can run any more.
func noGoroutinesSince(t *testing.T, snapshot goleak.Option) {
	t.Helper()
	goleak.VerifyNone(t, snapshot)
}

func TestAddDelivers(t *testing.T) {
	snapshot := goleak.IgnoreCurrent()
	got := make(chan os.Signal, 1)
	if err := signals.Add(syscall.SIGUSR1, func(sig os.Signal) { got <- sig }); err != nil {
		t.Fatal(err)
	}
	mustDeliver(t, syscall.SIGUSR1)
	if sig := receive(t, got, "handler call"); sig != syscall.SIGUSR1 {
		t.Errorf("handler got %v, want %v", sig, syscall.SIGUSR1)
	}
	if !signals.Remove(syscall.SIGUSR1) {
		t.Error("Remove: got false, want true")
	}
	noGoroutinesSince(t, snapshot)
}

func TestAddReplaces(t *testing.T) {
	snapshot := goleak.IgnoreCurrent()
	first := make(chan os.Signal, 10)
	second := make(chan os.Signal, 10)
	if err := signals.Add(syscall.SIGUSR1, func(sig os.Signal) { first <- sig }); err != nil {
		t.Fatal(err)
	}
	mustDeliver(t, syscall.SIGUSR1)
	receive(t, first, "call of the first handler")

	if err := signals.Add(syscall.SIGUSR1, func(sig os.Signal) { second <- sig }); err != nil {
		t.Fatal(err)
	}
	mustDeliver(t, syscall.SIGUSR1)
	mustDeliver(t, syscall.SIGUSR1)
	receive(t, second, "call of the second handler")
	receive(t, second, "call of the second handler")

	if !signals.Remove(syscall.SIGUSR1) {
		t.Error("Remove: got false, want true")
	}
	noGoroutinesSince(t, snapshot)
	if n := len(first); n != 0 {
		t.Errorf("replaced handler called %d more times, want 0", n)
	}
	if n := len(second); n != 0 {
		t.Errorf("second handler called %d extra times, want 0", n)
	}
}

func TestRemove(t *testing.T) {
	snapshot := goleak.IgnoreCurrent()
	// Another user of os/signal in the process: Remove must leave it alone.
	other := make(chan os.Signal, 10)
	signal.Notify(other, syscall.SIGHUP)
	defer signal.Stop(other)

	var calls atomic.Int32
	called := make(chan struct{}, 10)
	if err := signals.Add(syscall.SIGHUP, func(os.Signal) { calls.Add(1); called <- struct{}{} }); err != nil {
		t.Fatal(err)
	}
	mustDeliver(t, syscall.SIGHUP)
	receive(t, called, "handler call")

	if !signals.Remove(syscall.SIGHUP) {
		t.Fatal("Remove: got false, want true")
	}
	if signals.Remove(syscall.SIGHUP) {
		t.Error("second Remove: got true, want false")
	}
	if signals.Remove(syscall.SIGUSR2) {
		t.Error("Remove of a signal never added: got true, want false")
	}
	noGoroutinesSince(t, snapshot)

	mustDeliver(t, syscall.SIGHUP)
	if n := calls.Load(); n != 1 {
		t.Errorf("handler called %d times, want 1 (none after Remove)", n)
	}
	receive(t, other, "first delivery to the other listener")
	receive(t, other, "second delivery to the other listener")
}

// TestRemoveWhileRunning removes a handler while it runs and while more
// deliveries wait for it: the call in progress finishes, the waiting ones
// are discarded, and the goroutine ends.
func TestRemoveWhileRunning(t *testing.T) {
	snapshot := goleak.IgnoreCurrent()
	var calls atomic.Int32
	entered := make(chan struct{}, 10)
	release := make(chan struct{})
	err := signals.Add(syscall.SIGUSR2, func(os.Signal) {
		calls.Add(1)
		entered <- struct{}{}
		<-release
	})
	if err != nil {
		t.Fatal(err)
	}
	mustDeliver(t, syscall.SIGUSR2)
	receive(t, entered, "handler call")
	mustDeliver(t, syscall.SIGUSR2)
	mustDeliver(t, syscall.SIGUSR2)

	if !signals.Remove(syscall.SIGUSR2) {
		t.Fatal("Remove: got false, want true")
	}
	close(release)
	noGoroutinesSince(t, snapshot)
	if n := calls.Load(); n != 1 {
		t.Errorf("handler called %d times, want 1", n)
	}
}

func TestRemoveFromHandler(t *testing.T) {
	snapshot := goleak.IgnoreCurrent()
	removed := make(chan bool, 1)
	err := signals.Add(syscall.SIGUSR1, func(sig os.Signal) { removed <- signals.Remove(sig) })
	if err != nil {
		t.Fatal(err)
	}
	mustDeliver(t, syscall.SIGUSR1)
	if !receive(t, removed, "handler call") {
		t.Error("Remove from the handler: got false, want true")
	}
	noGoroutinesSince(t, snapshot)
}

func TestAddErrorsUnix(t *testing.T) {
	nop := func(os.Signal) {}
	tests := []struct {
		sig  os.Signal
		want error
	}{
		{syscall.SIGKILL, signals.ErrUncatchable},
		{syscall.SIGSTOP, signals.ErrUncatchable},
		{syscall.Signal(0), signals.ErrInvalidSignal},
		{syscall.Signal(-1), signals.ErrInvalidSignal},
		{syscall.Signal(65), signals.ErrInvalidSignal},
		{syscall.Signal(1000), signals.ErrInvalidSignal},
	}
	for _, tt := range tests {
		err := signals.Add(tt.sig, nop)
		if !errors.Is(err, tt.want) {
			t.Errorf("Add(%d): got %v, want %v", int(tt.sig.(syscall.Signal)), err, tt.want)
		}
		if signals.Remove(tt.sig) {
			t.Errorf("Remove(%d) after a failed Add: got true, want false", int(tt.sig.(syscall.Signal)))
		}
	}
	if err := signals.Add(syscall.SIGKILL, nop); err == nil || err.Error() != "signals: signal cannot be caught: killed" {
		t.Errorf("Add(SIGKILL): got %v, want %q", err, "signals: signal cannot be caught: killed")
	}
}

// TestBurst blocks the handler in its first call, delivers a burst of
// signals, more than the package's channel holds, and then lets it go:
// the handler must run once per delivery, one call at a time.
func TestBurst(t *testing.T) {
	const n = 150
	snapshot := goleak.IgnoreCurrent()
	var running, overlaps atomic.Int32
	calls := make(chan struct{}, n+10)
	release := make(chan struct{})
	err := signals.Add(syscall.SIGUSR1, func(os.Signal) {
		if running.Add(1) != 1 {
			overlaps.Add(1)
		}
		<-release
		running.Add(-1)
		calls <- struct{}{}
	})
	if err != nil {
		t.Fatal(err)
	}
	for range n {
		mustDeliver(t, syscall.SIGUSR1)
	}
	close(release)
	for i := range n {
		receive(t, calls, fmt.Sprintf("handler call %d of %d", i+1, n))
	}
	signals.Remove(syscall.SIGUSR1)
	noGoroutinesSince(t, snapshot)
	if extra := len(calls); extra != 0 {
		t.Errorf("handler called %d times, want %d", n+extra, n)
	}
	if o := overlaps.Load(); o != 0 {
		t.Errorf("%d calls overlapped another, want 0", o)
	}
}

// recordHandler is a slog.Handler that hands every record to a channel.
type recordHandler struct{ records chan slog.Record }

func (h recordHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h recordHandler) WithAttrs([]slog.Attr) slog.Handler       { return h }
func (h recordHandler) WithGroup(string) slog.Handler            { return h }
func (h recordHandler) Handle(_ context.Context, r slog.Record) error {
	select {
	case h.records <- r.Clone():
	default:
	}
	return nil
}

func TestPanickingHandler(t *testing.T) {
	snapshot := goleak.IgnoreCurrent()
	records := make(chan slog.Record, 10)
	old := slog.Default()
	slog.SetDefault(slog.New(recordHandler{records}))
	defer slog.SetDefault(old)

	var calls atomic.Int32
	survived := make(chan struct{}, 1)
	err := signals.Add(syscall.SIGUSR2, func(os.Signal) {
		if calls.Add(1) == 1 {
			panic("boom")
		}
		survived <- struct{}{}
	})
	if err != nil {
		t.Fatal(err)
	}
	mustDeliver(t, syscall.SIGUSR2)
	r := receive(t, records, "log record of the panic")
	attrs := map[string]string{}
	r.Attrs(func(a slog.Attr) bool { attrs[a.Key] = a.Value.String(); return true })
	if r.Level != slog.LevelError || r.Message != "signals: handler panicked" {
		t.Errorf("record: got %v %q, want ERROR %q", r.Level, r.Message, "signals: handler panicked")
	}
	if attrs["signal"] != syscall.SIGUSR2.String() || attrs["panic"] != "boom" || attrs["stack"] == "" {
		t.Errorf("record attributes: got %v, want signal, panic and stack", attrs)
	}

	mustDeliver(t, syscall.SIGUSR2)
	receive(t, survived, "call after the panic")
	if !signals.Remove(syscall.SIGUSR2) {
		t.Error("Remove: got false, want true (the handler stays installed after a panic)")
	}
	noGoroutinesSince(t, snapshot)
}

// TestConcurrentAddRemove adds and removes handlers from 50 goroutines at
// once while signals arrive, then checks that nothing is left behind and
// that the package still works.
func TestConcurrentAddRemove(t *testing.T) {
	snapshot := goleak.IgnoreCurrent()
	sigs := []syscall.Signal{syscall.SIGUSR1, syscall.SIGUSR2, syscall.SIGHUP}
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range 50 {
		sig := sigs[i%len(sigs)]
		wg.Go(func() {
			<-start
			for range 20 {
				if err := signals.Add(sig, func(os.Signal) {}); err != nil {
					t.Errorf("Add(%v): %v", sig, err)
					return
				}
				signals.Remove(sig)
			}
		})
	}
	wg.Go(func() {
		<-start
		for i := range 10 {
			if err := deliver(sigs[i%len(sigs)]); err != nil {
				t.Error(err)
				return
			}
		}
	})
	close(start)
	wg.Wait()
	for _, sig := range sigs {
		signals.Remove(sig)
	}
	noGoroutinesSince(t, snapshot)

	got := make(chan os.Signal, 1)
	if err := signals.Add(syscall.SIGUSR2, func(sig os.Signal) { got <- sig }); err != nil {
		t.Fatal(err)
	}
	defer signals.Remove(syscall.SIGUSR2)
	mustDeliver(t, syscall.SIGUSR2)
	receive(t, got, "handler call after the storm")
}

func TestContextCause(t *testing.T) {
	snapshot := goleak.IgnoreCurrent()
	ctx, stop := signals.Context(context.Background(), syscall.SIGUSR1, syscall.SIGUSR2)
	defer stop()
	mustDeliver(t, syscall.SIGUSR2)
	receive(t, ctx.Done(), "end of ctx")
	if err := ctx.Err(); err != context.Canceled {
		t.Errorf("ctx.Err: got %v, want %v", err, context.Canceled)
	}
	var se *signals.SignalError
	if cause := context.Cause(ctx); !errors.As(cause, &se) || se.Signal != syscall.SIGUSR2 {
		t.Fatalf("cause: got %v, want a *SignalError for %v", cause, syscall.SIGUSR2)
	}
	if got, want := se.Error(), "signals: received "+syscall.SIGUSR2.String(); got != want {
		t.Errorf("Error: got %q, want %q", got, want)
	}
	stop()
	if _, ok := context.Cause(ctx).(*signals.SignalError); !ok {
		t.Errorf("cause after stop: got %v, want the *SignalError still", context.Cause(ctx))
	}
	noGoroutinesSince(t, snapshot)
}

func TestContextStop(t *testing.T) {
	snapshot := goleak.IgnoreCurrent()
	ctx, stop := signals.Context(context.Background(), syscall.SIGHUP)
	stop()
	noGoroutinesSince(t, snapshot) // stop waits for the goroutine; check at once
	select {
	case <-ctx.Done():
	default:
		t.Fatal("ctx not done after stop")
	}
	if got := context.Cause(ctx); got != context.Canceled {
		t.Errorf("cause: got %v, want %v", got, context.Canceled)
	}
	stop() // idempotent
	mustDeliver(t, syscall.SIGHUP)
	if got := context.Cause(ctx); got != context.Canceled {
		t.Errorf("cause after a later signal: got %v, want %v", got, context.Canceled)
	}
}

func TestContextParentCancelled(t *testing.T) {
	snapshot := goleak.IgnoreCurrent()
	parent, cancel := context.WithCancelCause(context.Background())
	ctx, stop := signals.Context(parent, syscall.SIGHUP)
	defer stop()
	errParent := errors.New("parent gave up")
	cancel(errParent)
	receive(t, ctx.Done(), "end of ctx")
	if got := context.Cause(ctx); got != errParent {
		t.Errorf("cause: got %v, want %v", got, errParent)
	}
	noGoroutinesSince(t, snapshot) // released without stop
}

// TestContextSecondSignal shows where the second signal goes: the Context
// lets go as soon as the first one arrives, without waiting for stop, so the
// next one reaches the next listener (and, with none, its default action).
func TestContextSecondSignal(t *testing.T) {
	snapshot := goleak.IgnoreCurrent()
	ctx, stop := signals.Context(context.Background(), syscall.SIGUSR1)
	defer stop()
	mustDeliver(t, syscall.SIGUSR1)
	receive(t, ctx.Done(), "end of ctx")
	noGoroutinesSince(t, snapshot) // released before stop

	force, stopForce := signals.Context(context.Background(), syscall.SIGUSR1)
	defer stopForce()
	mustDeliver(t, syscall.SIGUSR1)
	receive(t, force.Done(), "end of the second ctx")
	var se *signals.SignalError
	if cause := context.Cause(force); !errors.As(cause, &se) || se.Signal != syscall.SIGUSR1 {
		t.Errorf("second cause: got %v, want a *SignalError for %v", cause, syscall.SIGUSR1)
	}
}

// TestContextDefaultSignals checks that Context with no signals listens for
// SIGINT and SIGTERM.
func TestContextDefaultSignals(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		ctx, stop := signals.Context(context.Background())
		mustDeliver(t, sig)
		receive(t, ctx.Done(), "end of ctx")
		var se *signals.SignalError
		if cause := context.Cause(ctx); !errors.As(cause, &se) || se.Signal != sig {
			t.Errorf("cause: got %v, want a *SignalError for %v", cause, sig)
		}
		stop()
	}
}

// TestContextAndAdd checks that a Context and a handler for the same signal
// both receive it.
func TestContextAndAdd(t *testing.T) {
	got := make(chan os.Signal, 1)
	if err := signals.Add(syscall.SIGHUP, func(sig os.Signal) { got <- sig }); err != nil {
		t.Fatal(err)
	}
	defer signals.Remove(syscall.SIGHUP)
	ctx, stop := signals.Context(context.Background(), syscall.SIGHUP)
	defer stop()
	mustDeliver(t, syscall.SIGHUP)
	receive(t, ctx.Done(), "end of ctx")
	receive(t, got, "handler call")
}
