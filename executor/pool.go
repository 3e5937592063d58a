package executor

import (
	"context"
	"runtime"
	"sync"
	"sync/atomic"
)

// A Pool runs submitted functions on at most a fixed number of goroutines,
// starting them in the order they were submitted: the executor of
// loop.run_in_executor, a concurrent.futures.ThreadPoolExecutor. Use it to
// bound how much blocking or CPU-heavy work runs at once; to merely run
// something off the caller's goroutine, Go is enough. Go has no GIL, so a
// Pool serves CPU-bound work as ProcessPoolExecutor would in Python.
//
// Workers start as work arrives, up to the limit, and wait for more work
// until Shutdown. The queue of work not yet started has no bound, so Submit
// never blocks, and queued work holds no goroutine: a million queued calls
// cost a million Futures, not a million stacks parked on a semaphore (which
// is why this is not x/sync's semaphore in front of Go; Group.SetLimit is).
// A Pool must not be copied after first use.
//
// The zero Pool is ready to use and runs up to runtime.GOMAXPROCS(0)
// functions at a time.
type Pool struct {
	once    sync.Once
	workers int32 // the most functions run at once

	// Work not yet started waits in jobs, a buffered channel, which is
	// what hand-written Go pools use and about as cheap as a queue gets.
	// When jobs is full, later work waits in overflow, in order, and
	// workers move it into jobs as room appears; so a Submit never blocks.
	jobs     chan *node   // closed by Shutdown, under mu, once nothing more can be sent
	overflow []*node      // guarded by mu; overflow[head:] are waiting
	head     int          // guarded by mu
	spilled  atomic.Int32 // len(overflow) - head, readable without mu
	shut     bool         // jobs is closed; guarded by mu

	// gate orders Submit against Shutdown: Submit enqueues holding it for
	// reading, Shutdown sets closed holding it for writing. So once closed
	// is set, nothing more is enqueued and no worker is added.
	gate   sync.RWMutex
	closed atomic.Bool
	forced atomic.Bool // Shutdown's ctx ended: interrupt whatever starts

	running atomic.Int32 // live workers
	_       [60]byte     // idle changes whenever a worker parks: keep it off the line Submit reads
	idle    atomic.Int32 // workers blocked waiting for work
	_       [60]byte

	mu     sync.Mutex
	slots  map[*slot]struct{} // one per live worker; guarded by mu
	exited chan struct{}      // closed once closed and running is 0
	gone   bool               // exited is closed; guarded by mu
}

// poolBuffer is the capacity of a Pool's job channel; work beyond it waits
// in the overflow list.
const poolBuffer = 1024

// slot shows which job a worker is running, or ran last, so that Shutdown
// can interrupt it when its ctx ends (interrupting a finished job does
// nothing, and not clearing the slot saves a store per job).
type slot struct {
	cur atomic.Pointer[node]
	_   [56]byte // one cache line per worker: the slots are written on every job
}

// node is the Pool's handle on one piece of work. It lives inside the
// Future, so queueing allocates nothing.
type node struct {
	state atomic.Uint32 // queued, then running or dropped
	job   job
}

const (
	queued uint32 = iota
	running
	dropped
)

// job is the Pool's view of a *Future[T] of any T.
type job interface {
	run()                // run the function and complete the future
	abandon(err error)   // complete the future with err; the function never runs
	interrupt(err error) // cancel the running function's ctx with cause err
}

func (f *Future[T]) abandon(err error) {
	f.fn = nil
	f.wctx.cancel(err)
	f.fail(err)
}

func (f *Future[T]) interrupt(err error) { f.wctx.cancel(err) }

// errPoolCancelled is the error of work that Shutdown dropped before it ran
// (and the cancel cause of work it interrupted at ctx's end). It matches
// both context.Canceled, so the future reports Cancelled, and ErrPoolClosed.
var errPoolCancelled error = poolCancelError{}

type poolCancelError struct{}

func (poolCancelError) Error() string { return "executor: cancelled by pool shutdown" }

func (poolCancelError) Is(target error) bool {
	return target == context.Canceled || target == ErrPoolClosed
}

// NewPool returns a Pool that runs at most workers functions at a time. A
// workers value below 1 selects the default, runtime.GOMAXPROCS(0), as
// ThreadPoolExecutor() picks a size when given none.
func NewPool(workers int) *Pool {
	p := &Pool{}
	p.workers = int32(min(max(workers, 0), 1<<30))
	return p
}

func (p *Pool) init() {
	p.once.Do(func() {
		if p.workers < 1 {
			p.workers = int32(runtime.GOMAXPROCS(0))
		}
		p.jobs = make(chan *node, poolBuffer)
		p.exited = make(chan struct{})
		p.slots = make(map[*slot]struct{})
	})
}

// Submit queues fn to run on p and returns its Future, as
// loop.run_in_executor(pool, fn). fn runs with a ctx derived from ctx, which
// Future.Cancel and the end of ctx cancel; work cancelled while still queued
// is dropped at once, never run, and its future fails with the ctx's error.
// Panics become *PanicError as with Go.
//
// Submit never blocks. After Shutdown has begun it returns a future that
// fails with ErrPoolClosed. A nil p or fn gives a future that fails with an
// error wrapping ErrInvalid; a nil ctx means context.Background().
func Submit[T any](p *Pool, ctx context.Context, fn func(context.Context) (T, error)) *Future[T] {
	if p == nil {
		return failed[T](invalid("Submit: nil Pool"))
	}
	if fn == nil {
		return failed[T](invalid("Submit: nil function"))
	}
	ctx = orBackground(ctx)
	p.init()
	f := newFuture(ctx, fn)
	f.pool = p
	f.node.job = f
	if ctx.Done() != nil {
		// Without this, work whose submitter gave up would stay queued,
		// and its future pending, until a worker reached it.
		f.unhook = context.AfterFunc(ctx, func() { p.drop(&f.node, ctx.Err()) })
	}

	p.gate.RLock()
	if p.closed.Load() {
		p.gate.RUnlock()
		p.drop(&f.node, ErrPoolClosed)
		return f
	}
	p.enqueue(&f.node)
	p.grow()
	p.gate.RUnlock()
	return f
}

// enqueue adds n behind all work queued before it.
func (p *Pool) enqueue(n *node) {
	if p.spilled.Load() == 0 {
		select {
		case p.jobs <- n:
			return
		default:
		}
	}
	p.mu.Lock()
	if p.head > 0 && p.head >= len(p.overflow)/2 {
		// Reuse the room of work already moved out, so that a queue that
		// never quite empties does not grow without bound.
		k := copy(p.overflow, p.overflow[p.head:])
		clear(p.overflow[k:])
		p.overflow, p.head = p.overflow[:k], 0
	}
	p.overflow = append(p.overflow, n)
	p.spilled.Add(1)
	// jobs may have drained since it was found full; the workers might all
	// be waiting on it by now, so move what fits before leaving.
	p.refillLocked()
	p.mu.Unlock()
}

// moveSpilled moves overflow work into jobs while there is room. Once jobs
// is closed it does nothing; the overflow is then taken by popSpilled.
func (p *Pool) moveSpilled() {
	p.mu.Lock()
	p.refillLocked()
	p.mu.Unlock()
}

func (p *Pool) refillLocked() {
	if p.shut {
		return
	}
	for p.head < len(p.overflow) {
		select {
		case p.jobs <- p.overflow[p.head]:
			p.overflow[p.head] = nil
			p.head++
			p.spilled.Add(-1)
		default:
			return
		}
	}
	if cap(p.overflow) > 4*poolBuffer {
		p.overflow = nil // let a burst's backlog go
	}
	p.overflow, p.head = p.overflow[:0], 0
}

// popSpilled takes the oldest overflow work, or returns nil if there is
// none; it serves the workers once jobs is closed and drained.
func (p *Pool) popSpilled() *node {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.head == len(p.overflow) {
		return nil
	}
	n := p.overflow[p.head]
	p.overflow[p.head] = nil
	p.head++
	p.spilled.Add(-1)
	return n
}

// grow starts a worker if none is idle and the limit allows; p.gate must be
// held for reading, so that no worker starts once Shutdown has begun.
func (p *Pool) grow() {
	for p.idle.Load() == 0 {
		n := p.running.Load()
		if n >= p.workers {
			return
		}
		if p.running.CompareAndSwap(n, n+1) {
			p.startWorker()
			return
		}
	}
}

// startWorker starts a worker counted in p.running already.
func (p *Pool) startWorker() {
	s := new(slot)
	p.mu.Lock()
	p.slots[s] = struct{}{}
	p.mu.Unlock()
	go p.worker(s)
}

// drop completes a still-queued job with err without running it; for a job
// that has started or finished it does nothing. The node stays in the queue
// until a worker or Shutdown skips it.
func (p *Pool) drop(n *node, err error) {
	if n.state.CompareAndSwap(queued, dropped) {
		n.job.abandon(err)
	}
}

// worker runs queued jobs until the pool is shut down and its queue empty.
func (p *Pool) worker(s *slot) {
	retired := false
	defer func() {
		// Reached when the worker retires, and also when a job called
		// runtime.Goexit, which ends this goroutine.
		p.mu.Lock()
		delete(p.slots, s)
		if !retired {
			// Replace this worker, or queued work could wait for one that
			// never comes. Counted before this one leaves, so running
			// cannot touch 0 and let Shutdown return in between.
			p.running.Add(1)
			s2 := new(slot)
			p.slots[s2] = struct{}{}
			go p.worker(s2)
		}
		if p.running.Add(-1) == 0 && p.closed.Load() && !p.gone {
			p.gone = true
			close(p.exited)
		}
		p.mu.Unlock()
	}()
	for {
		n := p.next()
		if n == nil {
			retired = true
			return
		}
		if !n.state.CompareAndSwap(queued, running) {
			continue // dropped while queued
		}
		s.cur.Store(n)
		if p.forced.Load() {
			// Started as Shutdown gave up waiting; it may have missed it.
			n.job.interrupt(errPoolCancelled)
		}
		n.job.run()
	}
}

// next returns the next queued node, or nil once the pool is shut down and
// nothing is left to run.
func (p *Pool) next() *node {
	for {
		select {
		case n, ok := <-p.jobs:
			return p.received(n, ok)
		default:
		}
		if p.spilled.Load() > 0 {
			// jobs is empty and overflow is not: move it over (or, if jobs
			// was closed meanwhile, the receive above will say so).
			p.moveSpilled()
			continue
		}
		p.idle.Add(1)
		n, ok := <-p.jobs // a plain receive: cheaper than a select
		p.idle.Add(-1)
		return p.received(n, ok)
	}
}

// received completes a receive from jobs: it refills the room the receive
// made, or, once jobs is closed and drained, serves the overflow.
func (p *Pool) received(n *node, ok bool) *node {
	if !ok {
		return p.popSpilled()
	}
	if p.spilled.Load() > 0 {
		p.moveSpilled()
	}
	return n
}

// dropQueued completes every job still queued with err.
func (p *Pool) dropQueued(err error) {
	p.mu.Lock()
	spill := p.overflow[p.head:]
	p.overflow, p.head = nil, 0
	p.spilled.Store(0)
	p.mu.Unlock()
drain:
	for {
		select {
		case n, ok := <-p.jobs:
			if !ok {
				break drain
			}
			p.drop(n, err)
		default:
			break drain
		}
	}
	for _, n := range spill {
		p.drop(n, err)
	}
}

// Shutdown stops p from accepting work and waits until every worker has
// returned, as ThreadPoolExecutor.shutdown(wait=True, cancel_futures=...),
// with the wait bounded by ctx.
//
// Submit fails with ErrPoolClosed from the moment Shutdown begins. Work
// already queued still runs, unless cancelPending is true: then it is
// dropped, and its futures fail with an error matching both
// context.Canceled and ErrPoolClosed. Running work is never interrupted
// while ctx lasts.
//
// Shutdown returns nil once every worker goroutine has returned. If ctx
// ends first, Shutdown drops the work still queued, cancels the ctx of the
// work still running, and returns ctx.Err() without waiting further, so it
// never hangs on work that ignores its ctx; the workers then exit as soon as
// that work returns. Calling Shutdown again waits again, and returns nil
// once they have. Shutdown is safe to call from several goroutines; a nil
// ctx waits without bound.
func (p *Pool) Shutdown(ctx context.Context, cancelPending bool) error {
	ctx = orBackground(ctx)
	p.init()
	p.gate.Lock()
	p.closed.Store(true) // from now on nothing is sent on jobs but by moveSpilled
	p.gate.Unlock()
	p.mu.Lock()
	if !p.shut {
		// Under mu, which moveSpilled holds while it sends. Workers drain
		// what jobs holds, then the overflow, then retire; idle ones wake.
		p.shut = true
		close(p.jobs)
	}
	p.mu.Unlock()
	if cancelPending {
		p.dropQueued(errPoolCancelled)
	}
	p.mu.Lock()
	if p.running.Load() == 0 && !p.gone {
		p.gone = true
		close(p.exited)
	}
	p.mu.Unlock()

	select {
	case <-p.exited:
		return nil
	case <-ctx.Done():
	}
	select {
	case <-p.exited: // both at once: the pool did shut down
		return nil
	default:
	}

	p.forced.Store(true)
	p.dropQueued(errPoolCancelled)
	var jobs []job
	p.mu.Lock()
	for s := range p.slots {
		if n := s.cur.Load(); n != nil {
			jobs = append(jobs, n.job)
		}
	}
	p.mu.Unlock()
	for _, j := range jobs {
		j.interrupt(errPoolCancelled)
	}
	return ctx.Err()
}
