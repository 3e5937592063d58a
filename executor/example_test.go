package executor_test

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/netaio/aio/executor"
)

// sleep is asyncio.sleep: it waits d, or less if ctx ends first.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// The gather example of the asyncio documentation: three factorials
// computed concurrently, results in argument order.
func ExampleGather() {
	factorial := func(name string, number int) func(context.Context) (int, error) {
		return func(ctx context.Context) (int, error) {
			f := 1
			for i := 2; i <= number; i++ {
				if err := sleep(ctx, time.Millisecond); err != nil {
					return 0, err
				}
				f *= i
			}
			return f, nil
		}
	}
	ctx := context.Background()
	results, err := executor.Gather(ctx,
		executor.Go(ctx, factorial("A", 2)),
		executor.Go(ctx, factorial("B", 3)),
		executor.Go(ctx, factorial("C", 4)),
	)
	fmt.Println(results, err)
	// Output: [2 6 24] <nil>
}

// return_exceptions=True: every outcome, in order, failures included.
func ExampleGatherAll() {
	ctx := context.Background()
	half := func(n int) func(context.Context) (int, error) {
		return func(context.Context) (int, error) {
			if n%2 != 0 {
				return 0, fmt.Errorf("%d is odd", n)
			}
			return n / 2, nil
		}
	}
	for _, r := range executor.GatherAll(ctx,
		executor.Go(ctx, half(4)),
		executor.Go(ctx, half(5)),
		executor.Go(ctx, half(6)),
	) {
		fmt.Println(r.Value, r.Err)
	}
	// Output:
	// 2 <nil>
	// 0 5 is odd
	// 3 <nil>
}

// asyncio.wait with return_when=FIRST_COMPLETED and a timeout; futures of
// different types in one call.
func ExampleWait() {
	ctx := context.Background()
	quick := executor.Go(ctx, func(context.Context) (int, error) { return 42, nil })
	slow := executor.Go(ctx, func(ctx context.Context) (string, error) {
		return "late", sleep(ctx, time.Hour)
	})

	tctx, cancel := context.WithTimeout(ctx, 5*time.Second) // timeout=5
	defer cancel()
	done, pending, err := executor.Wait(tctx, executor.FirstCompleted, quick, slow)
	fmt.Println(len(done), len(pending), err)
	fmt.Println(done[0] == executor.Awaitable(quick))

	// A timeout is not an error: what is still pending is returned.
	tctx, cancel = context.WithTimeout(ctx, 10*time.Millisecond)
	defer cancel()
	_, pending, err = executor.Wait(tctx, executor.AllCompleted, slow)
	fmt.Println(len(pending), err)

	slow.Cancel() // Wait never cancels; the owner does
	_, err = slow.Wait(ctx)
	fmt.Println(err)
	// Output:
	// 1 1 <nil>
	// true
	// 1 <nil>
	// context canceled
}

// asyncio.as_completed: the futures come back as they finish. Here c
// finishes first, a waits for c and b for a.
func ExampleAsCompleted() {
	ctx := context.Background()
	c := executor.Go(ctx, func(context.Context) (string, error) { return "c", nil })
	a := executor.Go(ctx, func(ctx context.Context) (string, error) {
		_, err := c.Wait(ctx)
		return "a", err
	})
	b := executor.Go(ctx, func(ctx context.Context) (string, error) {
		_, err := a.Wait(ctx)
		return "b", err
	})
	for f, err := range executor.AsCompleted(ctx, a, b, c) {
		if err != nil {
			fmt.Println("timeout:", err)
			break
		}
		v, _ := f.Result()
		fmt.Println(v)
	}
	// Output:
	// c
	// a
	// b
}

// The wait_for example of the asyncio documentation: eternity() is
// cancelled when the timeout passes.
func ExampleWaitFor() {
	eternity := func(ctx context.Context) (string, error) {
		if err := sleep(ctx, time.Hour); err != nil {
			return "", err
		}
		return "yay!", nil
	}
	_, err := executor.WaitFor(context.Background(), 10*time.Millisecond, eternity)
	if errors.Is(err, context.DeadlineExceeded) {
		fmt.Println("timeout!")
	}
	// Output: timeout!
}

// asyncio.shield: the caller gives up, the work goes on, and its result can
// still be collected.
func ExampleShield() {
	ctx := context.Background()
	release := make(chan struct{})
	task := executor.Go(ctx, func(context.Context) (string, error) {
		<-release
		return "something", nil
	})

	callerCtx, cancelCaller := context.WithCancel(ctx)
	cancelCaller() // the caller is cancelled
	_, err := executor.Shield(callerCtx, task)
	fmt.Println("caller:", err)

	close(release)
	res, err := task.Wait(ctx)
	fmt.Println("task:", res, err)
	// Output:
	// caller: context canceled
	// task: something <nil>
}

// The TaskGroup example of the asyncio documentation.
func ExampleGroup() {
	someCoro := func(ctx context.Context) (string, error) { return "result 1", sleep(ctx, time.Millisecond) }
	anotherCoro := func(ctx context.Context) (string, error) { return "result 2", nil }

	var result1, result2 string
	g, _ := executor.NewGroup(context.Background())
	g.Go(func(ctx context.Context) (err error) {
		result1, err = someCoro(ctx)
		return err
	})
	g.Go(func(ctx context.Context) (err error) {
		result2, err = anotherCoro(ctx)
		return err
	})
	if err := g.Wait(); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("Both tasks have completed now: %s, %s\n", result1, result2)
	// Output: Both tasks have completed now: result 1, result 2
}

// The first failure cancels the rest of the group; Wait reports every
// failure, panics included, but not the cancellations it caused.
func ExampleGroup_Wait() {
	g, _ := executor.NewGroup(context.Background())
	g.Go(func(ctx context.Context) error {
		return sleep(ctx, time.Hour) // cancelled by the panic below
	})
	g.Go(func(context.Context) error {
		digits := []int{1, 2, 3}
		i := len(digits)
		return fmt.Errorf("digit %d", digits[i]) // panics: index out of range
	})
	err := g.Wait()
	var pe *executor.PanicError
	fmt.Println(errors.As(err, &pe), pe.Value)
	fmt.Println(errors.Is(err, context.Canceled))
	// Output:
	// true runtime error: index out of range [3] with length 3
	// false
}

// The run_in_executor example of the asyncio documentation: blocking I/O
// and a CPU-bound function on a bounded pool. No process pool is needed:
// goroutines compute in parallel.
func ExampleSubmit() {
	blockingIO := func(context.Context) ([]byte, error) {
		// File operations can block; read 100 bytes from the OS's
		// randomness source, as the original reads /dev/urandom.
		buf := make([]byte, 100)
		_, err := io.ReadFull(rand.Reader, buf)
		return buf, err
	}
	cpuBound := func(context.Context) (int, error) {
		sum := 0
		for i := range 1_000_000 { // range(10**7) would overflow an int64
			sum += i * i
		}
		return sum, nil
	}

	ctx := context.Background()
	pool := executor.NewPool(4)
	defer pool.Shutdown(ctx, false) // with ThreadPoolExecutor() as pool:

	b, err := executor.Submit(pool, ctx, blockingIO).Wait(ctx)
	fmt.Println("custom thread pool", len(b), err)
	n, err := executor.Submit(pool, ctx, cpuBound).Wait(ctx)
	fmt.Println("CPU-bound in the same pool", n, err)
	// Output:
	// custom thread pool 100 <nil>
	// CPU-bound in the same pool 333332833333500000 <nil>
}

// ThreadPoolExecutor.shutdown(cancel_futures=True): queued work is dropped,
// running work finishes, and Submit is refused afterwards.
func ExamplePool_Shutdown() {
	ctx := context.Background()
	pool := executor.NewPool(1)
	started, release := make(chan struct{}), make(chan struct{})
	running := executor.Submit(pool, ctx, func(context.Context) (string, error) {
		close(started)
		<-release
		return "finished", nil
	})
	<-started
	queued := executor.Submit(pool, ctx, func(context.Context) (string, error) { return "never", nil })

	shutdownErr := make(chan error)
	go func() { shutdownErr <- pool.Shutdown(ctx, true) }()
	_, err := queued.Wait(ctx)
	fmt.Println("queued:", err, queued.Cancelled())
	close(release)
	fmt.Println("shutdown:", <-shutdownErr)
	fmt.Println(running.Result())
	_, err = executor.Submit(pool, ctx, func(context.Context) (int, error) { return 0, nil }).Wait(ctx)
	fmt.Println(err)
	// Output:
	// queued: executor: cancelled by pool shutdown true
	// shutdown: <nil>
	// finished <nil>
	// executor: pool is shut down
}

// The to_thread example of the asyncio documentation: a blocking function
// runs in its own goroutine while main does something else.
func ExampleGo() {
	blockingIO := func(context.Context) (struct{}, error) {
		fmt.Println("start blocking_io")
		time.Sleep(10 * time.Millisecond) // a blocking call, not a ctx-aware wait
		fmt.Println("blocking_io complete")
		return struct{}{}, nil
	}
	ctx := context.Background()
	fmt.Println("started main")
	_, err := executor.Gather(ctx,
		executor.Go(ctx, blockingIO),
		executor.Go(ctx, func(ctx context.Context) (struct{}, error) {
			return struct{}{}, sleep(ctx, 10*time.Millisecond)
		}),
	)
	fmt.Println("finished main", err)
	// Output:
	// started main
	// start blocking_io
	// blocking_io complete
	// finished main <nil>
}

// A panic in the work becomes the future's error; the process goes on.
func ExamplePanicError() {
	ctx := context.Background()
	f := executor.Go(ctx, func(context.Context) (int, error) {
		panic("something impossible happened")
	})
	_, err := f.Wait(ctx)
	var pe *executor.PanicError
	if errors.As(err, &pe) {
		fmt.Println("recovered:", pe.Value)
	}
	// Output: recovered: something impossible happened
}

// add_done_callback: the function runs once the future completes, or at
// once if it already has.
func ExampleFuture_OnDone() {
	ctx := context.Background()
	release := make(chan struct{})
	f := executor.Go(ctx, func(context.Context) (string, error) {
		<-release
		return "ready", nil
	})
	called := make(chan string, 1)
	f.OnDone(func(v string, err error) { called <- v })
	close(release)
	fmt.Println(<-called)
	f.OnDone(func(v string, err error) { fmt.Println("late:", v) })
	// Output:
	// ready
	// late: ready
}
