package executor

import (
	"context"
	"runtime"
	"sync"
)

// A Pool runs submitted functions on at most a fixed number of goroutines,
// in the order they were submitted: the executor of loop.run_in_executor, a
// concurrent.futures.ThreadPoolExecutor. Use it to bound how much blocking
// or CPU-heavy work runs at once; to merely run something off the caller's
// goroutine, Go is enough. Go has no GIL, so a Pool serves CPU-bound work as
// ProcessPoolExecutor would in Python.
//
// Workers start as work arrives, up to the limit, and wait for more work
// until Shutdown; the queue of work not yet started has no bound, so Submit
// never blocks. A Pool must not be copied after first use.
//
// The zero Pool is ready to use and runs up to runtime.GOMAXPROCS(0)
// functions at a time.
type Pool struct {
	mu      sync.Mutex
	cond    sync.Cond // idle workers wait here; L is &mu
	workers int       // the most functions run at once
	running int       // live worker goroutines
	idle    int       // workers in cond.Wait that no Signal has claimed
	queued  node      // sentinel of the FIFO of work not yet started
	active  node      // sentinel of the work being run
	closed  bool      // Shutdown has begun
	exited  chan struct{}
	gone    bool // exited is closed
}

// node links a job into one of a Pool's two lists. It lives inside the
// Future, so queueing allocates nothing. All fields are guarded by Pool.mu.
type node struct {
	prev, next *node
	list       *node // sentinel of the list holding the node; nil if none
	job        job
}

// job is the Pool's view of a *Future[T] of any T.
type job interface {
	run()                // run the function and complete the future
	abandon(err error)   // complete the future with err; the function never runs
	interrupt(err error) // cancel the running function's ctx with cause err
}

func (f *Future[T]) abandon(err error) {
	f.fn = nil
	f.cancel(err)
	f.fail(err)
}

func (f *Future[T]) interrupt(err error) { f.cancel(err) }

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
	return &Pool{workers: workers}
}

// init prepares a zero or new Pool; p.mu must be held.
func (p *Pool) init() {
	if p.queued.next != nil {
		return
	}
	if p.workers < 1 {
		p.workers = runtime.GOMAXPROCS(0)
	}
	p.cond.L = &p.mu
	p.queued.next, p.queued.prev = &p.queued, &p.queued
	p.active.next, p.active.prev = &p.active, &p.active
}

func (p *Pool) pushBack(list, n *node) {
	n.prev, n.next, n.list = list.prev, list, list
	list.prev.next = n
	list.prev = n
}

func unlink(n *node) {
	n.prev.next = n.next
	n.next.prev = n.prev
	n.prev, n.next, n.list = nil, nil, nil
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
	f := newFuture(ctx, fn)
	f.pool = p
	f.node.job = f
	if ctx.Done() != nil {
		// Without this, work whose submitter gave up would stay queued,
		// and its future pending, until a worker reached it.
		f.unhook = context.AfterFunc(ctx, func() { p.drop(&f.node, ctx.Err()) })
	}

	p.mu.Lock()
	p.init()
	if p.closed {
		p.mu.Unlock()
		f.abandon(ErrPoolClosed)
		return f
	}
	p.pushBack(&p.queued, &f.node)
	switch {
	case p.idle > 0:
		p.idle--
		p.cond.Signal()
	case p.running < p.workers:
		p.running++
		go p.worker()
	}
	p.mu.Unlock()
	return f
}

// drop completes a still-queued job with err without running it; for a job
// that has started or finished it does nothing.
func (p *Pool) drop(n *node, err error) {
	p.mu.Lock()
	if n.list != &p.queued {
		p.mu.Unlock()
		return
	}
	unlink(n)
	p.mu.Unlock()
	n.job.abandon(err)
}

// worker runs queued jobs until the pool is shut down and its queue empty.
func (p *Pool) worker() {
	var cur *node
	locked := false
	defer func() {
		// Reached with the lock held when the worker retires, and without
		// it when a job called runtime.Goexit, which ends this goroutine.
		if !locked {
			p.mu.Lock()
		}
		if cur != nil {
			unlink(cur)
		}
		p.running--
		if p.queued.next != &p.queued && p.running < p.workers {
			// Only after a Goexit: replace this worker, or the queued work
			// could wait for a worker that never comes.
			p.running++
			go p.worker()
		}
		p.checkExited()
		p.mu.Unlock()
	}()

	p.mu.Lock()
	locked = true
	for {
		for p.queued.next == &p.queued {
			if p.closed {
				return
			}
			p.idle++
			p.cond.Wait()
		}
		cur = p.queued.next
		unlink(cur)
		p.pushBack(&p.active, cur)
		p.mu.Unlock()
		locked = false

		cur.job.run()

		p.mu.Lock()
		locked = true
		unlink(cur)
		cur = nil
	}
}

// checkExited closes p.exited once the pool is shut down and its last
// worker has retired; p.mu must be held.
func (p *Pool) checkExited() {
	if p.closed && p.running == 0 && !p.gone {
		p.gone = true
		close(p.exited)
	}
}

// takeQueued empties the queue and returns its jobs; p.mu must be held.
func (p *Pool) takeQueued() []job {
	var jobs []job
	for p.queued.next != &p.queued {
		n := p.queued.next
		unlink(n)
		jobs = append(jobs, n.job)
	}
	return jobs
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
	p.mu.Lock()
	p.init()
	if !p.closed {
		p.closed = true
		p.exited = make(chan struct{})
	}
	var dropped []job
	if cancelPending {
		dropped = p.takeQueued()
	}
	if p.idle > 0 {
		// Idle workers find the queue empty and the pool closed: they exit.
		// Busy ones do the same after their current job.
		p.idle = 0
		p.cond.Broadcast()
	}
	p.checkExited()
	exited := p.exited
	p.mu.Unlock()
	for _, j := range dropped {
		j.abandon(errPoolCancelled)
	}

	select {
	case <-exited:
		return nil
	case <-ctx.Done():
	}
	select {
	case <-exited: // both at once: the pool did shut down
		return nil
	default:
	}

	p.mu.Lock()
	dropped = p.takeQueued()
	var running []job
	for n := p.active.next; n != &p.active; n = n.next {
		running = append(running, n.job)
	}
	p.mu.Unlock()
	for _, j := range dropped {
		j.abandon(errPoolCancelled)
	}
	for _, j := range running {
		j.interrupt(errPoolCancelled)
	}
	return ctx.Err()
}
