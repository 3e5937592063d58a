package executor_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/netaio/aio/executor"
)

func TestWaitForValue(t *testing.T) {
	ctx := testCtx(t)
	v, err := executor.WaitFor(ctx, bound, value(11))
	if v != 11 || err != nil {
		t.Fatalf("WaitFor = %v, %v, want 11, nil", v, err)
	}
	if _, err := executor.WaitFor(ctx, bound, fail[int](errBoom)); err != errBoom {
		t.Fatalf("WaitFor err = %v, want boom", err)
	}
}

// On timeout the work's ctx is cancelled, WaitFor waits for it to return,
// and reports context.DeadlineExceeded.
func TestWaitForTimeoutWaitsForFn(t *testing.T) {
	ctx := testCtx(t)
	returned := false
	_, err := executor.WaitFor(ctx, 10*time.Millisecond, func(ctx context.Context) (int, error) {
		<-ctx.Done()
		returned = true
		return 0, ctx.Err()
	})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want DeadlineExceeded", err)
	}
	if !returned {
		t.Fatal("WaitFor returned before fn did")
	}
}

// A result that is there when the timeout is acted on is never dropped.
func TestWaitForResultAtTimeout(t *testing.T) {
	ctx := testCtx(t)
	v, err := executor.WaitFor(ctx, time.Millisecond, func(ctx context.Context) (string, error) {
		<-ctx.Done() // the deadline has passed: the value is ready just now
		return "kept", nil
	})
	if v != "kept" || err != nil {
		t.Fatalf("WaitFor = %q, %v, want kept, nil", v, err)
	}
}

// The same race, timed for real: a result around the deadline is either
// returned, or was never produced.
func TestWaitForResultRaceWithTimer(t *testing.T) {
	ctx := testCtx(t)
	for i := range 200 {
		d := 200 * time.Microsecond
		produced := false
		v, err := executor.WaitFor(ctx, d, func(ctx context.Context) (int, error) {
			deadline, _ := ctx.Deadline()
			for time.Now().Before(deadline.Add(time.Duration(i%5-2) * 20 * time.Microsecond)) {
				if ctx.Err() != nil {
					return 0, ctx.Err()
				}
			}
			produced = true
			return i, nil
		})
		switch {
		case produced && (v != i || err != nil):
			t.Fatalf("result %d dropped: %v, %v", i, v, err)
		case !produced && !errors.Is(err, context.DeadlineExceeded):
			t.Fatalf("err = %v, want DeadlineExceeded", err)
		}
	}
}

// An error of the work's own, returned after the timeout, still satisfies
// DeadlineExceeded and keeps the original.
func TestWaitForTimeoutKeepsFnError(t *testing.T) {
	ctx := testCtx(t)
	_, err := executor.WaitFor(ctx, time.Millisecond, func(ctx context.Context) (int, error) {
		<-ctx.Done()
		return 0, errBoom
	})
	if !errors.Is(err, context.DeadlineExceeded) || !errors.Is(err, errBoom) {
		t.Fatalf("err = %v, want DeadlineExceeded and boom", err)
	}
}

// An outer cancellation is never reported as WaitFor's timeout.
func TestWaitForOuterCancel(t *testing.T) {
	ctx := testCtx(t)
	outer, cancel := context.WithCancel(ctx)
	started := make(chan struct{})
	go func() {
		_ = await(ctx, started)
		cancel()
	}()
	_, err := executor.WaitFor(outer, bound, func(ctx context.Context) (int, error) {
		close(started)
		<-ctx.Done()
		return 0, ctx.Err()
	})
	if err != context.Canceled {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
}

// Timeout first, then the outer cancellation before fn returns: the outer
// cancellation is what the caller must see.
func TestWaitForTimeoutThenOuterCancel(t *testing.T) {
	ctx := testCtx(t)
	outer, cancel := context.WithCancel(ctx)
	_, err := executor.WaitFor(outer, time.Millisecond, func(ctx context.Context) (int, error) {
		<-ctx.Done() // our timeout
		cancel()     // and now the caller is cancelled too
		return 0, ctx.Err()
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want it to match context.Canceled", err)
	}
}

// The outer ctx's own deadline is reported as DeadlineExceeded too.
func TestWaitForOuterDeadline(t *testing.T) {
	ctx := testCtx(t)
	outer, cancel := context.WithTimeout(ctx, time.Millisecond)
	defer cancel()
	_, err := executor.WaitFor(outer, bound, block[int](nil, nil, 0))
	if err != context.DeadlineExceeded {
		t.Fatalf("err = %v, want DeadlineExceeded", err)
	}
}

func TestWaitForPanic(t *testing.T) {
	ctx := testCtx(t)
	_, err := executor.WaitFor(ctx, bound, func(context.Context) (int, error) { panic("waitfor") })
	var pe *executor.PanicError
	if !errors.As(err, &pe) || pe.Value != "waitfor" {
		t.Fatalf("err = %v, want *PanicError", err)
	}
}

func TestWaitForBadInput(t *testing.T) {
	ctx := testCtx(t)
	if _, err := executor.WaitFor[int](ctx, time.Second, nil); !errors.Is(err, executor.ErrInvalid) {
		t.Fatalf("err = %v, want ErrInvalid", err)
	}
	// d <= 0: fn runs with an ended ctx and may still return a value.
	v, err := executor.WaitFor(ctx, 0, func(ctx context.Context) (int, error) {
		if ctx.Err() == nil {
			t.Error("ctx not done for d = 0")
		}
		return 1, nil
	})
	if v != 1 || err != nil {
		t.Fatalf("WaitFor(0) = %v, %v", v, err)
	}
	//lint:ignore SA1012 a nil ctx is documented to mean Background
	if v, err := executor.WaitFor(nil, time.Second, value(2)); v != 2 || err != nil {
		t.Fatalf("WaitFor(nil ctx) = %v, %v", v, err)
	}
}

// Shield: the caller stops waiting, the future goes on and keeps its result.
func TestShield(t *testing.T) {
	ctx := testCtx(t)
	started := make(chan struct{}, 1)
	release := newGate()
	f := executor.Go(ctx, block[string](started, release, "survived"))
	recv(t, started, "start")
	sctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := executor.Shield(sctx, f); err != context.Canceled {
		t.Fatalf("Shield err = %v, want context.Canceled", err)
	}
	notDone(t, f.Done(), "shielded future")
	release.Open()
	if v, err := f.Wait(ctx); v != "survived" || err != nil {
		t.Fatalf("f = %q, %v", v, err)
	}
	if v, err := executor.Shield(ctx, f); v != "survived" || err != nil {
		t.Fatalf("Shield = %q, %v", v, err)
	}
}

func TestShieldCancelledElsewhereAndPanic(t *testing.T) {
	ctx := testCtx(t)
	f := executor.Go(ctx, block[int](nil, nil, 0))
	f.Cancel()
	if _, err := executor.Shield(ctx, f); err != context.Canceled {
		t.Fatalf("Shield err = %v, want context.Canceled", err)
	}
	p := executor.Go(ctx, func(context.Context) (int, error) { panic("shielded") })
	var pe *executor.PanicError
	if _, err := executor.Shield(ctx, p); !errors.As(err, &pe) {
		t.Fatalf("Shield err = %v, want *PanicError", err)
	}
	if _, err := executor.Shield[int](ctx, nil); !errors.Is(err, executor.ErrInvalid) {
		t.Fatalf("Shield(nil) err = %v", err)
	}
}
