package executor_test

import (
	"context"
	"errors"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"testing"

	"go.uber.org/goleak"

	"github.com/netaio/aio/executor"
)

func shutdown(t testing.TB, p *executor.Pool) {
	t.Helper()
	if err := p.Shutdown(testCtx(t), false); err != nil {
		t.Fatalf("Shutdown = %v", err)
	}
}

func TestPoolRunsWork(t *testing.T) {
	ctx := testCtx(t)
	p := executor.NewPool(3)
	fs := make([]*executor.Future[int], 50)
	for i := range fs {
		fs[i] = executor.Submit(p, ctx, func(context.Context) (int, error) { return i * i, nil })
	}
	for i, f := range fs {
		if v, err := f.Wait(ctx); v != i*i || err != nil {
			t.Fatalf("future %d = %v, %v, want %v, nil", i, v, err, i*i)
		}
	}
	shutdown(t, p)
}

// At most workers functions run at once, and queued work starts in
// submission order.
func TestPoolLimitAndOrder(t *testing.T) {
	ctx := testCtx(t)
	const workers, n = 3, 12
	p := executor.NewPool(workers)
	started := make(chan int, n)
	releases := make([]gate, n)
	fs := make([]*executor.Future[int], n)
	for i := range fs {
		releases[i] = newGate()
		fs[i] = executor.Submit(p, ctx, func(ctx context.Context) (int, error) {
			started <- i
			return i, await(ctx, releases[i])
		})
	}
	// The first workers jobs start; no more until one is released.
	for want := range workers {
		if got := recv(t, started, "start"); got > workers-1 {
			t.Fatalf("job %d started while %d was still running (want %d)", got, want, want)
		}
	}
	select {
	case i := <-started:
		t.Fatalf("job %d started beyond the limit of %d", i, workers)
	default:
	}
	next := workers
	for i := range n {
		releases[i].Open()
		if v, err := fs[i].Wait(ctx); v != i || err != nil {
			t.Fatalf("future %d = %v, %v", i, v, err)
		}
		if next < n {
			if got := recv(t, started, "start"); got != next {
				t.Fatalf("started job %d, want %d (FIFO)", got, next)
			}
			next++
		}
	}
	shutdown(t, p)
}

// No goroutine outlives a pool once Shutdown has returned nil.
func TestPoolShutdownLeavesNoGoroutine(t *testing.T) {
	opt := goleak.IgnoreCurrent()
	ctx := testCtx(t)
	p := executor.NewPool(4)
	var fs []*executor.Future[int]
	for i := range 20 {
		fs = append(fs, executor.Submit(p, ctx, value(i)))
	}
	for _, f := range fs {
		if _, err := f.Wait(ctx); err != nil {
			t.Fatal(err)
		}
	}
	shutdown(t, p)
	goleak.VerifyNone(t, opt)
}

// Shutdown without cancelPending runs the queued work to the end.
func TestPoolShutdownRunsQueuedWork(t *testing.T) {
	ctx := testCtx(t)
	p := executor.NewPool(1)
	started := make(chan struct{}, 1)
	release := newGate()
	first := executor.Submit(p, ctx, block[int](started, release, -1))
	recv(t, started, "first job")
	var queued []*executor.Future[int]
	for i := range 5 {
		queued = append(queued, executor.Submit(p, ctx, value(i)))
	}

	done := make(chan error, 1)
	go func() { done <- p.Shutdown(ctx, false) }()
	// Submit is refused as soon as Shutdown has begun; wait for that.
	for {
		// A refused submission is complete at once; an accepted one
		// merely joins the queue.
		if errors.Is(executor.Submit(p, ctx, value(0)).Err(), executor.ErrPoolClosed) {
			break
		}
		if ctx.Err() != nil {
			t.Fatal("Submit never refused work after Shutdown began")
		}
		runtime.Gosched()
	}
	notDone(t, queued[0].Done(), "queued work during shutdown")
	release.Open()
	if err := recv(t, done, "Shutdown"); err != nil {
		t.Fatalf("Shutdown = %v", err)
	}
	if v, err := first.Result(); v != -1 || err != nil {
		t.Fatalf("first = %v, %v", v, err)
	}
	for i, f := range queued {
		if v, err := f.Result(); v != i || err != nil {
			t.Fatalf("queued %d = %v, %v, want %d, nil", i, v, err, i)
		}
	}
}

// Shutdown with cancelPending drops queued work, lets running work finish.
func TestPoolShutdownCancelPending(t *testing.T) {
	ctx := testCtx(t)
	p := executor.NewPool(2)
	started := make(chan struct{}, 2)
	release := newGate()
	running := []*executor.Future[int]{
		executor.Submit(p, ctx, block[int](started, release, 1)),
		executor.Submit(p, ctx, block[int](started, release, 2)),
	}
	recv(t, started, "job 1")
	recv(t, started, "job 2")
	var ran atomic.Int32
	var queued []*executor.Future[int]
	for range 10 {
		queued = append(queued, executor.Submit(p, ctx, func(context.Context) (int, error) {
			ran.Add(1)
			return 0, nil
		}))
	}

	done := make(chan error, 1)
	go func() { done <- p.Shutdown(ctx, true) }()
	for i, f := range queued {
		_, err := f.Wait(ctx)
		if !errors.Is(err, context.Canceled) || !errors.Is(err, executor.ErrPoolClosed) {
			t.Fatalf("queued %d err = %v, want Canceled and ErrPoolClosed", i, err)
		}
		if !f.Cancelled() {
			t.Fatalf("queued %d: Cancelled = false", i)
		}
	}
	notDone(t, running[0].Done(), "running work")
	release.Open()
	if err := recv(t, done, "Shutdown"); err != nil {
		t.Fatalf("Shutdown = %v", err)
	}
	for i, f := range running {
		if v, err := f.Result(); v != i+1 || err != nil {
			t.Fatalf("running %d = %v, %v", i, v, err)
		}
	}
	if n := ran.Load(); n != 0 {
		t.Fatalf("%d dropped jobs ran", n)
	}
}

// At its ctx's end Shutdown returns ctx.Err(), having dropped the queue and
// cancelled the running work; a later Shutdown sees the workers gone.
func TestPoolShutdownDeadline(t *testing.T) {
	ctx := testCtx(t)
	p := executor.NewPool(1)
	started := make(chan struct{}, 1)
	stuck := newGate()
	// This job ignores cancellation until stuck opens.
	running := executor.Submit(p, ctx, func(wctx context.Context) (int, error) {
		started <- struct{}{}
		<-wctx.Done()
		if err := await(ctx, stuck); err != nil { // the test's ctx, not the cancelled one
			return 0, err
		}
		return 0, context.Cause(wctx)
	})
	recv(t, started, "start")
	queued := executor.Submit(p, ctx, value(1))

	sctx, cancel := context.WithCancel(ctx)
	cancel()
	if err := p.Shutdown(sctx, false); err != context.Canceled {
		t.Fatalf("Shutdown = %v, want context.Canceled", err)
	}
	if _, err := queued.Wait(ctx); !errors.Is(err, executor.ErrPoolClosed) {
		t.Fatalf("queued err = %v, want ErrPoolClosed", err)
	}
	notDone(t, running.Done(), "running work that ignores its ctx")
	stuck.Open()
	if _, err := running.Wait(ctx); !errors.Is(err, executor.ErrPoolClosed) {
		t.Fatalf("running err = %v, want the shutdown cause", err)
	}
	shutdown(t, p)
}

func TestPoolSubmitAfterShutdown(t *testing.T) {
	ctx := testCtx(t)
	p := executor.NewPool(2)
	shutdown(t, p)
	called := false
	f := executor.Submit(p, ctx, func(context.Context) (int, error) {
		called = true
		return 1, nil
	})
	if _, err := f.Wait(ctx); !errors.Is(err, executor.ErrPoolClosed) {
		t.Fatalf("err = %v, want ErrPoolClosed", err)
	}
	if f.Cancelled() {
		t.Fatal("a refused submission reports Cancelled")
	}
	if called {
		t.Fatal("work ran on a shut-down pool")
	}
	shutdown(t, p) // idempotent
}

// Cancelling queued work completes its future at once; it never runs.
func TestPoolCancelQueued(t *testing.T) {
	ctx := testCtx(t)
	p := executor.NewPool(1)
	defer shutdown(t, p)
	started := make(chan struct{}, 1)
	release := newGate()
	first := executor.Submit(p, ctx, block[int](started, release, 0))
	recv(t, started, "start")

	f := executor.Submit(p, ctx, func(context.Context) (int, error) {
		t.Error("cancelled queued work ran")
		return 0, nil
	})
	f.Cancel()
	recv(t, f.Done(), "cancelled queued future") // while the worker is still busy
	if !f.Cancelled() || f.Err() != context.Canceled {
		t.Fatalf("err = %v, want context.Canceled", f.Err())
	}

	// The same through the submitter's ctx.
	sub, cancel := context.WithCancel(ctx)
	g := executor.Submit(p, sub, func(context.Context) (int, error) {
		t.Error("queued work of a cancelled ctx ran")
		return 0, nil
	})
	cancel()
	recv(t, g.Done(), "queued future of a cancelled ctx")
	if g.Err() != context.Canceled {
		t.Fatalf("err = %v, want context.Canceled", g.Err())
	}
	release.Open()
	if _, err := first.Wait(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestPoolCancelRunning(t *testing.T) {
	ctx := testCtx(t)
	p := executor.NewPool(1)
	defer shutdown(t, p)
	started := make(chan struct{}, 1)
	f := executor.Submit(p, ctx, block[int](started, nil, 0))
	recv(t, started, "start")
	f.Cancel()
	if _, err := f.Wait(ctx); err != context.Canceled {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	// The worker is free again.
	if v, err := executor.Submit(p, ctx, value(3)).Wait(ctx); v != 3 || err != nil {
		t.Fatalf("next = %v, %v", v, err)
	}
}

func TestPoolPanic(t *testing.T) {
	ctx := testCtx(t)
	p := executor.NewPool(1)
	defer shutdown(t, p)
	f := executor.Submit(p, ctx, func(context.Context) (int, error) { panic("in pool") })
	var pe *executor.PanicError
	if _, err := f.Wait(ctx); !errors.As(err, &pe) || pe.Value != "in pool" {
		t.Fatalf("err = %v, want *PanicError(in pool)", err)
	}
	if v, err := executor.Submit(p, ctx, value(2)).Wait(ctx); v != 2 || err != nil {
		t.Fatalf("after panic = %v, %v; the worker should survive", v, err)
	}
}

// A job that calls runtime.Goexit ends its worker; the queued work is still
// run by a replacement.
func TestPoolGoexit(t *testing.T) {
	ctx := testCtx(t)
	p := executor.NewPool(1)
	started := make(chan struct{}, 1)
	release := newGate()
	f := executor.Submit(p, ctx, func(ctx context.Context) (int, error) {
		started <- struct{}{}
		if err := await(ctx, release); err != nil {
			return 0, err
		}
		runtime.Goexit()
		return 0, nil
	})
	recv(t, started, "start")
	g := executor.Submit(p, ctx, value(8))
	release.Open()
	if _, err := f.Wait(ctx); err != executor.ErrGoexit {
		t.Fatalf("err = %v, want ErrGoexit", err)
	}
	if v, err := g.Wait(ctx); v != 8 || err != nil {
		t.Fatalf("queued after Goexit = %v, %v", v, err)
	}
	shutdown(t, p)
}

func TestPoolDefaults(t *testing.T) {
	ctx := testCtx(t)
	for _, p := range []*executor.Pool{executor.NewPool(0), executor.NewPool(-5), new(executor.Pool)} {
		n := runtime.GOMAXPROCS(0)
		started := make(chan struct{}, n+1)
		release := newGate()
		var fs []*executor.Future[int]
		for range n + 1 {
			fs = append(fs, executor.Submit(p, ctx, block[int](started, release, 1)))
		}
		for range n {
			recv(t, started, "start")
		}
		select {
		case <-started:
			t.Fatalf("more than GOMAXPROCS=%d jobs ran at once", n)
		default:
		}
		release.Open()
		for _, f := range fs {
			if _, err := f.Wait(ctx); err != nil {
				t.Fatal(err)
			}
		}
		shutdown(t, p)
	}
}

func TestPoolBadInput(t *testing.T) {
	ctx := testCtx(t)
	if _, err := executor.Submit(nil, ctx, value(1)).Wait(ctx); !errors.Is(err, executor.ErrInvalid) {
		t.Fatalf("nil pool err = %v, want ErrInvalid", err)
	}
	p := executor.NewPool(1)
	if _, err := executor.Submit[int](p, ctx, nil).Wait(ctx); !errors.Is(err, executor.ErrInvalid) {
		t.Fatalf("nil fn err = %v, want ErrInvalid", err)
	}
	if v, err := executor.Submit(p, nil, value(1)).Wait(ctx); v != 1 || err != nil {
		t.Fatalf("nil ctx = %v, %v", v, err)
	}
	//lint:ignore SA1012 a nil ctx is documented to mean Background
	if err := p.Shutdown(nil, false); err != nil {
		t.Fatal(err)
	}
}

// Many submitters, cancellations and a shutdown at once: every future
// completes, nothing runs after being dropped, no goroutine is left.
func TestPoolStress(t *testing.T) {
	ctx := testCtx(t)
	for round := range 20 {
		p := executor.NewPool(4)
		var wg sync.WaitGroup
		futures := make(chan *executor.Future[int], 400)
		for s := range 4 {
			wg.Go(func() {
				for i := range 100 {
					sub, cancel := context.WithCancel(ctx)
					f := executor.Submit(p, sub, block[int](nil, nil, 0))
					if (i+s)%3 == 0 {
						f.Cancel()
					}
					cancel()
					futures <- f
				}
			})
		}
		if round%2 == 0 {
			wg.Go(func() { _ = p.Shutdown(ctx, round%4 == 0) })
		}
		wg.Wait()
		close(futures)
		for f := range futures {
			if _, err := f.Wait(ctx); err == nil {
				t.Fatal("work that only returns on cancel succeeded")
			}
		}
		shutdown(t, p)
	}
}

// Work beyond the job channel's buffer still starts in submission order,
// and is dropped by Cancel and by Shutdown like any other.
func TestPoolOverflow(t *testing.T) {
	ctx := testCtx(t)
	const n = 5000 // well beyond the channel buffer
	p := executor.NewPool(1)
	started := make(chan struct{})
	release := newGate()
	first := executor.Submit(p, ctx, func(ctx context.Context) (int, error) {
		close(started)
		return -1, await(ctx, release)
	})
	recv(t, started, "first job")
	var order []int // appended by the single worker only
	fs := make([]*executor.Future[int], n)
	for i := range fs {
		fs[i] = executor.Submit(p, ctx, func(context.Context) (int, error) {
			order = append(order, i)
			return i, nil
		})
	}
	cancelled := []int{10, 2000, 4999}
	for _, i := range cancelled {
		fs[i].Cancel()
		recv(t, fs[i].Done(), "cancelled queued work")
	}
	release.Open()
	if _, err := first.Wait(ctx); err != nil {
		t.Fatal(err)
	}
	for i, f := range fs {
		v, err := f.Wait(ctx)
		if slices.Contains(cancelled, i) {
			if err != context.Canceled {
				t.Fatalf("cancelled %d: %v, %v", i, v, err)
			}
			continue
		}
		if v != i || err != nil {
			t.Fatalf("future %d = %v, %v", i, v, err)
		}
	}
	if len(order) != n-len(cancelled) || !slices.IsSorted(order) {
		t.Fatalf("start order not FIFO (%d started)", len(order))
	}
	shutdown(t, p)
}

func TestPoolShutdownCancelsOverflow(t *testing.T) {
	ctx := testCtx(t)
	const n = 3000
	p := executor.NewPool(2)
	started := make(chan struct{}, 2)
	release := newGate()
	busy := []*executor.Future[int]{
		executor.Submit(p, ctx, block[int](started, release, 1)),
		executor.Submit(p, ctx, block[int](started, release, 2)),
	}
	recv(t, started, "1")
	recv(t, started, "2")
	var ran atomic.Int32
	fs := make([]*executor.Future[int], n)
	for i := range fs {
		fs[i] = executor.Submit(p, ctx, func(context.Context) (int, error) {
			ran.Add(1)
			return 0, nil
		})
	}
	done := make(chan error, 1)
	go func() { done <- p.Shutdown(ctx, true) }()
	for _, f := range fs {
		if _, err := f.Wait(ctx); !errors.Is(err, executor.ErrPoolClosed) {
			t.Fatalf("err = %v, want ErrPoolClosed", err)
		}
	}
	release.Open()
	if err := recv(t, done, "Shutdown"); err != nil {
		t.Fatal(err)
	}
	for _, f := range busy {
		if _, err := f.Wait(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if ran.Load() != 0 {
		t.Fatalf("%d dropped jobs ran", ran.Load())
	}
}

// Many submitters against few workers through the overflow: every job runs
// exactly once.
func TestPoolManySubmitters(t *testing.T) {
	ctx := testCtx(t)
	p := executor.NewPool(3)
	const submitters, each = 8, 1000
	var ran atomic.Int64
	var wg sync.WaitGroup
	results := make(chan *executor.Future[int], submitters*each)
	for range submitters {
		wg.Go(func() {
			for i := range each {
				results <- executor.Submit(p, ctx, func(context.Context) (int, error) {
					ran.Add(1)
					return i, nil
				})
			}
		})
	}
	wg.Wait()
	close(results)
	for f := range results {
		if _, err := f.Wait(ctx); err != nil {
			t.Fatal(err)
		}
	}
	shutdown(t, p)
	if ran.Load() != submitters*each {
		t.Fatalf("ran %d, want %d", ran.Load(), submitters*each)
	}
}

// A shutdown that gives up while workers are picking up work interrupts
// everything that starts, and the pool still winds down.
func TestPoolForcedShutdownRace(t *testing.T) {
	ctx := testCtx(t)
	for range 50 {
		p := executor.NewPool(4)
		var fs []*executor.Future[int]
		for range 40 {
			fs = append(fs, executor.Submit(p, ctx, block[int](nil, nil, 0)))
		}
		dead, cancel := context.WithCancel(ctx)
		cancel()
		if err := p.Shutdown(dead, false); err != context.Canceled {
			t.Fatalf("Shutdown = %v", err)
		}
		for _, f := range fs {
			if _, err := f.Wait(ctx); !errors.Is(err, context.Canceled) {
				t.Fatalf("err = %v, want cancelled", err)
			}
		}
		shutdown(t, p)
	}
}
