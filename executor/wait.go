package executor

import (
	"cmp"
	"context"
	"errors"
	"iter"
	"slices"
	"strconv"
	"sync"
)

// Awaitable is what Wait accepts: something that completes once, closing
// Done, and then reports its error through Err (nil for success). Every
// *Future[T] is an Awaitable, whatever its T, so one call can wait for
// futures of different types. Other implementations work too (a
// context.Context is one), at the cost of one goroutine each for the
// duration of the Wait.
type Awaitable interface {
	Done() <-chan struct{}
	Err() error
}

// future is the part of *Future[T] that the combinators use without T.
type future interface {
	Awaitable
	subscribe(fn func()) (stop func() bool)
	completed() bool
	isNil() bool
}

func (f *Future[T]) isNil() bool { return f == nil }

// ReturnWhen says when Wait returns: asyncio.wait's return_when.
type ReturnWhen int

const (
	// AllCompleted returns when every awaitable is done: ALL_COMPLETED,
	// the default, and the zero value.
	AllCompleted ReturnWhen = iota
	// FirstCompleted returns when at least one awaitable is done:
	// FIRST_COMPLETED.
	FirstCompleted
	// FirstError returns when an awaitable fails, or when every one is
	// done if none fails: FIRST_EXCEPTION. As there, a cancellation (an
	// error matching context.Canceled) is not a failure that ends the wait.
	FirstError
)

// String returns the asyncio name of w.
func (w ReturnWhen) String() string {
	switch w {
	case AllCompleted:
		return "ALL_COMPLETED"
	case FirstCompleted:
		return "FIRST_COMPLETED"
	case FirstError:
		return "FIRST_EXCEPTION"
	}
	return "ReturnWhen(" + strconv.Itoa(int(w)) + ")"
}

// Wait blocks until the condition when is met or ctx ends, then returns the
// awaitables that are done and those still pending, each in argument order,
// as asyncio.wait(fs, return_when=when, timeout=...). It neither cancels
// nor changes any awaitable; inspect done for their outcomes.
//
// The error is about the wait, never about an awaitable:
//   - nil when the condition was met, and nil when ctx's deadline passed
//     first: a timeout is not an error here, as asyncio.wait's timeout
//     raises nothing; pending is then non-empty (for FirstCompleted, done
//     may be empty);
//   - ctx.Err(), that is context.Canceled, when ctx was cancelled before
//     the condition was met, as cancelling the waiting task raises
//     CancelledError; done and pending are still filled in;
//   - an error wrapping ErrInvalid for an unknown when or a nil awaitable.
//
// With no awaitables Wait returns at once with nil slices and nil. The two
// lists are taken as Wait returns: an awaitable that completes at that
// moment may land in either, and never in both.
func Wait(ctx context.Context, when ReturnWhen, fs ...Awaitable) (done, pending []Awaitable, err error) {
	if when < AllCompleted || when > FirstError {
		return nil, nil, invalid("Wait: unknown ReturnWhen %d", int(when))
	}
	for i, a := range fs {
		if f, ok := a.(future); a == nil || ok && f.isNil() {
			return nil, nil, invalid("Wait: awaitable %d is nil", i)
		}
	}
	if len(fs) == 0 {
		return nil, nil, nil
	}
	ctx = orBackground(ctx)

	ch := make(chan int, len(fs))
	var (
		stops   []func() bool
		wg      sync.WaitGroup
		release = make(chan struct{})
	)
	for i, a := range fs {
		if f, ok := a.(future); ok {
			stops = append(stops, f.subscribe(func() { ch <- i }))
			continue
		}
		wg.Go(func() {
			select {
			case <-a.Done():
				ch <- i
			case <-release:
			}
		})
	}
	defer func() {
		close(release)
		wg.Wait()
		for _, stop := range stops {
			stop()
		}
	}()

wait:
	for left := len(fs); left > 0; left-- {
		i, ok := next(ctx, ch)
		if !ok {
			if e := ctx.Err(); errors.Is(e, context.Canceled) {
				err = e
			}
			break wait
		}
		// A future is heard of just before it is published as complete;
		// wait for that, which takes no longer than its finish, before
		// looking at its error or sorting it into done.
		<-fs[i].Done()
		if when == FirstCompleted || when == FirstError && isFailure(fs[i].Err()) {
			break
		}
	}
	for _, a := range fs {
		if isDone(a) {
			done = append(done, a)
		} else {
			pending = append(pending, a)
		}
	}
	return done, pending, err
}

// isDone reports whether a is done, without blocking (and, for a future,
// without making it a Done channel).
func isDone(a Awaitable) bool {
	if f, ok := a.(future); ok {
		return f.completed()
	}
	select {
	case <-a.Done():
		return true
	default:
		return false
	}
}

// isFailure reports whether err ends a FirstError wait.
func isFailure(err error) bool {
	return err != nil && !errors.Is(err, context.Canceled)
}

// AsCompleted returns an iterator over fs that yields each future, the
// caller's own *Future, as it completes, as asyncio.as_completed. The order
// is that of completion throughout: futures that had completed before the
// iteration began come first, ordered by when they completed. The error of
// each pair is nil: a future's own outcome is read with its Result (or
// Wait, which does not block by then).
//
// If ctx ends before every future has been yielded, the iterator yields
// those that completed by then, and then one last pair, nil and ctx.Err()
// (an error satisfying errors.Is with context.DeadlineExceeded for a
// timeout, as as_completed raises TimeoutError), and stops; the futures go
// on. A nil future is reported the same way, with an error wrapping
// ErrInvalid, before anything else.
//
// Each range over the iterator waits anew; stopping early releases
// everything it holds.
func AsCompleted[T any](ctx context.Context, fs ...*Future[T]) iter.Seq2[*Future[T], error] {
	ctx = orBackground(ctx)
	return func(yield func(*Future[T], error) bool) {
		if err := checkFutures("AsCompleted", fs); err != nil {
			yield(nil, err)
			return
		}
		ch, unsubscribe := watch(fs)
		defer unsubscribe()

		// What completed before or while watch subscribed came through ch
		// in argument order; put it in completion order. Whatever comes
		// later completed later, and ch has it in order already (see
		// Future.finish).
		var early []int
	drain:
		for {
			select {
			case i := <-ch:
				early = append(early, i)
			default:
				break drain
			}
		}
		slices.SortFunc(early, func(i, j int) int { return cmp.Compare(fs[i].seq, fs[j].seq) })
		for _, i := range early {
			<-fs[i].Done() // heard of just before it is published; see Wait
			if !yield(fs[i], nil) {
				return
			}
		}

		for left := len(fs) - len(early); left > 0; left-- {
			i, ok := next(ctx, ch)
			if !ok {
				yield(nil, ctx.Err())
				return
			}
			<-fs[i].Done()
			if !yield(fs[i], nil) {
				return
			}
		}
	}
}
