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
// Registering with context.AfterFunc costs two allocations and a lock of
// the context; a Guard made with keep set keeps its registration between
// calls made under the same context (the same Done channel), so a loop of
// reads under one ctx pays that once. Such a Guard must be Released when
// its connection is done with, or the registration lives as long as the
// context.
//
// Clearing the deadline when a registration is dropped means a deadline the
// caller set on the connection by hand does not survive a cancelled call.
type Guard struct {
	set    func(time.Time) error
	expire func()
	keep   bool

	mu   sync.Mutex
	done <-chan struct{} // Done of the registered context, nil if none
	stop func() bool
	// fired counts the expire call that stop could no longer prevent, so
	// a drop can wait for it: clearing the deadline before expire has set
	// it would leave a stale deadline that fails the next call.
	fired sync.WaitGroup
}

// A Notifier is a context of this module that runs f once it has ended, as
// context.AfterFunc does, and whose stop reports whether it prevented f.
// A Guard registers with it directly, sparing the allocations and the
// stack depth of the context package's path: the first registration of a
// connection's Reader happens at the bottom of its first read, and
// whatever is deepest there sets the stack size of every connection
// (server's handler ctx is a Notifier for that reason).
type Notifier interface {
	NotifyDone(_ Token, f func()) (stop func() bool)
}

// Token keeps Notifier to this module: only its packages can name it.
type Token struct{}

// readDeadliner and writeDeadliner are the parts of net.Conn and *os.File
// that a Guard needs.
type readDeadliner interface{ SetReadDeadline(time.Time) error }
type writeDeadliner interface{ SetWriteDeadline(time.Time) error }

// past is the deadline set to wake a blocked call: any instant already gone.
var past = time.Unix(1, 0)

// ForRead returns a Guard for reads from x, or the zero Guard if x has no
// SetReadDeadline. keep: see Guard.
func ForRead(x any, keep bool) *Guard {
	d, ok := x.(readDeadliner)
	if !ok {
		return &Guard{}
	}
	return newGuard(d.SetReadDeadline, keep)
}

// ForWrite returns a Guard for writes to x, or the zero Guard if x has no
// SetWriteDeadline. keep: see Guard.
func ForWrite(x any, keep bool) *Guard {
	d, ok := x.(writeDeadliner)
	if !ok {
		return &Guard{}
	}
	return newGuard(d.SetWriteDeadline, keep)
}

func newGuard(set func(time.Time) error, keep bool) *Guard {
	g := &Guard{set: set, keep: keep}
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
	if g.set == nil {
		return nil
	}
	done := ctx.Done()
	g.mu.Lock()
	defer g.mu.Unlock()
	if done != nil && done == g.done {
		return nil // kept from an earlier call under the same ctx
	}
	g.dropLocked()
	if done != nil {
		g.fired.Add(1)
		g.done = done
		if n, ok := ctx.(Notifier); ok {
			g.stop = n.NotifyDone(Token{}, g.expire)
		} else {
			g.stop = context.AfterFunc(ctx, g.expire)
		}
	}
	return nil
}

// End disarms g after the call armed by Begin and returns the error the
// caller should report: ctx.Err() if the call failed because ctx ended,
// otherwise err unchanged (nil included: a call that completed while ctx was
// ending keeps its result).
func (g *Guard) End(ctx context.Context, err error) error {
	if g.set == nil { // inlined: the reads of a source without deadlines
		return err
	}
	return g.end(ctx, err)
}

func (g *Guard) end(ctx context.Context, err error) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.stop == nil {
		return err
	}
	cerr := ctx.Err()
	if g.keep && cerr == nil {
		// ctx has not ended, so expire has not run; keep the registration
		// for the next call.
		return err
	}
	g.dropLocked()
	if err != nil && cerr != nil && errors.Is(err, os.ErrDeadlineExceeded) {
		return cerr
	}
	return err
}

// Release drops a kept registration. The Guard remains usable.
func (g *Guard) Release() {
	if g.set == nil {
		return
	}
	g.mu.Lock()
	g.dropLocked()
	g.mu.Unlock()
}

func (g *Guard) dropLocked() {
	if g.stop == nil {
		return
	}
	if g.stop() {
		g.fired.Done()
	} else {
		g.fired.Wait()
		_ = g.set(time.Time{})
	}
	g.stop, g.done = nil, nil
}
