package executor_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/netaio/aio/executor"
)

func TestGatherOrder(t *testing.T) {
	ctx := testCtx(t)
	gates := []gate{newGate(), newGate(), newGate()}
	fs := make([]*executor.Future[string], 3)
	for i, name := range []string{"a", "b", "c"} {
		fs[i] = executor.Go(ctx, block[string](nil, gates[i], name))
	}
	// Complete in reverse order; the results stay in argument order.
	go func() {
		for i := len(gates) - 1; i >= 0; i-- {
			gates[i].Open()
			if _, err := fs[i].Wait(ctx); err != nil {
				t.Error(err)
			}
		}
	}()
	got, err := executor.Gather(ctx, fs...)
	if err != nil || !slices.Equal(got, []string{"a", "b", "c"}) {
		t.Fatalf("Gather = %v, %v, want [a b c], nil", got, err)
	}
}

func TestGatherEmpty(t *testing.T) {
	got, err := executor.Gather[int](testCtx(t))
	if err != nil || len(got) != 0 {
		t.Fatalf("Gather() = %v, %v, want [], nil", got, err)
	}
	if res := executor.GatherAll[int](testCtx(t)); len(res) != 0 {
		t.Fatalf("GatherAll() = %v, want []", res)
	}
}

// The first failure is returned at once and cancels the others.
func TestGatherFirstErrorCancelsOthers(t *testing.T) {
	ctx := testCtx(t)
	started := make(chan struct{}, 2)
	a := executor.Go(ctx, block[int](started, nil, 1))
	b := executor.Go(ctx, block[int](started, nil, 2))
	recv(t, started, "a")
	recv(t, started, "b")
	failing := executor.Go(ctx, fail[int](errBoom))
	done := executor.Go(ctx, value(4))
	recv(t, done.Done(), "done")

	got, err := executor.Gather(ctx, a, done, failing, b)
	if err != errBoom || got != nil {
		t.Fatalf("Gather = %v, %v, want nil, boom", got, err)
	}
	for name, f := range map[string]*executor.Future[int]{"a": a, "b": b} {
		if _, err := f.Wait(ctx); err != context.Canceled {
			t.Fatalf("%s err = %v, want context.Canceled", name, err)
		}
	}
	if v, err := done.Result(); v != 4 || err != nil {
		t.Fatalf("the completed future changed: %v, %v", v, err)
	}
}

// Cancelling Gather's ctx while it waits cancels every child.
func TestGatherCancelDuringWait(t *testing.T) {
	ctx := testCtx(t)
	started := make(chan struct{}, 3)
	var fs []*executor.Future[int]
	for i := range 3 {
		fs = append(fs, executor.Go(ctx, block[int](started, nil, i)))
	}
	for range fs {
		recv(t, started, "child")
	}
	gctx, cancel := context.WithCancel(ctx)
	res := make(chan error, 1)
	go func() {
		_, err := executor.Gather(gctx, fs...)
		res <- err
	}()
	cancel()
	if err := recv(t, res, "Gather"); err != context.Canceled {
		t.Fatalf("Gather err = %v, want context.Canceled", err)
	}
	for i, f := range fs {
		if _, err := f.Wait(ctx); err != context.Canceled {
			t.Fatalf("child %d err = %v, want context.Canceled", i, err)
		}
	}
}

// A child that was cancelled counts as failed with context.Canceled.
func TestGatherCancelledChild(t *testing.T) {
	ctx := testCtx(t)
	started := make(chan struct{}, 2)
	a := executor.Go(ctx, block[int](started, nil, 1))
	b := executor.Go(ctx, block[int](started, nil, 2))
	recv(t, started, "a")
	recv(t, started, "b")
	a.Cancel()
	if _, err := executor.Gather(ctx, a, b); err != context.Canceled {
		t.Fatalf("Gather err = %v, want context.Canceled", err)
	}
	if _, err := b.Wait(ctx); err != context.Canceled {
		t.Fatalf("sibling err = %v, want it cancelled", err)
	}
}

// Cancellation racing completion: Gather returns either every value or
// context.Canceled, never a partial or hung result, and a future that had
// completed keeps its value.
func TestGatherCancelRace(t *testing.T) {
	ctx := testCtx(t)
	for range 300 {
		release := newGate()
		fs := []*executor.Future[int]{
			executor.Go(ctx, block[int](nil, release, 1)),
			executor.Go(ctx, block[int](nil, release, 2)),
			executor.Go(ctx, value(3)),
		}
		recv(t, fs[2].Done(), "completed child")
		gctx, cancel := context.WithCancel(ctx)
		res := make(chan error, 1)
		go func() {
			got, err := executor.Gather(gctx, fs...)
			if err == nil && !slices.Equal(got, []int{1, 2, 3}) {
				t.Errorf("Gather = %v, want [1 2 3]", got)
			}
			res <- err
		}()
		go release.Open()
		cancel()
		if err := recv(t, res, "Gather"); err != nil && err != context.Canceled {
			t.Fatalf("Gather err = %v", err)
		}
		for _, f := range fs {
			if _, err := f.Wait(ctx); err != nil && err != context.Canceled {
				t.Fatalf("child err = %v", err)
			}
		}
		if v, err := fs[2].Result(); v != 3 || err != nil {
			t.Fatalf("completed child = %v, %v", v, err)
		}
	}
}

func TestGatherPanic(t *testing.T) {
	ctx := testCtx(t)
	started := make(chan struct{}, 1)
	other := executor.Go(ctx, block[int](started, nil, 0))
	recv(t, started, "other")
	p := executor.Go(ctx, func(context.Context) (int, error) { panic("gathered") })
	_, err := executor.Gather(ctx, other, p)
	var pe *executor.PanicError
	if !errors.As(err, &pe) || pe.Value != "gathered" {
		t.Fatalf("Gather err = %v, want *PanicError", err)
	}
	if _, err := other.Wait(ctx); err != context.Canceled {
		t.Fatalf("other err = %v, want context.Canceled", err)
	}
}

func TestGatherNilFuture(t *testing.T) {
	ctx := testCtx(t)
	f := executor.Go(ctx, value(1))
	if _, err := executor.Gather(ctx, f, nil); !errors.Is(err, executor.ErrInvalid) {
		t.Fatalf("err = %v, want ErrInvalid", err)
	}
	res := executor.GatherAll(ctx, nil, f)
	if !errors.Is(res[0].Err, executor.ErrInvalid) || res[1].Value != 1 || res[1].Err != nil {
		t.Fatalf("GatherAll = %+v", res)
	}
}

func TestGatherAll(t *testing.T) {
	ctx := testCtx(t)
	fs := []*executor.Future[int]{
		executor.Go(ctx, value(1)),
		executor.Go(ctx, fail[int](errBoom)),
		executor.Go(ctx, func(context.Context) (int, error) { panic("all") }),
		executor.Go(ctx, value(4)),
	}
	res := executor.GatherAll(ctx, fs...)
	if len(res) != 4 {
		t.Fatalf("len = %d, want 4", len(res))
	}
	if res[0].Value != 1 || res[0].Err != nil || res[3].Value != 4 || res[3].Err != nil {
		t.Fatalf("values = %+v", res)
	}
	if res[1].Err != errBoom {
		t.Fatalf("res[1].Err = %v, want boom", res[1].Err)
	}
	var pe *executor.PanicError
	if !errors.As(res[2].Err, &pe) {
		t.Fatalf("res[2].Err = %v, want *PanicError", res[2].Err)
	}
}

// A failure does not cancel the others in GatherAll.
func TestGatherAllDoesNotCancelOnError(t *testing.T) {
	ctx := testCtx(t)
	release := newGate()
	slow := executor.Go(ctx, block[int](nil, release, 2))
	failing := executor.Go(ctx, fail[int](errBoom))
	recv(t, failing.Done(), "failing")
	go release.Open()
	res := executor.GatherAll(ctx, failing, slow)
	if res[0].Err != errBoom || res[1].Value != 2 || res[1].Err != nil {
		t.Fatalf("GatherAll = %+v", res)
	}
}

func TestGatherAllCancel(t *testing.T) {
	ctx := testCtx(t)
	started := make(chan struct{}, 1)
	pending := executor.Go(ctx, block[int](started, nil, 0))
	recv(t, started, "pending")
	finished := executor.Go(ctx, value(5))
	recv(t, finished.Done(), "finished")
	gctx, cancel := context.WithCancel(ctx)
	cancel()
	res := executor.GatherAll(gctx, finished, pending)
	if res[0].Value != 5 || res[0].Err != nil {
		t.Fatalf("completed result lost: %+v", res[0])
	}
	if res[1].Err != context.Canceled {
		t.Fatalf("pending result = %+v, want context.Canceled", res[1])
	}
	if _, err := pending.Wait(ctx); err != context.Canceled {
		t.Fatalf("child err = %v, want it cancelled", err)
	}
}
