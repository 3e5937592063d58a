package executor_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/netaio/aio/executor"
)

func TestWaitAllCompletedMixedTypes(t *testing.T) {
	ctx := testCtx(t)
	release := newGate()
	a := executor.Go(ctx, block[int](nil, release, 1))
	b := executor.Go(ctx, block[string](nil, release, "b"))
	go release.Open()
	done, pending, err := executor.Wait(ctx, executor.AllCompleted, a, b)
	if err != nil || len(done) != 2 || len(pending) != 0 {
		t.Fatalf("Wait = %v, %v, %v", done, pending, err)
	}
	if done[0] != executor.Awaitable(a) || done[1] != executor.Awaitable(b) {
		t.Fatal("done is not in argument order")
	}
	if v, _ := b.Result(); v != "b" {
		t.Fatalf("b = %q", v)
	}
}

func TestWaitFirstCompleted(t *testing.T) {
	ctx := testCtx(t)
	slow := executor.Go(ctx, block[int](nil, nil, 0))
	fast := executor.Go(ctx, value("x"))
	done, pending, err := executor.Wait(ctx, executor.FirstCompleted, slow, fast)
	if err != nil || len(done) != 1 || done[0] != executor.Awaitable(fast) ||
		len(pending) != 1 || pending[0] != executor.Awaitable(slow) {
		t.Fatalf("Wait = %v, %v, %v", done, pending, err)
	}
	slow.Cancel()
	recv(t, slow.Done(), "slow")
}

// FirstError returns at the first failure; a cancellation is not one, and
// without a failure it waits for all, as FIRST_EXCEPTION.
func TestWaitFirstError(t *testing.T) {
	ctx := testCtx(t)
	started := make(chan struct{}, 1)
	slow := executor.Go(ctx, block[int](started, nil, 0))
	recv(t, started, "slow")
	cancelled := executor.Go(ctx, block[int](nil, nil, 0))
	cancelled.Cancel()
	recv(t, cancelled.Done(), "cancelled")

	failing := make(chan struct{})
	bad := executor.Go(ctx, func(ctx context.Context) (string, error) {
		if err := await(ctx, failing); err != nil {
			return "", err
		}
		return "", errBoom
	})
	res := make(chan []executor.Awaitable, 1)
	go func() {
		done, _, err := executor.Wait(ctx, executor.FirstError, slow, cancelled, bad)
		if err != nil {
			t.Errorf("err = %v", err)
		}
		res <- done
	}()
	// The cancelled future alone does not end the wait.
	select {
	case done := <-res:
		t.Fatalf("Wait returned on a cancellation: %v", done)
	default:
	}
	close(failing)
	done := recv(t, res, "Wait")
	if len(done) != 2 || done[0] != executor.Awaitable(cancelled) || done[1] != executor.Awaitable(bad) {
		t.Fatalf("done = %v, want [cancelled bad]", done)
	}
	slow.Cancel()
	recv(t, slow.Done(), "slow")

	// No failure: all are waited for.
	ok1, ok2 := executor.Go(ctx, value(1)), executor.Go(ctx, value(2))
	done, pending, err := executor.Wait(ctx, executor.FirstError, ok1, ok2)
	if err != nil || len(done) != 2 || len(pending) != 0 {
		t.Fatalf("Wait = %v, %v, %v", done, pending, err)
	}
}

// A deadline is not an error, as asyncio.wait's timeout.
func TestWaitDeadlineIsNotAnError(t *testing.T) {
	ctx := testCtx(t)
	slow := executor.Go(ctx, block[int](nil, nil, 0))
	fast := executor.Go(ctx, value(1))
	recv(t, fast.Done(), "fast")
	dctx, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	done, pending, err := executor.Wait(dctx, executor.AllCompleted, slow, fast)
	if err != nil {
		t.Fatalf("err = %v, want nil on a deadline", err)
	}
	if len(done) != 1 || done[0] != executor.Awaitable(fast) || len(pending) != 1 || pending[0] != executor.Awaitable(slow) {
		t.Fatalf("done = %v, pending = %v", done, pending)
	}
	notDone(t, slow.Done(), "Wait must not cancel")
	slow.Cancel()
	recv(t, slow.Done(), "slow")
}

// A cancellation is an error: context.Canceled, with the lists filled in.
func TestWaitCancelled(t *testing.T) {
	ctx := testCtx(t)
	slow := executor.Go(ctx, block[int](nil, nil, 0))
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	done, pending, err := executor.Wait(cctx, executor.FirstCompleted, slow)
	if err != context.Canceled || len(done) != 0 || len(pending) != 1 {
		t.Fatalf("Wait = %v, %v, %v, want [], [slow], context.Canceled", done, pending, err)
	}
	notDone(t, slow.Done(), "Wait must not cancel")
	slow.Cancel()
	recv(t, slow.Done(), "slow")
}

// Already met conditions win over an ended ctx.
func TestWaitMetConditionBeatsEndedCtx(t *testing.T) {
	ctx := testCtx(t)
	f := executor.Go(ctx, value(1))
	recv(t, f.Done(), "f")
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	for range 100 {
		done, pending, err := executor.Wait(cctx, executor.AllCompleted, f)
		if err != nil || len(done) != 1 || len(pending) != 0 {
			t.Fatalf("Wait = %v, %v, %v", done, pending, err)
		}
	}
}

func TestWaitPanic(t *testing.T) {
	ctx := testCtx(t)
	slow := executor.Go(ctx, block[int](nil, nil, 0))
	p := executor.Go(ctx, func(context.Context) (int, error) { panic("waited") })
	done, _, err := executor.Wait(ctx, executor.FirstError, slow, p)
	if err != nil || len(done) != 1 {
		t.Fatalf("Wait = %v, %v", done, err)
	}
	var pe *executor.PanicError
	if !errors.As(done[0].Err(), &pe) {
		t.Fatalf("done[0].Err() = %v, want *PanicError", done[0].Err())
	}
	slow.Cancel()
	recv(t, slow.Done(), "slow")
}

// Any Awaitable works, a context.Context for one.
func TestWaitForeignAwaitable(t *testing.T) {
	ctx := testCtx(t)
	c1, cancel1 := context.WithCancel(ctx)
	c2, cancel2 := context.WithCancel(ctx)
	defer cancel2()
	f := executor.Go(ctx, block[int](nil, nil, 0))
	go cancel1()
	done, pending, err := executor.Wait(ctx, executor.FirstCompleted, c1, c2, f)
	if err != nil || len(done) != 1 || done[0] != executor.Awaitable(c1) || len(pending) != 2 {
		t.Fatalf("Wait = %v, %v, %v", done, pending, err)
	}
	// FirstError treats a context's Canceled as a cancellation, not a failure.
	dctx, cancel3 := context.WithTimeout(ctx, time.Nanosecond)
	defer cancel3()
	recv(t, dctx.Done(), "deadline")
	done, _, err = executor.Wait(ctx, executor.FirstError, c2, dctx)
	if err != nil || len(done) != 1 || done[0] != executor.Awaitable(dctx) {
		t.Fatalf("Wait(FirstError) = %v, %v", done, err)
	}
	f.Cancel()
	recv(t, f.Done(), "f")
}

func TestWaitBadInput(t *testing.T) {
	ctx := testCtx(t)
	f := executor.Go(ctx, value(1))
	if _, _, err := executor.Wait(ctx, executor.ReturnWhen(9), f); !errors.Is(err, executor.ErrInvalid) {
		t.Fatalf("unknown when: err = %v", err)
	}
	if _, _, err := executor.Wait(ctx, executor.AllCompleted, f, nil); !errors.Is(err, executor.ErrInvalid) {
		t.Fatalf("nil awaitable: err = %v", err)
	}
	var nilFuture *executor.Future[int]
	if _, _, err := executor.Wait(ctx, executor.AllCompleted, nilFuture); !errors.Is(err, executor.ErrInvalid) {
		t.Fatalf("nil *Future: err = %v", err)
	}
	if d, p, err := executor.Wait(ctx, executor.FirstCompleted); d != nil || p != nil || err != nil {
		t.Fatalf("Wait() = %v, %v, %v", d, p, err)
	}
	if s := executor.FirstError.String(); s != "FIRST_EXCEPTION" {
		t.Fatalf("String = %q", s)
	}
	if s := executor.ReturnWhen(9).String(); s != "ReturnWhen(9)" {
		t.Fatalf("String = %q", s)
	}
}

// Repeated FirstCompleted waits, the asyncio idiom, leave no callbacks or
// goroutines behind and see every future.
func TestWaitLoop(t *testing.T) {
	ctx := testCtx(t)
	const n = 20
	gates := make([]gate, n)
	pending := make([]executor.Awaitable, n)
	for i := range gates {
		gates[i] = newGate()
		pending[i] = executor.Go(ctx, block[int](nil, gates[i], i))
	}
	seen := 0
	for i := 0; len(pending) > 0; i++ {
		gates[i].Open()
		var done []executor.Awaitable
		var err error
		done, pending, err = executor.Wait(ctx, executor.FirstCompleted, pending...)
		if err != nil {
			t.Fatal(err)
		}
		seen += len(done)
	}
	if seen != n {
		t.Fatalf("saw %d completions, want %d", seen, n)
	}
}

func TestAsCompletedOrder(t *testing.T) {
	ctx := testCtx(t)
	gates := []gate{newGate(), newGate(), newGate()}
	fs := make([]*executor.Future[int], 3)
	for i := range fs {
		fs[i] = executor.Go(ctx, block[int](nil, gates[i], i))
	}
	order := []int{2, 0, 1}
	gates[order[0]].Open()
	k := 0
	for f, err := range executor.AsCompleted(ctx, fs...) {
		if err != nil {
			t.Fatal(err)
		}
		if f != fs[order[k]] {
			t.Fatalf("yield %d is not the caller's future %d", k, order[k])
		}
		if v, err := f.Result(); v != order[k] || err != nil {
			t.Fatalf("yield %d = %v, %v", k, v, err)
		}
		k++
		if k < len(order) {
			gates[order[k]].Open()
		}
	}
	if k != 3 {
		t.Fatalf("yielded %d futures, want 3", k)
	}
}

// Futures already complete come first, in argument order.
func TestAsCompletedAlreadyDone(t *testing.T) {
	ctx := testCtx(t)
	var fs []*executor.Future[int]
	for i := range 5 {
		f := executor.Go(ctx, value(i))
		recv(t, f.Done(), "f")
		fs = append(fs, f)
	}
	i := 0
	for f, err := range executor.AsCompleted(ctx, fs...) {
		if err != nil || f != fs[i] {
			t.Fatalf("yield %d: %v, %v", i, f, err)
		}
		i++
	}
}

func TestAsCompletedTimeout(t *testing.T) {
	ctx := testCtx(t)
	fast := executor.Go(ctx, value(1))
	slow := executor.Go(ctx, block[int](nil, nil, 2))
	dctx, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	var got []*executor.Future[int]
	var errs []error
	for f, err := range executor.AsCompleted(dctx, fast, slow) {
		got = append(got, f)
		errs = append(errs, err)
	}
	if len(got) != 2 || got[0] != fast || errs[0] != nil || got[1] != nil || !errors.Is(errs[1], context.DeadlineExceeded) {
		t.Fatalf("yields = %v, %v, want [fast nil], [nil DeadlineExceeded]", got, errs)
	}
	notDone(t, slow.Done(), "AsCompleted must not cancel")
	slow.Cancel()
	recv(t, slow.Done(), "slow")
}

func TestAsCompletedBreakAndPanic(t *testing.T) {
	ctx := testCtx(t)
	p := executor.Go(ctx, func(context.Context) (int, error) { panic("yielded") })
	slow := executor.Go(ctx, block[int](nil, nil, 0))
	seq := executor.AsCompleted(ctx, slow, p)
	for range 2 { // the sequence can be ranged over again
		for f, err := range seq {
			var pe *executor.PanicError
			if err != nil || f != p || !errors.As(f.Err(), &pe) {
				t.Fatalf("yield = %v, %v", f, err)
			}
			break
		}
	}
	slow.Cancel()
	recv(t, slow.Done(), "slow")
}

func TestAsCompletedNil(t *testing.T) {
	ctx := testCtx(t)
	n := 0
	for f, err := range executor.AsCompleted[int](ctx, nil) {
		if f != nil || !errors.Is(err, executor.ErrInvalid) {
			t.Fatalf("yield = %v, %v", f, err)
		}
		n++
	}
	if n != 1 {
		t.Fatalf("%d yields, want 1", n)
	}
	for range executor.AsCompleted[int](ctx) {
		t.Fatal("yield for no futures")
	}
}

// Cancellation racing completions: every future yielded is done, and the
// sequence ends with at most one error.
func TestAsCompletedCancelRace(t *testing.T) {
	ctx := testCtx(t)
	for range 300 {
		release := newGate()
		fs := []*executor.Future[int]{
			executor.Go(ctx, block[int](nil, release, 1)),
			executor.Go(ctx, block[int](nil, release, 2)),
		}
		cctx, cancel := context.WithCancel(ctx)
		go release.Open()
		go cancel()
		n, errs := 0, 0
		for f, err := range executor.AsCompleted(cctx, fs...) {
			if err != nil {
				errs++
				continue
			}
			if errs > 0 {
				t.Fatal("yield after the error")
			}
			if _, rerr := f.Result(); rerr != nil {
				t.Fatalf("yielded future not done: %v", rerr)
			}
			n++
		}
		if n+errs == 0 || errs > 1 || (errs == 0 && n != 2) {
			t.Fatalf("yields: %d futures, %d errors", n, errs)
		}
		for _, f := range fs {
			recv(t, f.Done(), "future")
		}
		cancel()
	}
}
