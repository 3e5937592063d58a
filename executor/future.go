package executor

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
)

var (
	// ErrPoolClosed is the error of a future submitted to a Pool after its
	// Shutdown began. Queued work that Shutdown cancels fails with an error
	// that matches both ErrPoolClosed and context.Canceled.
	ErrPoolClosed = errors.New("executor: pool is shut down")

	// ErrNotDone is returned by Future.Result while the future is pending,
	// as asyncio's Future.result raises InvalidStateError.
	ErrNotDone = errors.New("executor: future is not done")

	// ErrInvalid is wrapped by every error that reports bad input to this
	// package: a nil function, a nil future or pool, an unknown ReturnWhen.
	ErrInvalid = errors.New("executor: invalid argument")
)

func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrInvalid}, args...)...)
}

// orBackground lets every function of the package accept a nil ctx as
// context.Background(), so that a nil never turns into a panic.
func orBackground(ctx context.Context) context.Context {
	if ctx == nil {
		return context.Background()
	}
	return ctx
}

// A Future is the eventual outcome, a value of type T or an error, of a
// function started by Go or Submit: asyncio's Task and concurrent.futures'
// Future in one. All its methods are safe for concurrent use.
//
// A Future completes exactly once. Its value and error never change after
// that, and every waiter sees the same pair. The zero Future is not usable;
// futures come only from Go and Submit.
type Future[T any] struct {
	node // a Pool's view of the work; unused by Go

	state atomic.Uint32 // the complete and watched bits; val and err are final once complete
	mu    sync.Mutex
	done  chan struct{} // made on demand by Done while pending; guarded by mu
	cbs   *callback     // pending callbacks, a list in registration order; guarded by mu
	val   T
	err   error
	seq   uint64 // place in the order of all completions; set with val

	wctx   workCtx // the ctx the work runs with; its parent is nil for futures failed at birth
	fn     func(context.Context) (T, error)
	pool   *Pool       // the pool that runs fn, nil for Go
	unhook func() bool // stops the AfterFunc watching the submitter's ctx
}

const (
	complete uint32 = 1 << iota // val and err are set, and final
	watched                     // a Done channel or a callback exists: finish must take mu
)

// completions numbers completed futures in the order they completed, so
// that AsCompleted can order those that completed before it looked.
var completions atomic.Uint64

// closedChan is the Done channel of futures that completed before anybody
// asked for one, which saves making a channel per future.
var closedChan = func() chan struct{} {
	c := make(chan struct{})
	close(c)
	return c
}()

type callback struct {
	fn    func()
	early bool // run before f is published as complete; see finish
	next  *callback
}

func newFuture[T any](ctx context.Context, fn func(context.Context) (T, error)) *Future[T] {
	f := &Future[T]{fn: fn}
	f.wctx.parent = ctx
	return f
}

// failed returns a future that is already done with err.
func failed[T any](err error) *Future[T] {
	f := &Future[T]{}
	var zero T
	f.finish(zero, err)
	return f
}

// Go starts fn(ctx') in a new goroutine and returns its Future; it is
// asyncio.create_task and asyncio.to_thread at once, since a goroutine may
// block in a system call without stopping the others.
//
// ctx' is derived from ctx and is cancelled by Future.Cancel, by the end of
// ctx, and when fn returns (before the future is seen to complete). If ctx' is already done when the goroutine
// starts, fn is not called and the future fails with ctx'.Err(), as a task
// cancelled before its first step never runs. A panic in fn becomes a
// *PanicError (see PanicError for why). A nil ctx means
// context.Background(); a nil fn gives a future that fails with an error
// wrapping ErrInvalid.
//
// The goroutine belongs to the returned future: it ends when fn returns,
// whether or not anybody waits.
func Go[T any](ctx context.Context, fn func(context.Context) (T, error)) *Future[T] {
	if fn == nil {
		return failed[T](invalid("Go: nil function"))
	}
	f := newFuture(orBackground(ctx), fn)
	go f.run()
	return f
}

// run calls the work and completes f with its outcome. It runs on the
// goroutine started by Go or on a pool worker.
func (f *Future[T]) run() {
	fn := f.fn
	f.fn = nil // let the closure be collected while f lives on
	if err := f.wctx.Err(); err != nil {
		var zero T
		f.finish(zero, err)
		return
	}
	v, err := callSafely(context.Context(&f.wctx), fn, f.fail)
	f.finish(v, err)
}

// fail completes f with err and the zero value.
func (f *Future[T]) fail(err error) {
	var zero T
	f.finish(zero, err)
}

// finish records the outcome unless f is already complete, releases the
// work's ctx, publishes the outcome and runs the callbacks. It reports
// whether it completed f.
//
// Only the one owner of the work calls finish (the goroutine of Go, the
// worker that claimed the job, or whoever dropped it), so nothing else
// writes val and err; setting the complete bit publishes them.
func (f *Future[T]) finish(v T, err error) bool {
	s := f.state.Load()
	if s&complete != 0 {
		return false
	}
	f.val, f.err = v, err
	f.seq = completions.Add(1)
	// The work's ctx ends before anyone can see f complete: whoever waited
	// for f finds it ended, as errgroup's Wait leaves its ctx.
	f.release()
	if s == 0 && f.state.CompareAndSwap(0, complete) {
		// Nobody was watching: no channel to close, no callback to run,
		// and no lock to take. That is the common case of a Pool.
		return true
	}

	f.mu.Lock()
	// The combinators hear of the completion before anyone can see it, so
	// that a future completed because of another one is always reported
	// after it (in AsCompleted, say). Their functions only make a
	// non-blocking send; the receiver reads val and err, which that send
	// publishes, and waits on Done before it looks at the state.
	for cb := f.cbs; cb != nil; cb = cb.next {
		if cb.early {
			cb.fn()
		}
	}
	f.state.Store(complete | watched)
	done, cbs := f.done, f.cbs
	f.cbs = nil
	f.mu.Unlock()

	if done != nil {
		close(done)
	}
	for cb := cbs; cb != nil; cb = cb.next {
		if !cb.early {
			cb.fn()
		}
	}
	return true
}

// release lets go of what the work held once f is complete.
func (f *Future[T]) release() {
	if f.wctx.parent != nil {
		f.wctx.cancel(nil) // the work is over; its ctx ends
	}
	if f.unhook != nil {
		f.unhook()
	}
}

// watchLocked marks f as watched, so that finish takes mu, and reports
// false if f is complete already; f.mu must be held.
func (f *Future[T]) watchLocked() bool {
	for {
		s := f.state.Load()
		if s&complete != 0 {
			return false
		}
		if s&watched != 0 || f.state.CompareAndSwap(s, s|watched) {
			return true
		}
	}
}

// completed reports whether f is complete; once it returns true, f.val and
// f.err may be read without the lock.
func (f *Future[T]) completed() bool { return f.state.Load()&complete != 0 }

// Done returns a channel that is closed when f completes, for use in select.
func (f *Future[T]) Done() <-chan struct{} {
	if f.completed() {
		return closedChan
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.done == nil {
		if !f.watchLocked() {
			return closedChan
		}
		f.done = make(chan struct{})
	}
	return f.done
}

// Wait blocks until f completes or ctx is done. If f completes, Wait returns
// its value and error. Otherwise it returns the zero value and ctx.Err(); f
// is not affected, because ctx bounds only this wait (compare Cancel). If
// both happen at once, the outcome of f wins. A nil ctx waits without bound.
func (f *Future[T]) Wait(ctx context.Context) (T, error) {
	if f.completed() {
		return f.val, f.err
	}
	done := f.Done()
	ctx = orBackground(ctx)
	if ctx.Done() == nil { // a ctx that never ends: a plain receive is cheaper than select
		<-done
		return f.val, f.err
	}
	select {
	case <-done:
		return f.val, f.err
	case <-ctx.Done():
		if f.completed() {
			return f.val, f.err
		}
		var zero T
		return zero, ctx.Err()
	}
}

// Result returns f's value and error without blocking. While f is pending
// it returns the zero value and ErrNotDone.
func (f *Future[T]) Result() (T, error) {
	if f.completed() {
		return f.val, f.err
	}
	var zero T
	return zero, ErrNotDone
}

// Err returns nil while f is pending or if it succeeded, and its error once
// it failed: the same convention as context.Context.Err.
func (f *Future[T]) Err() error {
	if f.completed() {
		return f.err
	}
	return nil
}

// Cancel asks the work to stop by cancelling the ctx it runs with, and
// returns without waiting. Work still queued in a Pool is dropped at once:
// the future fails with context.Canceled and the function never runs.
// Running work stops only if it watches its ctx; if it returns a value
// anyway, that value is f's outcome, as an asyncio task may swallow
// CancelledError. Cancel on a completed future does nothing.
func (f *Future[T]) Cancel() {
	if f.wctx.parent == nil {
		return
	}
	f.wctx.cancel(nil)
	if f.pool != nil {
		f.pool.drop(&f.node, context.Canceled)
	}
}

// Cancelled reports whether f completed with an error matching
// context.Canceled: it was cancelled (by Cancel, its ctx, Gather, a pool
// shutdown) and did not finish otherwise. An error matching
// context.DeadlineExceeded is a timeout, like asyncio's TimeoutError, and
// does not count.
func (f *Future[T]) Cancelled() bool {
	return errors.Is(f.Err(), context.Canceled)
}

// OnDone arranges for fn(value, err) to be called once f completes, as
// asyncio's add_done_callback. If f is already complete, fn runs at once in
// the caller's goroutine, before OnDone returns. Otherwise it runs in the
// goroutine that completes f, after Done is closed; functions run in the
// order they were added. fn should be quick: it delays the functions after
// it, and a pool worker running it. A panic in fn is not recovered.
//
// The returned stop removes fn: it reports true if that kept fn from
// running, false if fn has run or started already (as context.AfterFunc's
// stop). A nil fn is ignored.
func (f *Future[T]) OnDone(fn func(value T, err error)) (stop func() bool) {
	if fn == nil {
		return func() bool { return false }
	}
	return f.addCallback(func() { fn(f.val, f.err) }, false)
}

// subscribe is how the combinators learn of completions without a goroutine
// per future. fn must not block: it runs with f.mu held, before f is
// published as complete (see finish), or at once if f is complete already.
func (f *Future[T]) subscribe(fn func()) (stop func() bool) {
	return f.addCallback(fn, true)
}

func (f *Future[T]) addCallback(fn func(), early bool) (stop func() bool) {
	f.mu.Lock()
	if !f.watchLocked() {
		f.mu.Unlock()
		fn()
		return func() bool { return false }
	}
	cb := &callback{fn: fn, early: early}
	last := &f.cbs
	for *last != nil {
		last = &(*last).next
	}
	*last = cb
	f.mu.Unlock()
	return func() bool {
		f.mu.Lock()
		defer f.mu.Unlock()
		for p := &f.cbs; *p != nil; p = &(*p).next {
			if *p == cb {
				*p = cb.next
				return true
			}
		}
		return false
	}
}
