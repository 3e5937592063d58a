package executor

import (
	"context"
	"errors"
	"sync"

	"golang.org/x/sync/semaphore"
)

// A Group runs functions that belong to one task and waits for all of them:
// asyncio.TaskGroup, shaped like x/sync's errgroup.Group.
//
// Every function gets the group's ctx. The first function to fail (return
// an error or panic) cancels that ctx, with its error as the cause, so the
// others can stop; Wait then reports every failure, not only the first.
// Cancelling the ctx the group was made from cancels the group too, so
// nested groups (a group made from the ctx of another group's function)
// stop when the outer one does.
//
// A zero Group is valid: it behaves as one from NewGroup(context.Background()).
// A Group must not be copied after first use, nor reused once Wait has
// returned.
type Group struct {
	mu      sync.Mutex
	ctx     context.Context
	cancel  context.CancelCauseFunc
	sem     *semaphore.Weighted // nil: no limit
	active  int                 // Go calls that have not finished
	idle    chan struct{}       // closed when active drops to 0; nil if nobody waits
	errs    []error             // failures, in the order they happened
	failed  bool                // a failure (not ctx or Cancel) cancelled the group
	stopped bool                // some function was skipped or reported the cancellation
	waited  bool                // a Wait has returned
}

// NewGroup returns a Group and the ctx its functions get, derived from ctx,
// as errgroup.WithContext. The ctx is cancelled by the first failure, by
// Cancel, by the end of ctx, and when Wait returns. A nil ctx means
// context.Background().
func NewGroup(ctx context.Context) (*Group, context.Context) {
	g := &Group{}
	g.ctx, g.cancel = context.WithCancelCause(orBackground(ctx))
	return g, g.ctx
}

// init prepares a zero Group; g.mu must be held.
func (g *Group) init() {
	if g.ctx == nil {
		g.ctx, g.cancel = context.WithCancelCause(context.Background())
	}
}

// SetLimit makes Go block while n functions of the group are running, as
// errgroup's SetLimit. An n of zero or less removes the limit (with errgroup
// a limit of zero would block every Go forever). The new limit applies to
// later calls of Go; functions already running do not count against it.
func (g *Group) SetLimit(n int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if n <= 0 {
		g.sem = nil
		return
	}
	g.sem = semaphore.NewWeighted(int64(n))
}

// Go runs fn(ctx) in a new goroutine, ctx being the group's, as
// TaskGroup.create_task. With a limit set, Go first waits for a free slot;
// beware of calling it from a function of the same group then, which can
// deadlock when every slot is held by a caller of Go.
//
// If the group's ctx is already done (it failed, was cancelled, or Wait has
// returned) or ends while Go waits for a slot, fn is not started, as
// TaskGroup refuses new tasks once it is shutting down; after Wait, Wait
// then reports an error wrapping ErrInvalid. A panic in fn becomes a
// *PanicError failure. A nil fn is a failure wrapping ErrInvalid.
func (g *Group) Go(fn func(ctx context.Context) error) {
	g.mu.Lock()
	g.init()
	switch {
	case fn == nil:
		g.failLocked(invalid("Group.Go: nil function"))
		g.mu.Unlock()
		return
	case g.waited:
		g.errs = append(g.errs, invalid("Group.Go called after Wait returned"))
		g.mu.Unlock()
		return
	case g.ctx.Err() != nil:
		g.stopped = true
		g.mu.Unlock()
		return
	}
	g.active++ // counted before any blocking, so that Wait waits for this call
	sem, ctx := g.sem, g.ctx
	g.mu.Unlock()

	if sem != nil {
		// The semaphore serves waiters in order and, unlike a channel, lets
		// the wait end with the group's ctx.
		if err := sem.Acquire(ctx, 1); err != nil {
			g.finish(nil, true)
			return
		}
	}
	go func() {
		if sem != nil {
			defer sem.Release(1)
		}
		reported := false
		report := func(err error) {
			if !reported { // a Goexit may be followed by a return; see callSafely
				reported = true
				g.finish(err, false)
			}
		}
		_, err := callSafely(ctx, func(ctx context.Context) (struct{}, error) {
			return struct{}{}, fn(ctx)
		}, report)
		report(err)
	}()
}

// finish records the end of one Go call: fn's error, or skipped when fn
// never started because the group's ctx ended.
func (g *Group) finish(err error, skipped bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	switch {
	case skipped:
		g.stopped = true
	case err == nil:
	case g.isCancellation(err):
		// Only an echo of the group's cancellation, as the CancelledError
		// of a TaskGroup's cancelled tasks is no part of its ExceptionGroup.
		g.stopped = true
	default:
		g.failLocked(err)
	}
	g.active--
	if g.active == 0 && g.idle != nil {
		close(g.idle)
		g.idle = nil
	}
}

// isCancellation reports whether err merely reports that the group's ctx
// ended; g.mu must be held. A panic is never merely that.
func (g *Group) isCancellation(err error) bool {
	ctxErr := g.ctx.Err()
	if ctxErr == nil {
		return false
	}
	var pe *PanicError
	if errors.As(err, &pe) {
		return false
	}
	return errors.Is(err, ctxErr) || errors.Is(err, context.Cause(g.ctx))
}

// failLocked records a failure and, if it is the first thing to end the
// group's ctx, cancels it with err as the cause; g.mu must be held.
func (g *Group) failLocked(err error) {
	g.errs = append(g.errs, err)
	if g.ctx.Err() == nil {
		g.failed = true
		g.cancel(err)
	}
}

// Cancel cancels the group's ctx, asking every function to stop, and returns
// without waiting. Functions not yet started by Go are not started. Wait
// then reports context.Canceled unless all functions succeed anyway.
func (g *Group) Cancel() {
	g.mu.Lock()
	g.init()
	g.mu.Unlock()
	g.cancel(nil)
}

// Wait blocks until every function started by Go has returned (and every Go
// call waiting for a slot has given up or started its function), then
// cancels the group's ctx and returns errors.Join of:
//   - every failure, in the order they happened: each error returned by a
//     function (a *PanicError for a panic), except errors that only
//     report the group's own cancellation (matching its ctx.Err() or
//     cause) once its ctx has ended, since they repeat the failure that
//     caused it;
//   - then, if the group was cancelled from outside, by Cancel or its parent
//     ctx, rather than by a failure, and that cancellation stopped or
//     skipped a function: context.Cause of the group's ctx (context.Canceled,
//     the parent's cause, or context.DeadlineExceeded), so that a
//     cancellation is never mistaken for success.
//
// Wait returns nil if every function returned nil. Wait does not take a ctx:
// like TaskGroup's exit, it waits for the functions, which should watch the
// group's ctx; cancel the group (or its parent ctx) to make it return sooner.
// Calling Wait again returns the same error.
func (g *Group) Wait() error {
	g.mu.Lock()
	g.init()
	for g.active > 0 {
		if g.idle == nil {
			g.idle = make(chan struct{})
		}
		idle := g.idle
		g.mu.Unlock()
		<-idle
		g.mu.Lock()
	}
	errs := g.errs
	if g.stopped && !g.failed {
		errs = append(errs[:len(errs):len(errs)], context.Cause(g.ctx))
	}
	g.waited = true
	g.mu.Unlock()
	g.cancel(nil) // release the ctx, as errgroup and conc do
	return errors.Join(errs...)
}
