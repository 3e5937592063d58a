package executor

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// WaitFor calls fn with a ctx that ends after d, in the caller's goroutine,
// and returns what fn returns: asyncio.wait_for(fn(), timeout=d).
//
// When d passes first, the ctx given to fn is cancelled and WaitFor waits
// for fn to return, as wait_for waits for the cancelled task to finish; the
// call can therefore last longer than d if fn ignores its ctx. The outcome
// is then decided as follows, in this order:
//   - fn returned a nil error: its value and nil. A result that was ready
//     when the timeout struck is never dropped.
//   - ctx itself has ended (cancelled, or its own deadline): an error
//     satisfying errors.Is(err, ctx.Err()), which is fn's error when it
//     already does, so an outer cancellation never looks like this
//     call's timeout.
//   - d passed: an error satisfying errors.Is(err, context.DeadlineExceeded),
//     which is fn's error when it already does, as wait_for raises
//     TimeoutError; otherwise fn's error is kept inside it.
//   - anything else: fn's error as it is.
//
// A d of zero or less gives fn a ctx that is already done. A panic in fn
// becomes a *PanicError. A nil fn returns an error wrapping ErrInvalid; a
// nil ctx means context.Background().
func WaitFor[T any](ctx context.Context, d time.Duration, fn func(context.Context) (T, error)) (T, error) {
	var zero T
	if fn == nil {
		return zero, invalid("WaitFor: nil function")
	}
	ctx = orBackground(ctx)
	tctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	v, err := callSafely(tctx, fn, nil)
	if err == nil {
		return v, nil
	}
	if outer := ctx.Err(); outer != nil {
		if errors.Is(err, outer) {
			return v, err
		}
		return v, fmt.Errorf("%w (%w)", outer, err)
	}
	if tctx.Err() == context.DeadlineExceeded && !errors.Is(err, context.DeadlineExceeded) {
		return v, fmt.Errorf("executor: WaitFor: %w after %v (%w)", context.DeadlineExceeded, d, err)
	}
	return v, err
}

// Shield waits for f until ctx ends, without ever cancelling f, as
// asyncio.shield(f): when ctx ends, Shield returns ctx.Err() and f goes on;
// its outcome stays retrievable with Wait, Result or Done. If f is
// cancelled by other means, Shield returns f's cancellation error.
//
// In aio every wait already behaves so: Shield(ctx, f) is f.Wait(ctx), and
// exists so that code ported from asyncio says what it means. What shield
// guards against in asyncio, cancelling the awaiting task cancelling the
// awaited one, cannot happen here; what does cancel f is the ctx it was
// started with, or f.Cancel. Work that must outlive its starter's
// cancellation is started with context.WithoutCancel(ctx).
func Shield[T any](ctx context.Context, f *Future[T]) (T, error) {
	if f == nil {
		var zero T
		return zero, invalid("Shield: nil future")
	}
	return f.Wait(ctx)
}
