// Package executor is asyncio's tasks and executors for Go: futures,
// gather, wait, as_completed, wait_for, shield, TaskGroup, to_thread and
// run_in_executor, built on goroutines and context.Context.
//
// # From asyncio to Go
//
// Python runs coroutines one at a time on an event loop, and needs
// threads or processes for anything that blocks or computes. Go has no event
// loop to protect: a goroutine is cheap, may block in a system call, and
// runs in parallel with the others on every CPU. So one idea, "a function
// running concurrently whose outcome you collect later", covers what asyncio
// splits into tasks, threads and processes. That idea is the [Future]:
//
//	asyncio                                 executor
//	-------                                 --------
//	asyncio.create_task(coro())             Go(ctx, fn)
//	await asyncio.to_thread(func)           Go(ctx, fn).Wait(ctx)
//	loop.run_in_executor(pool, func)        Submit(pool, ctx, fn)
//	ThreadPoolExecutor(max_workers=n)       NewPool(n)
//	ProcessPoolExecutor()                   NewPool(n) (no GIL: goroutines compute in parallel)
//	executor.shutdown(wait, cancel_futures) pool.Shutdown(ctx, cancelPending)
//	await task                              f.Wait(ctx)
//	task.result(), task.exception()         f.Result(), f.Err()
//	task.done()                             <-f.Done() in a select
//	task.cancel(), task.cancelled()         f.Cancel(), f.Cancelled()
//	task.add_done_callback(cb)              stop := f.OnDone(cb) (stop is remove_done_callback)
//	await asyncio.gather(*aws)              Gather(ctx, fs...)
//	gather(*aws, return_exceptions=True)    GatherAll(ctx, fs...) returning []Result[T]
//	asyncio.wait(aws, timeout, return_when) Wait(ctx, when, fs...), the timeout in ctx
//	asyncio.as_completed(aws, timeout)      for f, err := range AsCompleted(ctx, fs...)
//	asyncio.wait_for(aw, timeout)           WaitFor(ctx, d, fn)
//	asyncio.shield(aw)                      Shield(ctx, f), the same as f.Wait(ctx)
//	async with asyncio.TaskGroup() as tg    g, ctx := NewGroup(ctx); g.Go(fn); g.Wait()
//	asyncio.CancelledError                  context.Canceled
//	asyncio.TimeoutError                    context.DeadlineExceeded
//	asyncio.InvalidStateError               ErrNotDone
//	asyncio.sleep(d)                        select on time.After(d) and ctx.Done()
//
// The work is always a func(context.Context) (T, error), or
// func(context.Context) error in a Group: the function's arguments are
// captured by the closure, as functools.partial would in Python. Timeouts
// are a ctx with a deadline (context.WithTimeout) rather than a timeout
// parameter.
//
// # Where aio differs from asyncio, and why
//
// Cancellation is cooperative. asyncio throws CancelledError into a
// coroutine at its next await; Go cannot interrupt a goroutine. Here
// cancelling means cancelling the ctx the work was given, and the work
// stops when it next looks at ctx.Done() (which every blocking call in aio
// does). Work that ignores its ctx runs to the end, and its outcome is kept,
// like a task that catches CancelledError. Work that has not started yet
// (still queued in a Pool, or whose ctx ended before its goroutine ran) is
// never started, as in asyncio.
//
// Waiting never cancels. Wait methods take a ctx that bounds only the wait;
// when it ends the caller gets ctx.Err() and the future goes on. In asyncio,
// cancelling a task that awaits another cancels both, which is why shield
// exists; here Shield is just a wait. What cancels a future is the ctx it
// was started with, Cancel, and the combinators that promise to cancel:
// Gather and GatherAll when their ctx ends, Gather after the first failure,
// and a Group after the first failure.
//
// Gather cancels on failure. asyncio.gather propagates the first exception
// but leaves the other awaitables running, often unobserved; Gather cancels
// them, since Go code rarely wants orphaned work. Like gather, it returns
// at once and does not wait for them to stop; a Group does.
//
// Panics become errors. A panic in the work is recovered and becomes the
// future's error, a *PanicError holding the value and the stack, instead of
// killing the process. A Python exception raised in a task is likewise
// stored in the task, and that is the model here; see [PanicError] for why
// the panic is not re-raised in the waiter (x/sync's errgroup tried, and
// reverted it: golang/go#53757). Functions given to OnDone are the
// exception: they are callbacks, not work, and their panics are not
// recovered.
//
// Errors are values. asyncio.wait's timeout returns normally with pending
// tasks, and so does Wait when ctx's deadline passes; everywhere else an
// ended ctx is reported as ctx.Err(). Bad input (a nil function, future or
// pool, an unknown ReturnWhen) is an error wrapping ErrInvalid, never a
// panic, and a nil ctx is taken as context.Background().
//
// # Ownership
//
// Every goroutine has an owner that can wait for it: the one started by Go
// belongs to its Future and ends when the function returns; a Pool's
// workers end in Pool.Shutdown; a Group's end before Group.Wait returns;
// Wait, Gather, AsCompleted, WaitFor and Shield start none that outlive
// them.
//
// # Costs
//
// A Future is one allocation of about 160 bytes. Its Done channel is made
// only if someone waits before it completes, and the ctx its work runs with
// is a context.WithCancelCause made only when the work first uses it (Done,
// Value, Cause, deriving a child): CPU-bound work that never looks at its
// ctx pays nothing for it. In bench_test.go, Go plus Wait of a trivial
// function costs 1.3 to 1.7 times a bare goroutine reporting on a buffered
// channel, and a Pool of 8 workers runs trivial functions at 0.85 to 1.0
// times the rate of a hand-written pool ranging over a job channel; work
// that uses its ctx adds the price of that ctx (about 250ns and 4 small
// allocations on the machine measured). Gather, Wait and AsCompleted
// register a callback on each future rather than starting a goroutine per
// future.
package executor
