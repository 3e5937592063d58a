package executor_test

import (
	"context"
	"errors"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/netaio/aio/executor"
)

var errBoom = errors.New("boom")

func TestGoValue(t *testing.T) {
	ctx := testCtx(t)
	f := executor.Go(ctx, value(42))
	v, err := f.Wait(ctx)
	if v != 42 || err != nil {
		t.Fatalf("Wait = %v, %v, want 42, nil", v, err)
	}
	recv(t, f.Done(), "Done")
	if got, err := f.Result(); got != 42 || err != nil {
		t.Fatalf("Result = %v, %v, want 42, nil", got, err)
	}
	if err := f.Err(); err != nil {
		t.Fatalf("Err = %v, want nil", err)
	}
	if f.Cancelled() {
		t.Fatal("Cancelled = true for a success")
	}
}

func TestGoError(t *testing.T) {
	ctx := testCtx(t)
	f := executor.Go(ctx, fail[int](errBoom))
	if _, err := f.Wait(ctx); err != errBoom {
		t.Fatalf("Wait err = %v, want %v", err, errBoom)
	}
	if err := f.Err(); err != errBoom {
		t.Fatalf("Err = %v, want %v", err, errBoom)
	}
	if f.Cancelled() {
		t.Fatal("Cancelled = true for a plain failure")
	}
}

func TestFuturePendingState(t *testing.T) {
	ctx := testCtx(t)
	release := newGate()
	f := executor.Go(ctx, block[int](nil, release, 7))
	notDone(t, f.Done(), "future")
	if v, err := f.Result(); v != 0 || err != executor.ErrNotDone {
		t.Fatalf("Result while pending = %v, %v, want 0, ErrNotDone", v, err)
	}
	if err := f.Err(); err != nil {
		t.Fatalf("Err while pending = %v, want nil", err)
	}
	if f.Cancelled() {
		t.Fatal("Cancelled while pending")
	}
	release.Open()
	if v, err := f.Wait(ctx); v != 7 || err != nil {
		t.Fatalf("Wait = %v, %v, want 7, nil", v, err)
	}
}

// The ctx of Wait bounds the wait only: the work goes on and its result
// stays available.
func TestWaitCtxBoundsOnlyTheWait(t *testing.T) {
	ctx := testCtx(t)
	release := newGate()
	f := executor.Go(ctx, block[string](nil, release, "done"))

	wctx, cancel := context.WithCancel(ctx)
	cancel()
	if v, err := f.Wait(wctx); v != "" || err != context.Canceled {
		t.Fatalf("Wait(cancelled ctx) = %q, %v, want \"\", context.Canceled", v, err)
	}
	notDone(t, f.Done(), "future after its waiter gave up")
	release.Open()
	if v, err := f.Wait(ctx); v != "done" || err != nil {
		t.Fatalf("Wait = %q, %v, want done, nil", v, err)
	}
}

// A completed future's result wins over a ctx that is done at the same time.
func TestWaitPrefersResultOverEndedCtx(t *testing.T) {
	ctx := testCtx(t)
	f := executor.Go(ctx, value(1))
	recv(t, f.Done(), "Done")
	dead, cancel := context.WithCancel(ctx)
	cancel()
	for range 100 {
		if v, err := f.Wait(dead); v != 1 || err != nil {
			t.Fatalf("Wait = %v, %v, want 1, nil", v, err)
		}
	}
}

func TestCancel(t *testing.T) {
	ctx := testCtx(t)
	started := make(chan struct{}, 1)
	f := executor.Go(ctx, block[int](started, nil, 0))
	recv(t, started, "start")
	f.Cancel()
	if _, err := f.Wait(ctx); err != context.Canceled {
		t.Fatalf("Wait err = %v, want context.Canceled", err)
	}
	if !f.Cancelled() {
		t.Fatal("Cancelled = false after Cancel")
	}
	f.Cancel() // no effect on a completed future
	if !f.Cancelled() {
		t.Fatal("second Cancel changed the outcome")
	}
}

// Work that ignores cancellation keeps its outcome, like a task that
// swallows CancelledError.
func TestCancelIgnoredKeepsValue(t *testing.T) {
	ctx := testCtx(t)
	started := make(chan struct{})
	cancelled := make(chan struct{})
	f := executor.Go(ctx, func(ctx context.Context) (int, error) {
		close(started)
		<-ctx.Done()
		close(cancelled)
		return 5, nil
	})
	recv(t, started, "start")
	f.Cancel()
	recv(t, cancelled, "work to see the cancel")
	if v, err := f.Wait(ctx); v != 5 || err != nil {
		t.Fatalf("Wait = %v, %v, want 5, nil", v, err)
	}
	if f.Cancelled() {
		t.Fatal("Cancelled = true although the work returned a value")
	}
}

func TestGoParentCtxCancels(t *testing.T) {
	ctx := testCtx(t)
	parent, cancel := context.WithCancel(ctx)
	started := make(chan struct{}, 1)
	f := executor.Go(parent, block[int](started, nil, 0))
	recv(t, started, "start")
	cancel()
	if _, err := f.Wait(ctx); err != context.Canceled {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
}

// Work whose ctx has ended before it starts is never called.
func TestGoDeadCtxDoesNotCall(t *testing.T) {
	ctx := testCtx(t)
	dead, cancel := context.WithCancel(ctx)
	cancel()
	called := false
	f := executor.Go(dead, func(context.Context) (int, error) {
		called = true
		return 1, nil
	})
	if _, err := f.Wait(ctx); err != context.Canceled {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if called {
		t.Fatal("work ran with a ctx that ended before it started")
	}
}

// The ctx given to the work is released once the work returns.
func TestGoCtxReleasedAfterReturn(t *testing.T) {
	ctx := testCtx(t)
	var workCtx context.Context
	f := executor.Go(ctx, func(c context.Context) (int, error) {
		workCtx = c
		return 0, nil
	})
	if _, err := f.Wait(ctx); err != nil {
		t.Fatal(err)
	}
	recv(t, workCtx.Done(), "work ctx to be released")
}

func TestGoPanic(t *testing.T) {
	ctx := testCtx(t)
	f := executor.Go(ctx, func(context.Context) (int, error) {
		panic("kaboom")
	})
	_, err := f.Wait(ctx)
	var pe *executor.PanicError
	if !errors.As(err, &pe) {
		t.Fatalf("err = %v (%T), want *PanicError", err, err)
	}
	if pe.Value != "kaboom" {
		t.Fatalf("Value = %v, want kaboom", pe.Value)
	}
	if !strings.Contains(string(pe.Stack), "TestGoPanic") {
		t.Fatalf("Stack does not show the panic site:\n%s", pe.Stack)
	}
	if !strings.HasPrefix(err.Error(), "executor: panic: kaboom") || !strings.Contains(err.Error(), "TestGoPanic") {
		t.Fatalf("Error() = %q, want the value and the stack", err.Error())
	}
}

func TestPanicErrorUnwrap(t *testing.T) {
	ctx := testCtx(t)
	f := executor.Go(ctx, func(context.Context) (int, error) {
		panic(errBoom)
	})
	_, err := f.Wait(ctx)
	if !errors.Is(err, errBoom) {
		t.Fatalf("errors.Is(%v, errBoom) = false", err)
	}
	g := executor.Go(ctx, func(context.Context) (int, error) {
		return outOfRange(3), nil // a runtime error
	})
	_, err = g.Wait(ctx)
	var re runtime.Error
	if !errors.As(err, &re) {
		t.Fatalf("errors.As(%v, runtime.Error) = false", err)
	}
	if (&executor.PanicError{Value: 3}).Unwrap() != nil {
		t.Fatal("Unwrap of a non-error value is not nil")
	}
}

func TestGoGoexit(t *testing.T) {
	ctx := testCtx(t)
	f := executor.Go(ctx, func(context.Context) (int, error) {
		runtime.Goexit()
		return 1, nil
	})
	if _, err := f.Wait(ctx); err != executor.ErrGoexit {
		t.Fatalf("err = %v, want ErrGoexit", err)
	}
}

func TestGoBadInput(t *testing.T) {
	ctx := testCtx(t)
	f := executor.Go[int](ctx, nil)
	if _, err := f.Wait(ctx); !errors.Is(err, executor.ErrInvalid) {
		t.Fatalf("Go(nil fn) err = %v, want ErrInvalid", err)
	}
	//lint:ignore SA1012 a nil ctx is documented to mean Background
	g := executor.Go(nil, value(3))
	if v, err := g.Wait(ctx); v != 3 || err != nil {
		t.Fatalf("Go(nil ctx) = %v, %v, want 3, nil", v, err)
	}
	//lint:ignore SA1012 a nil ctx is documented to wait without bound
	if v, err := g.Wait(nil); v != 3 || err != nil {
		t.Fatalf("Wait(nil) = %v, %v, want 3, nil", v, err)
	}
	f.Cancel() // no-op, no panic
}

func TestOnDoneAfterCompletionRunsAtOnce(t *testing.T) {
	ctx := testCtx(t)
	f := executor.Go(ctx, value("x"))
	recv(t, f.Done(), "Done")
	var got []string
	stop := f.OnDone(func(v string, err error) { got = append(got, v) })
	// Ran synchronously, before OnDone returned.
	if len(got) != 1 || got[0] != "x" {
		t.Fatalf("callbacks = %v, want [x]", got)
	}
	if stop() {
		t.Fatal("stop after the callback ran = true")
	}
}

func TestOnDoneBeforeCompletion(t *testing.T) {
	ctx := testCtx(t)
	release := newGate()
	f := executor.Go(ctx, block[int](nil, release, 9))
	var mu sync.Mutex
	var order []int
	ran := make(chan struct{}, 3)
	for i := range 3 {
		f.OnDone(func(v int, err error) {
			select {
			case <-f.Done():
			default:
				t.Error("callback ran before Done was closed")
			}
			if v != 9 || err != nil {
				t.Errorf("callback got %v, %v, want 9, nil", v, err)
			}
			mu.Lock()
			order = append(order, i)
			mu.Unlock()
			ran <- struct{}{}
		})
	}
	removed := f.OnDone(func(int, error) { t.Error("removed callback ran") })
	if !removed() {
		t.Fatal("stop before completion = false")
	}
	if removed() {
		t.Fatal("second stop = true")
	}
	release.Open()
	for range 3 {
		recv(t, ran, "callback")
	}
	mu.Lock()
	defer mu.Unlock()
	if len(order) != 3 || order[0] != 0 || order[1] != 1 || order[2] != 2 {
		t.Fatalf("callback order = %v, want [0 1 2]", order)
	}
}

// Each callback runs once, whether it is added before, during or after
// completion.
func TestOnDoneRaceWithCompletion(t *testing.T) {
	ctx := testCtx(t)
	const n = 8
	for range 200 {
		release := newGate()
		f := executor.Go(ctx, block[int](nil, release, 1))
		ran := make(chan int, 2*n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				f.OnDone(func(int, error) { ran <- i })
			})
		}
		release.Open()
		wg.Wait()
		seen := make([]bool, n)
		for range n {
			i := recv(t, ran, "callback")
			if seen[i] {
				t.Fatalf("callback %d ran twice", i)
			}
			seen[i] = true
		}
	}
}

func TestOnDoneNil(t *testing.T) {
	ctx := testCtx(t)
	f := executor.Go(ctx, value(1))
	if f.OnDone(nil)() {
		t.Fatal("stop of a nil callback = true")
	}
	if _, err := f.Wait(ctx); err != nil {
		t.Fatal(err)
	}
}

// outOfRange panics with a runtime error for i >= 3.
func outOfRange(i int) int {
	return []int{1, 2, 3}[i]
}
