// Package ctxio makes a blocking read or write on a net.Conn or a pollable
// *os.File return promptly when a context ends.
//
// The technique is the one of context.AfterFunc's connection example: when
// the context ends, a deadline in the past is set on the connection, which
// wakes the blocked call with os.ErrDeadlineExceeded; the call's caller then
// reports the context's error and the deadline is cleared for the next call.
// No goroutine is started per call, and bytes that arrived before the wake-up
// are returned as usual, so nothing is lost to cancellation.
package ctxio

import (
	"context"
	"errors"
	"os"
	"sync"
	"time"
)

// Guard interrupts one side (read or write) of a connection when a context
// ends. It serves one blocking call at a time: Begin before the call, End
// after it. The zero Guard is valid and guards nothing: Begin only reports a
// context that has already ended.
//
// Clearing the deadline in End means a deadline the caller set on the
// connection by hand does not survive a cancelled call.
type Guard struct {
	set    func(time.Time) error
	expire func()
	stop   func() bool
	// fired counts the expire call that stop could no longer prevent, so
	// End can wait for it: clearing the deadline before expire has set it
	// would leave a stale deadline that fails the next call.
	fired sync.WaitGroup
}

// readDeadliner and writeDeadliner are the parts of net.Conn and *os.File
// that a Guard needs.
type readDeadliner interface{ SetReadDeadline(time.Time) error }
type writeDeadliner interface{ SetWriteDeadline(time.Time) error }

// past is the deadline set to wake a blocked call: any instant already gone.
var past = time.Unix(1, 0)

// ForRead returns a Guard for reads from x, or the zero Guard if x has no
// SetReadDeadline.
func ForRead(x any) *Guard {
	d, ok := x.(readDeadliner)
	if !ok {
		return &Guard{}
	}
	return newGuard(d.SetReadDeadline)
}

// ForWrite returns a Guard for writes to x, or the zero Guard if x has no
// SetWriteDeadline.
func ForWrite(x any) *Guard {
	d, ok := x.(writeDeadliner)
	if !ok {
		return &Guard{}
	}
	return newGuard(d.SetWriteDeadline)
}

func newGuard(set func(time.Time) error) *Guard {
	g := &Guard{set: set}
	// A method value is a closure: make it once, not on every Begin.
	g.expire = g.onExpire
	return g
}

func (g *Guard) onExpire() {
	// An error here means the connection is closed, which wakes the call too.
	_ = g.set(past)
	g.fired.Done()
}

// CanInterrupt reports whether the guarded side has deadlines, i.e. whether a
// blocked call can be woken when its context ends.
func (g *Guard) CanInterrupt() bool { return g.set != nil }

// Begin arms g for one blocking call under ctx. It returns ctx.Err() without
// arming if ctx has already ended, so the caller does not start the call.
func (g *Guard) Begin(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if g.set == nil || ctx.Done() == nil {
		return nil
	}
	g.fired.Add(1)
	g.stop = context.AfterFunc(ctx, g.expire)
	return nil
}

// End disarms g after the call armed by Begin and returns the error the
// caller should report: ctx.Err() if the call failed because ctx ended,
// otherwise err unchanged (nil included: a call that completed while ctx was
// ending keeps its result).
func (g *Guard) End(ctx context.Context, err error) error {
	stop := g.stop
	if stop == nil {
		return err
	}
	g.stop = nil
	if stop() {
		g.fired.Done()
		return err
	}
	g.fired.Wait()
	_ = g.set(time.Time{})
	if err != nil && errors.Is(err, os.ErrDeadlineExceeded) {
		return ctx.Err()
	}
	return err
}
