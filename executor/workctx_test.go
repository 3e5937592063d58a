package executor_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/netaio/aio/executor"
)

type ctxKey struct{}

// The ctx given to the work carries the parent's values and deadline.
func TestWorkCtxInherits(t *testing.T) {
	parent := context.WithValue(testCtx(t), ctxKey{}, "v")
	want, _ := parent.Deadline()
	f := executor.Go(parent, func(ctx context.Context) (string, error) {
		if d, ok := ctx.Deadline(); !ok || !d.Equal(want) {
			t.Errorf("Deadline = %v, %v, want %v", d, ok, want)
		}
		s, _ := ctx.Value(ctxKey{}).(string)
		return s, ctx.Err()
	})
	if v, err := f.Wait(parent); v != "v" || err != nil {
		t.Fatalf("got %q, %v", v, err)
	}
}

// Work that only polls Err sees Cancel, and Cause agrees with Err.
func TestWorkCtxErrPolling(t *testing.T) {
	ctx := testCtx(t)
	tctx := ctx // bounds the busy loops below
	started := make(chan struct{})
	f := executor.Go(ctx, func(ctx context.Context) (int, error) {
		close(started)
		for ctx.Err() == nil {
			if tctx.Err() != nil {
				return 0, errors.New("never cancelled")
			}
		}
		if c := context.Cause(ctx); c != context.Canceled {
			return 0, errors.New("cause " + c.Error())
		}
		return 0, ctx.Err()
	})
	recv(t, started, "start")
	f.Cancel()
	if _, err := f.Wait(ctx); err != context.Canceled {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
}

// Work that only polls Err sees its parent's cancellation too.
func TestWorkCtxParentCancelPolling(t *testing.T) {
	ctx := testCtx(t)
	tctx := ctx // bounds the busy loops below
	parent, cancel := context.WithCancelCause(ctx)
	started := make(chan struct{})
	f := executor.Go(parent, func(ctx context.Context) (int, error) {
		close(started)
		for ctx.Err() == nil {
			if tctx.Err() != nil {
				return 0, errors.New("never cancelled")
			}
		}
		return 0, context.Cause(ctx)
	})
	recv(t, started, "start")
	cancel(errBoom)
	if _, err := f.Wait(ctx); err != errBoom {
		t.Fatalf("err = %v, want the parent's cause", err)
	}
}

// A pool interrupt gives its cause to work that looks at its ctx only then.
func TestWorkCtxCauseBeforeFirstUse(t *testing.T) {
	ctx := testCtx(t)
	tctx := ctx // bounds the busy loops below
	p := executor.NewPool(1)
	started := make(chan struct{})
	f := executor.Submit(p, ctx, func(ctx context.Context) (int, error) {
		close(started)
		for ctx.Err() == nil {
			if tctx.Err() != nil {
				return 0, errors.New("never cancelled")
			}
		}
		return 0, context.Cause(ctx)
	})
	recv(t, started, "start")
	dead, cancel := context.WithCancel(ctx)
	cancel()
	if err := p.Shutdown(dead, false); err != context.Canceled {
		t.Fatalf("Shutdown = %v", err)
	}
	if _, err := f.Wait(ctx); !errors.Is(err, executor.ErrPoolClosed) || !errors.Is(err, context.Canceled) {
		t.Fatalf("cause = %v, want the pool's", err)
	}
	shutdown(t, p)
}

// Contexts derived from the work's ctx, and AfterFunc on it, follow Cancel
// and leave no goroutine behind.
func TestWorkCtxChildren(t *testing.T) {
	ctx := testCtx(t)
	ready := make(chan struct{})
	fired := make(chan struct{})
	var child context.Context
	f := executor.Go(ctx, func(ctx context.Context) (int, error) {
		var cancel context.CancelFunc
		child, cancel = context.WithCancel(ctx)
		defer cancel()
		context.AfterFunc(ctx, func() { close(fired) })
		close(ready)
		<-child.Done()
		return 0, context.Cause(child)
	})
	recv(t, ready, "ready")
	f.Cancel()
	if _, err := f.Wait(ctx); err != context.Canceled {
		t.Fatalf("err = %v", err)
	}
	recv(t, fired, "AfterFunc")
}

// After the work returns its ctx is done, whether or not it was used.
func TestWorkCtxDoneAfterReturn(t *testing.T) {
	ctx := testCtx(t)
	for _, use := range []bool{false, true} {
		var got context.Context
		f := executor.Go(ctx, func(ctx context.Context) (int, error) {
			got = ctx
			if use {
				_ = ctx.Done()
			}
			return 0, nil
		})
		if _, err := f.Wait(ctx); err != nil {
			t.Fatal(err)
		}
		if got.Err() != context.Canceled {
			t.Fatalf("use=%v: Err after return = %v", use, got.Err())
		}
		recv(t, got.Done(), "work ctx")
		if c := context.Cause(got); c != context.Canceled {
			t.Fatalf("use=%v: Cause = %v", use, c)
		}
	}
}

// Cancel, Done, Err and Value from many goroutines at once.
func TestWorkCtxConcurrent(t *testing.T) {
	ctx := testCtx(t)
	for range 200 {
		ctxs := make(chan context.Context, 1)
		f := executor.Go(ctx, func(ctx context.Context) (int, error) {
			ctxs <- ctx
			<-ctx.Done()
			return 0, ctx.Err()
		})
		wctx := recv(t, ctxs, "ctx")
		var wg sync.WaitGroup
		wg.Go(f.Cancel)
		wg.Go(func() { _ = wctx.Err() })
		wg.Go(func() { <-wctx.Done() })
		wg.Go(func() { _ = context.Cause(wctx) })
		wg.Wait()
		if _, err := f.Wait(ctx); err != context.Canceled {
			t.Fatalf("err = %v", err)
		}
		if wctx.Err() != context.Canceled {
			t.Fatalf("ctx Err = %v", wctx.Err())
		}
	}
}

// A chain of futures, each completed by the previous one, comes out of
// AsCompleted in chain order whatever the argument order.
func TestAsCompletedCausalOrder(t *testing.T) {
	ctx := testCtx(t)
	for range 50 {
		const n = 10
		start := newGate()
		chain := make([]*executor.Future[int], n)
		prev := func(ctx context.Context) error {
			select {
			case <-start:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		for i := range n {
			wait := prev
			chain[i] = executor.Go(ctx, func(ctx context.Context) (int, error) {
				return i, wait(ctx)
			})
			f := chain[i]
			prev = func(ctx context.Context) error {
				_, err := f.Wait(ctx)
				return err
			}
		}
		args := make([]*executor.Future[int], n)
		for i := range n {
			args[i] = chain[n-1-i]
		}
		start.Open()
		k := 0
		for f, err := range executor.AsCompleted(ctx, args...) {
			if err != nil {
				t.Fatal(err)
			}
			if v, _ := f.Result(); v != k {
				t.Fatalf("yield %d is link %d", k, v)
			}
			k++
		}
	}
}
