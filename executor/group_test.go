package executor_test

import (
	"context"
	"errors"
	"runtime"
	"sync/atomic"
	"testing"

	"github.com/netaio/aio/executor"
)

// unwrapAll returns the errors joined in err.
func unwrapAll(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	if err == nil {
		return nil
	}
	return []error{err}
}

func TestGroupSuccess(t *testing.T) {
	g, _ := executor.NewGroup(testCtx(t))
	var n atomic.Int32
	for range 10 {
		g.Go(func(context.Context) error {
			n.Add(1)
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		t.Fatalf("Wait = %v", err)
	}
	if n.Load() != 10 {
		t.Fatalf("ran %d, want 10", n.Load())
	}
}

// The first failure cancels the rest; Wait joins every real failure and
// leaves out the cancellation echoes.
func TestGroupFirstErrorCancelsAndJoins(t *testing.T) {
	g, gctx := executor.NewGroup(testCtx(t))
	errOther := errors.New("other")
	started := make(chan struct{}, 3)
	for range 3 {
		g.Go(func(ctx context.Context) error {
			started <- struct{}{}
			<-ctx.Done()
			return ctx.Err()
		})
	}
	// One that fails on its own after the cancellation.
	g.Go(func(ctx context.Context) error {
		started <- struct{}{}
		<-ctx.Done()
		return errOther
	})
	for range 4 {
		recv(t, started, "start")
	}
	g.Go(func(context.Context) error { return errBoom })
	err := g.Wait()
	if !errors.Is(err, errBoom) || !errors.Is(err, errOther) {
		t.Fatalf("Wait = %v, want boom and other", err)
	}
	if errs := unwrapAll(err); len(errs) != 2 || errs[0] != errBoom {
		t.Fatalf("joined = %v, want [boom other]", errs)
	}
	if errors.Is(err, context.Canceled) {
		t.Fatalf("Wait = %v includes cancellation echoes", err)
	}
	if context.Cause(gctx) != errBoom {
		t.Fatalf("cause = %v, want boom", context.Cause(gctx))
	}
}

func TestGroupPanic(t *testing.T) {
	g, gctx := executor.NewGroup(testCtx(t))
	started := make(chan struct{})
	g.Go(func(ctx context.Context) error {
		close(started)
		<-ctx.Done()
		return ctx.Err()
	})
	recv(t, started, "start")
	g.Go(func(context.Context) error { panic("grouped") })
	err := g.Wait()
	var pe *executor.PanicError
	if !errors.As(err, &pe) || pe.Value != "grouped" {
		t.Fatalf("Wait = %v, want *PanicError", err)
	}
	if len(unwrapAll(err)) != 1 {
		t.Fatalf("Wait = %v, want the panic only", err)
	}
	recv(t, gctx.Done(), "group ctx")
}

// A panic whose value is the cancellation error is still reported.
func TestGroupPanicIsNeverAnEcho(t *testing.T) {
	g, _ := executor.NewGroup(testCtx(t))
	g.Cancel()
	// Go after cancel does not start fn, so cancel from inside instead.
	g2, _ := executor.NewGroup(testCtx(t))
	g2.Go(func(ctx context.Context) error {
		g2.Cancel()
		panic(ctx.Err())
	})
	var pe *executor.PanicError
	if err := g2.Wait(); !errors.As(err, &pe) {
		t.Fatalf("Wait = %v, want *PanicError", err)
	}
	if err := g.Wait(); err != nil {
		t.Fatalf("cancelled empty group: Wait = %v, want nil", err)
	}
}

func TestGroupCancel(t *testing.T) {
	g, _ := executor.NewGroup(testCtx(t))
	started := make(chan struct{}, 2)
	for range 2 {
		g.Go(func(ctx context.Context) error {
			started <- struct{}{}
			<-ctx.Done()
			return ctx.Err()
		})
	}
	recv(t, started, "1")
	recv(t, started, "2")
	g.Cancel()
	if err := g.Wait(); err == nil || !errors.Is(err, context.Canceled) || len(unwrapAll(err)) != 1 {
		t.Fatalf("Wait = %v, want context.Canceled once", err)
	}
	// Go after the cancellation does not start fn.
	g.Go(func(context.Context) error {
		t.Error("fn started after Wait")
		return nil
	})
	if err := g.Wait(); !errors.Is(err, executor.ErrInvalid) {
		t.Fatalf("Wait after late Go = %v, want ErrInvalid", err)
	}
}

// Cancelling the parent ctx cancels the group, and nested groups with it.
func TestGroupNestedOuterCancel(t *testing.T) {
	parent, cancel := context.WithCancel(testCtx(t))
	outer, octx := executor.NewGroup(parent)
	started := make(chan struct{}, 4)
	for range 2 {
		outer.Go(func(ctx context.Context) error {
			inner, ictx := executor.NewGroup(ctx)
			for range 2 {
				inner.Go(func(ctx context.Context) error {
					started <- struct{}{}
					<-ctx.Done()
					return ctx.Err()
				})
			}
			err := inner.Wait()
			if ictx.Err() == nil {
				t.Error("inner ctx not done after Wait")
			}
			return err
		})
	}
	for range 4 {
		recv(t, started, "inner task")
	}
	cancel()
	err := outer.Wait()
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Wait = %v, want context.Canceled", err)
	}
	recv(t, octx.Done(), "outer ctx")
}

// An inner failure surfaces through the outer group and cancels it.
func TestGroupNestedInnerFailure(t *testing.T) {
	outer, _ := executor.NewGroup(testCtx(t))
	sibling := make(chan struct{})
	outer.Go(func(ctx context.Context) error {
		<-ctx.Done()
		close(sibling)
		return ctx.Err()
	})
	outer.Go(func(ctx context.Context) error {
		inner, _ := executor.NewGroup(ctx)
		inner.Go(func(context.Context) error { return errBoom })
		return inner.Wait()
	})
	if err := outer.Wait(); !errors.Is(err, errBoom) || errors.Is(err, context.Canceled) {
		t.Fatalf("Wait = %v, want boom only", err)
	}
	recv(t, sibling, "sibling cancelled")
}

func TestGroupParentCancelled(t *testing.T) {
	parent, cancel := context.WithCancel(testCtx(t))
	g, _ := executor.NewGroup(parent)
	started := make(chan struct{})
	g.Go(func(ctx context.Context) error {
		close(started)
		<-ctx.Done()
		return ctx.Err()
	})
	recv(t, started, "start")
	cancel()
	// Functions that finish anyway after the cancel: no error to report.
	g2, _ := executor.NewGroup(parent)
	g2.Go(func(context.Context) error { t.Error("started on a cancelled group"); return nil })
	if err := g.Wait(); err != context.Canceled && !errors.Is(err, context.Canceled) {
		t.Fatalf("Wait = %v", err)
	}
	if err := g2.Wait(); !errors.Is(err, context.Canceled) {
		t.Fatalf("skipped Go: Wait = %v, want context.Canceled", err)
	}
}

func TestGroupCancelledButSucceeded(t *testing.T) {
	g, _ := executor.NewGroup(testCtx(t))
	started := make(chan struct{})
	g.Go(func(ctx context.Context) error {
		close(started)
		<-ctx.Done()
		return nil // stops cleanly
	})
	recv(t, started, "start")
	g.Cancel()
	if err := g.Wait(); err != nil {
		t.Fatalf("Wait = %v, want nil: every function succeeded", err)
	}
}

func TestGroupLimit(t *testing.T) {
	g, _ := executor.NewGroup(testCtx(t))
	const limit, n = 2, 10
	g.SetLimit(limit)
	var running, peak atomic.Int32
	release := newGate()
	started := make(chan struct{}, n)
	spawned := make(chan struct{})
	go func() {
		defer close(spawned)
		for range n {
			g.Go(func(ctx context.Context) error {
				r := running.Add(1)
				for {
					p := peak.Load()
					if r <= p || peak.CompareAndSwap(p, r) {
						break
					}
				}
				started <- struct{}{}
				defer running.Add(-1)
				return await(ctx, release)
			})
		}
	}()
	recv(t, started, "1")
	recv(t, started, "2")
	select {
	case <-started:
		t.Fatal("a third function started beyond the limit")
	default:
	}
	release.Open()
	recv(t, spawned, "all Go calls")
	if err := g.Wait(); err != nil {
		t.Fatal(err)
	}
	if p := peak.Load(); p > limit {
		t.Fatalf("peak concurrency %d, want <= %d", p, limit)
	}
}

// A Go blocked on the limit returns when the group is cancelled, without
// starting fn.
func TestGroupLimitCancelWhileBlocked(t *testing.T) {
	g, _ := executor.NewGroup(testCtx(t))
	g.SetLimit(1)
	started := make(chan struct{})
	g.Go(func(ctx context.Context) error {
		close(started)
		<-ctx.Done()
		return ctx.Err()
	})
	recv(t, started, "start")
	returned := make(chan struct{})
	go func() {
		g.Go(func(context.Context) error {
			t.Error("fn started after the group was cancelled")
			return nil
		})
		close(returned)
	}()
	g.Cancel()
	recv(t, returned, "blocked Go")
	if err := g.Wait(); !errors.Is(err, context.Canceled) {
		t.Fatalf("Wait = %v", err)
	}
}

func TestGroupSetLimitZeroAndChange(t *testing.T) {
	g, _ := executor.NewGroup(testCtx(t))
	g.SetLimit(0) // no limit, not a deadlock
	release := newGate()
	started := make(chan struct{}, 3)
	for range 2 {
		g.Go(func(ctx context.Context) error {
			started <- struct{}{}
			return await(ctx, release)
		})
	}
	recv(t, started, "1")
	recv(t, started, "2")
	g.SetLimit(1) // while functions run: applies to later calls only
	g.Go(func(context.Context) error { started <- struct{}{}; return nil })
	recv(t, started, "3")
	g.SetLimit(-1)
	release.Open()
	if err := g.Wait(); err != nil {
		t.Fatal(err)
	}
}

func TestGroupZeroValue(t *testing.T) {
	var g executor.Group
	g.Go(func(context.Context) error { return errBoom })
	if err := g.Wait(); !errors.Is(err, errBoom) {
		t.Fatalf("Wait = %v", err)
	}
	var g2 executor.Group
	g2.Cancel()
	if err := g2.Wait(); err != nil {
		t.Fatalf("Wait = %v", err)
	}
}

func TestGroupBadInputAndGoexit(t *testing.T) {
	//lint:ignore SA1012 a nil ctx is documented to mean Background
	g, _ := executor.NewGroup(nil)
	g.Go(nil)
	if err := g.Wait(); !errors.Is(err, executor.ErrInvalid) {
		t.Fatalf("Wait = %v, want ErrInvalid", err)
	}
	g2, _ := executor.NewGroup(testCtx(t))
	g2.Go(func(context.Context) error {
		runtime.Goexit()
		return nil
	})
	if err := g2.Wait(); !errors.Is(err, executor.ErrGoexit) {
		t.Fatalf("Wait = %v, want ErrGoexit", err)
	}
}

// Functions may start siblings while Wait is already waiting.
func TestGroupGoFromInside(t *testing.T) {
	g, _ := executor.NewGroup(testCtx(t))
	var n atomic.Int32
	var spawn func(depth int) func(context.Context) error
	spawn = func(depth int) func(context.Context) error {
		return func(context.Context) error {
			n.Add(1)
			if depth > 0 {
				g.Go(spawn(depth - 1))
				g.Go(spawn(depth - 1))
			}
			return nil
		}
	}
	g.Go(spawn(5))
	if err := g.Wait(); err != nil {
		t.Fatal(err)
	}
	if n.Load() != 63 {
		t.Fatalf("ran %d, want 63", n.Load())
	}
}
