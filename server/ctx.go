package server

import (
	"context"
	"sync"
	"time"

	"github.com/netaio/aio/internal/ctxio"
)

// A generation is the cancellation shared by the handlers of the
// connections accepted between two CloseClients or AbortClients: one
// channel, closed by cancel, instead of a context.WithCancel per
// connection.
type generation struct {
	base context.Context // values only: the Start ctx without its cancellation
	done chan struct{}

	mu       sync.Mutex
	canceled bool
	funcs    afterFunc // sentinel of the circular list of registered funcs
}

func newGeneration(base context.Context) *generation {
	g := &generation{base: base, done: make(chan struct{})}
	g.funcs.prev, g.funcs.next = &g.funcs, &g.funcs
	return g
}

// cancel closes done and runs every registered func, once.
func (g *generation) cancel() {
	g.mu.Lock()
	if g.canceled {
		g.mu.Unlock()
		return
	}
	g.canceled = true
	close(g.done)
	var fs []func()
	for a := g.funcs.next; a != &g.funcs; {
		next := a.next
		fs = append(fs, a.f)
		a.f, a.prev, a.next = nil, nil, nil
		a = next
	}
	g.funcs.prev, g.funcs.next = &g.funcs, &g.funcs
	g.mu.Unlock()
	// The funcs are the context package's (see connCtx.AfterFunc): they
	// cancel a child context and do not block, so they run here, as a
	// cancelCtx cancels its children.
	for _, f := range fs {
		f()
	}
}

// afterFunc is one func registered with a generation.
type afterFunc struct {
	gen        *generation
	f          func() // nil once run or stopped
	prev, next *afterFunc
}

func (a *afterFunc) stop() bool {
	g := a.gen
	g.mu.Lock()
	defer g.mu.Unlock()
	if a.f == nil {
		return false
	}
	a.prev.next, a.next.prev = a.next, a.prev
	a.f, a.prev, a.next = nil, nil, nil
	return true
}

// connCtx is the ctx a handler gets: its generation's cancellation and
// its Start ctx's values. It lives inside the connection's record, so it
// costs no allocation of its own.
//
// Why not context.WithCancel: an idle connection is mostly its goroutine's
// stack, which stays at 2 KiB only if no call chain of the handler goes
// deeper than about 1.1 KiB (2 KiB less the runtime's 928-byte guard), and
// once grown it is not shrunk back while the goroutine is parked in a
// read. The Reader registers its ctx at the bottom of its first read,
// about 0.9 KiB down. Through context.AfterFunc on a cancelCtx parent, that
// registration inserts into the parent's map of children, a few hundred
// bytes deeper: every connection's stack doubled to 4 KiB (6.6 KiB per idle
// connection in ../shared/bench's idle.sh). So connCtx is a
// ctxio.Notifier, with which the Reader registers directly: a link into a
// list that, for the connection's first registration, allocates nothing.
// It also has an AfterFunc method, which the context package calls for
// the handler's own WithCancel or AfterFunc, and Value answers the context
// package's lookup at once (see cancelCtxKey). The margin left, measured
// by padding the read path until TestIdleConnStack saw 4 KiB stacks: about
// 160 bytes.
type connCtx struct {
	gen   *generation
	slot  afterFunc   // the connection's first registration
	stopf func() bool // slot.stop, bound once
}

func (c *connCtx) init(g *generation) {
	c.gen = g
	c.slot.gen = g
	c.stopf = c.slot.stop
}

func (c *connCtx) Deadline() (time.Time, bool) { return time.Time{}, false }
func (c *connCtx) Done() <-chan struct{}       { return c.gen.done }

// Value returns the value of the Start ctx for key. The lookup the
// context package makes on every registration (for its own cancelCtx, which
// the Start ctx's values cannot lead to: they are seen through
// context.WithoutCancel) is answered at once, so that the registration
// stays shallow (see connCtx).
func (c *connCtx) Value(key any) any {
	if p, ok := key.(*int); ok && p == cancelCtxKey {
		return nil
	}
	return c.gen.base.Value(key)
}

func (c *connCtx) String() string { return "server.HandlerContext" }

// cancelCtxKey is the key the context package looks its cancelCtx up by;
// context.Cause asks a context for it first, which is how it is learnt. If
// a later Go asks for something else, the key learnt here matches nothing
// and Value simply takes the long way.
var cancelCtxKey = func() *int {
	var k keySniffer
	context.Cause(&k)
	p, _ := k.key.(*int)
	return p
}()

type keySniffer struct {
	context.Context
	key any
}

func (k *keySniffer) Value(key any) any {
	if k.key == nil {
		k.key = key
	}
	return nil
}

func (k *keySniffer) Err() error { return context.Canceled } // else Cause asks nothing

func (c *connCtx) Err() error {
	select {
	case <-c.gen.done:
		return context.Canceled
	default:
		return nil
	}
}

// NotifyDone registers a Reader's or Writer's ctxio.Guard (see
// ctxio.Notifier): AfterFunc without the context package around it.
func (c *connCtx) NotifyDone(_ ctxio.Token, f func()) func() bool { return c.AfterFunc(f) }

// AfterFunc is what context.AfterFunc and context.WithCancel call on a
// parent that has it (the context package's afterFuncer): it registers f
// to run when the ctx is cancelled, and returns a func that unregisters
// it, reporting whether it did. If the ctx is already cancelled, f runs at
// once on its own goroutine.
func (c *connCtx) AfterFunc(f func()) func() bool {
	g := c.gen
	g.mu.Lock()
	if g.canceled {
		g.mu.Unlock()
		go f()
		return func() bool { return false }
	}
	a, stop := &c.slot, c.stopf
	if a.f != nil {
		// A second registration at once (the handler's own
		// WithCancel, say): this one allocates.
		a = &afterFunc{gen: g}
		stop = a.stop
	}
	a.f = f
	a.prev, a.next = g.funcs.prev, &g.funcs
	a.prev.next, g.funcs.prev = a, a
	g.mu.Unlock()
	return stop
}
