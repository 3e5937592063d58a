package executor

import "context"

// Result is one outcome collected by GatherAll: a value, or the error that
// took its place.
type Result[T any] struct {
	Value T
	Err   error
}

// watch subscribes to every future and returns a channel that receives the
// index of each one as it completes, and a function that unsubscribes from
// those still pending. Futures complete already are sent first, in argument
// order; the others in the order they complete, each just before it is
// published as complete (see Future.finish). The channel has room for every
// index, so a completing future never blocks on it.
// next receives the index of the next completion from ch. A completion
// that has already happened wins over ctx ending at the same moment, so it
// is not lost to the cancellation; ok is false when ctx ended first.
func next(ctx context.Context, ch <-chan int) (i int, ok bool) {
	select {
	case i = <-ch:
		return i, true
	case <-ctx.Done():
		select {
		case i = <-ch:
			return i, true
		default:
			return 0, false
		}
	}
}

func watch[T any](fs []*Future[T]) (<-chan int, func()) {
	ch := make(chan int, len(fs))
	stops := make([]func() bool, len(fs))
	for i, f := range fs {
		stops[i] = f.subscribe(func() { ch <- i })
	}
	return ch, func() {
		for _, stop := range stops {
			stop()
		}
	}
}

// checkFutures reports the first nil future as bad input.
func checkFutures[T any](name string, fs []*Future[T]) error {
	for i, f := range fs {
		if f == nil {
			return invalid("%s: future %d is nil", name, i)
		}
	}
	return nil
}

// cancelAll cancels every future; completed ones are unaffected.
func cancelAll[T any](fs []*Future[T]) {
	for _, f := range fs {
		f.Cancel()
	}
}

// Gather waits for every future and returns their values in argument order,
// as asyncio.gather(*fs).
//
// The first future to fail (in completion order) decides the outcome:
// Gather cancels all the others and returns that future's error at once. A
// cancelled future counts as failed with its context.Canceled error, as in
// asyncio. If ctx ends first, Gather cancels every future and returns
// ctx.Err(); so cancelling Gather's ctx cancels its children, as cancelling
// a gather() does. Futures that completed by then keep their outcomes.
//
// Gather does not wait for the futures it cancels to return: each of them
// still completes on its own and can be waited on. To wait for every
// function to be over, use a Group.
//
// With no futures Gather returns an empty slice and nil. A nil future is
// reported as an error wrapping ErrInvalid.
func Gather[T any](ctx context.Context, fs ...*Future[T]) ([]T, error) {
	if err := checkFutures("Gather", fs); err != nil {
		return nil, err
	}
	ctx = orBackground(ctx)
	ch, unsubscribe := watch(fs)
	defer unsubscribe()

	// fail ends Gather with err, cancelling whatever is still pending.
	fail := func(err error) ([]T, error) {
		cancelAll(fs)
		return nil, err
	}
	for left := len(fs); left > 0; left-- {
		i, ok := next(ctx, ch)
		if !ok {
			return fail(ctx.Err())
		}
		if err := fs[i].err; err != nil {
			return fail(err)
		}
	}
	vals := make([]T, len(fs))
	for i, f := range fs {
		vals[i] = f.val
	}
	return vals, nil
}

// GatherAll waits for every future and returns each outcome in argument
// order, value or error, as asyncio.gather(*fs, return_exceptions=True).
// A failure does not cancel the other futures.
//
// If ctx ends first, GatherAll cancels the futures still pending and
// returns at once: their Results hold ctx.Err(), while those that completed
// keep their outcomes. A nil future gets a Result whose error wraps
// ErrInvalid; the others are gathered normally.
func GatherAll[T any](ctx context.Context, fs ...*Future[T]) []Result[T] {
	ctx = orBackground(ctx)
	res := make([]Result[T], len(fs))
	live := make([]*Future[T], 0, len(fs)) // the non-nil futures
	index := make([]int, 0, len(fs))       // live[k] is fs[index[k]]
	for i, f := range fs {
		if f == nil {
			res[i].Err = invalid("GatherAll: future %d is nil", i)
			continue
		}
		live = append(live, f)
		index = append(index, i)
	}
	ch, unsubscribe := watch(live)
	defer unsubscribe()

	seen := make([]bool, len(live))
	for left := len(live); left > 0; left-- {
		var k int
		select {
		case k = <-ch:
		case <-ctx.Done():
			select {
			case k = <-ch:
			default:
				err := ctx.Err()
				for k, f := range live {
					if seen[k] {
						continue
					}
					if f.completed() {
						res[index[k]] = Result[T]{Value: f.val, Err: f.err}
						continue
					}
					f.Cancel()
					res[index[k]].Err = err
				}
				return res
			}
		}
		seen[k] = true
		f := live[k]
		res[index[k]] = Result[T]{Value: f.val, Err: f.err}
	}
	return res
}
