package executor

import (
	"context"
	"errors"
	"fmt"
	"sync"
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
	node // a Pool's queue links; unused by Go

	done   chan struct{}           // closed once val and err are final
	ctx    context.Context         // the ctx the work runs with
	cancel context.CancelCauseFunc // cancels ctx; nil for futures failed at birth
	fn     func(context.Context) (T, error)
	pool   *Pool       // the pool that runs fn, nil for Go
	unhook func() bool // stops the AfterFunc watching the submitter's ctx

	mu       sync.Mutex
	finished bool
	cbs      []*callback // pending OnDone functions, in registration order
	val      T
	err      error
}

type callback struct{ fn func() }

func newFuture[T any](ctx context.Context, fn func(context.Context) (T, error)) *Future[T] {
	f := &Future[T]{done: make(chan struct{}), fn: fn}
	f.ctx, f.cancel = context.WithCancelCause(ctx)
	return f
}

// failed returns a future that is already done with err.
func failed[T any](err error) *Future[T] {
	f := &Future[T]{done: make(chan struct{})}
	var zero T
	f.finish(zero, err)
	return f
}

// Go starts fn(ctx') in a new goroutine and returns its Future; it is
// asyncio.create_task and asyncio.to_thread at once, since a goroutine may
// block in a system call without stopping the others.
//
// ctx' is derived from ctx and is cancelled by Future.Cancel, by the end of
// ctx, and after fn returns. If ctx' is already done when the goroutine
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
	if err := f.ctx.Err(); err != nil {
		var zero T
		f.finish(zero, err)
		return
	}
	v, err := callSafely(f.ctx, fn, f.fail)
	f.finish(v, err)
}

// fail completes f with err and the zero value.
func (f *Future[T]) fail(err error) {
	var zero T
	f.finish(zero, err)
}

// finish records the outcome unless f is already complete, then releases the
// work's ctx and runs the OnDone functions. It reports whether it completed f.
func (f *Future[T]) finish(v T, err error) bool {
	f.mu.Lock()
	if f.finished {
		f.mu.Unlock()
		return false
	}
	f.val, f.err = v, err
	f.finished = true
	cbs := f.cbs
	f.cbs = nil
	f.mu.Unlock()

	close(f.done)
	if f.cancel != nil {
		f.cancel(nil) // the work is over; release what its ctx holds
	}
	if f.unhook != nil {
		f.unhook()
	}
	for _, cb := range cbs {
		cb.fn()
	}
	return true
}

// Done returns a channel that is closed when f completes, for use in select.
func (f *Future[T]) Done() <-chan struct{} { return f.done }

// Wait blocks until f completes or ctx is done. If f completes, Wait returns
// its value and error. Otherwise it returns the zero value and ctx.Err(); f
// is not affected, because ctx bounds only this wait (compare Cancel). If
// both happen at once, the outcome of f wins. A nil ctx waits without bound.
func (f *Future[T]) Wait(ctx context.Context) (T, error) {
	select {
	case <-f.done:
		return f.val, f.err
	default:
	}
	ctx = orBackground(ctx)
	select {
	case <-f.done:
		return f.val, f.err
	case <-ctx.Done():
		select {
		case <-f.done:
			return f.val, f.err
		default:
		}
		var zero T
		return zero, ctx.Err()
	}
}

// Result returns f's value and error without blocking. While f is pending
// it returns the zero value and ErrNotDone.
func (f *Future[T]) Result() (T, error) {
	select {
	case <-f.done:
		return f.val, f.err
	default:
		var zero T
		return zero, ErrNotDone
	}
}

// Err returns nil while f is pending or if it succeeded, and its error once
// it failed: the same convention as context.Context.Err.
func (f *Future[T]) Err() error {
	select {
	case <-f.done:
		return f.err
	default:
		return nil
	}
}

// Cancel asks the work to stop by cancelling the ctx it runs with, and
// returns without waiting. Work still queued in a Pool is dropped at once:
// the future fails with context.Canceled and the function never runs.
// Running work stops only if it watches its ctx; if it returns a value
// anyway, that value is f's outcome, as an asyncio task may swallow
// CancelledError. Cancel on a completed future does nothing.
func (f *Future[T]) Cancel() {
	if f.cancel == nil {
		return
	}
	f.cancel(nil)
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
	return f.subscribe(func() { fn(f.val, f.err) })
}

// subscribe is OnDone without the outcome; the combinators use it to learn
// of completions without a goroutine per future.
func (f *Future[T]) subscribe(fn func()) (stop func() bool) {
	f.mu.Lock()
	if f.finished {
		f.mu.Unlock()
		fn()
		return func() bool { return false }
	}
	cb := &callback{fn: fn}
	f.cbs = append(f.cbs, cb)
	f.mu.Unlock()
	return func() bool {
		f.mu.Lock()
		defer f.mu.Unlock()
		for i, c := range f.cbs {
			if c == cb {
				f.cbs = append(f.cbs[:i], f.cbs[i+1:]...)
				return true
			}
		}
		return false
	}
}
