package executor

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// workCtx is the ctx a future's work runs with: a child of the ctx given to
// Go or Submit, cancelled by Future.Cancel and when the work returns.
//
// It behaves as the context.WithCancelCause(parent) it wraps, which it
// makes the first time the work asks for Done or Value (as context.Cause,
// context.WithCancel and context.AfterFunc all do). Until then Deadline and
// Err are answered from the parent and a flag, and a cancel only sets the
// flag. So work that never looks at its ctx, typical of CPU-bound
// functions, pays no allocation and no cancellation for it: making and
// cancelling that ctx used to be most of the cost of a Future.
type workCtx struct {
	parent context.Context
	state  atomic.Uint32 // fresh, then cancelled and/or real
	mu     sync.Mutex    // serializes materialize and cancels with a cause
	ext    *ctxExt       // set before state becomes ctxReal, or by a cancel with a cause
}

// ctxExt is what a workCtx needs only once used or cancelled with a cause;
// kept apart to keep every Future small.
type ctxExt struct {
	cause      error // the cause of a cancel before the real ctx; guarded by mu
	real       context.Context
	cancelReal context.CancelCauseFunc
}

const (
	ctxFresh     uint32 = iota // neither cancelled nor real
	ctxCancelled               // cancelled before the real ctx was made
	ctxReal                    // real is made (and cancelled if it had to be)
)

var _ context.Context = (*workCtx)(nil)

// materialize returns the real child ctx, making it if need be.
func (c *workCtx) materialize() context.Context {
	if c.state.Load() == ctxReal {
		return c.ext.real
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.state.Load() == ctxReal {
		return c.ext.real
	}
	if c.ext == nil {
		c.ext = new(ctxExt)
	}
	x := c.ext
	x.real, x.cancelReal = context.WithCancelCause(c.parent)
	// A lock-free cancel(nil) may turn fresh into cancelled at any time
	// until the CompareAndSwap; so the swap, not a plain store, decides.
	if !c.state.CompareAndSwap(ctxFresh, ctxReal) {
		x.cancelReal(x.cause)
		c.state.Store(ctxReal)
	}
	return x.real
}

// cancel cancels the ctx with cause (nil meaning context.Canceled), as the
// CancelCauseFunc of WithCancelCause; only the first call has an effect.
// Without a cause, and before the real ctx exists, it takes no lock: that is
// how every future's ctx ends when its work returns.
func (c *workCtx) cancel(cause error) {
	if cause == nil && c.state.CompareAndSwap(ctxFresh, ctxCancelled) {
		return
	}
	c.mu.Lock()
	switch c.state.Load() {
	case ctxReal:
		c.mu.Unlock()
		c.ext.cancelReal(cause)
		return
	case ctxFresh:
		// Under mu only a lock-free cancel(nil) can race this; if it wins,
		// it was the first cancellation, and its nil cause stands.
		if c.ext == nil {
			c.ext = new(ctxExt)
		}
		c.ext.cause = cause
		if !c.state.CompareAndSwap(ctxFresh, ctxCancelled) {
			c.ext.cause = nil
		}
	}
	c.mu.Unlock()
}

func (c *workCtx) Deadline() (time.Time, bool) { return c.parent.Deadline() }

func (c *workCtx) Done() <-chan struct{} { return c.materialize().Done() }

// Err does not make the real ctx while nothing has ended, so that work
// polling Err in a loop stays cheap. Once something has, the real ctx
// decides which error it reports, and keeps reporting it.
func (c *workCtx) Err() error {
	if c.state.Load() == ctxFresh && c.parent.Err() == nil {
		return nil
	}
	return c.materialize().Err()
}

func (c *workCtx) Value(key any) any { return c.materialize().Value(key) }

func (c *workCtx) String() string {
	if s, ok := c.parent.(interface{ String() string }); ok {
		return s.String() + ".WithCancel"
	}
	return "executor.workCtx"
}
