package aqueue

import (
	"context"
	"errors"
	"iter"
	"sync"
)

// The errors a Queue returns. They are never wrapped.
var (
	// ErrEmpty is returned by TryGet when the queue holds no item.
	ErrEmpty = errors.New("aqueue: queue is empty")
	// ErrFull is returned by TryPut when the queue holds maxsize items.
	ErrFull = errors.New("aqueue: queue is full")
	// ErrShutdown is returned by Put and TryPut once Shutdown has been
	// called, and by Get and TryGet once the queue is also empty.
	ErrShutdown = errors.New("aqueue: queue is shut down")
	// ErrTaskDone is returned by TaskDone when it is called more times than
	// items were put.
	ErrTaskDone = errors.New("aqueue: TaskDone called more times than items were put")
)

type kind uint8

const (
	fifo kind = iota
	lifo
	priority
)

// A Queue is a first-in first-out (FIFO), last-in first-out (LIFO) or
// priority queue of items of type T, optionally bounded, that any number of
// goroutines may use at once.
//
// The zero value is an empty, unbounded FIFO queue ready to use. A Queue
// must not be copied after first use.
type Queue[T any] struct {
	mu         sync.Mutex
	kind       kind
	maxsize    int // 0: unbounded
	ring       ring[T]
	heap       prioHeap[T]
	unfinished int           // items put and not yet marked done by TaskDone
	idle       chan struct{} // closed when unfinished drops to 0; nil when nobody Joins
	shutdown   bool

	// Blocked callers, each served in arrival order. Only an empty queue
	// has getters and only a full one has putters, because every Put hands
	// its item straight to the first getter and every Get refills its slot
	// from the first putter, in the same critical section.
	getters waitList[T]
	putters waitList[T]
	waiters sync.Pool // of *waiter[T] with an empty channel
}

// New returns a FIFO queue: Get returns the items in the order they were
// put. If maxsize > 0, the queue holds at most maxsize items and Put blocks
// while it is full; if maxsize <= 0, it is unbounded.
func New[T any](maxsize int) *Queue[T] {
	return &Queue[T]{maxsize: max(maxsize, 0)}
}

// NewLIFO returns a LIFO queue: Get returns the most recently put item.
// maxsize is as for New.
func NewLIFO[T any](maxsize int) *Queue[T] {
	return &Queue[T]{kind: lifo, maxsize: max(maxsize, 0)}
}

// NewPriority returns a priority queue: Get returns the least item, where
// less(a, b) reports whether a comes before b. Items that are equal under
// less (neither comes before the other) are returned in the order they were
// put; payloads are compared by nothing but less. maxsize is as for New.
//
// less must be a strict weak order, must not panic, and must not call the
// queue's methods: it runs with the queue locked. A nil less makes all
// items equal, so the queue serves them first in, first out.
func NewPriority[T any](maxsize int, less func(a, b T) bool) *Queue[T] {
	if less == nil {
		less = func(T, T) bool { return false }
	}
	return &Queue[T]{kind: priority, maxsize: max(maxsize, 0), heap: prioHeap[T]{less: less}}
}

// Put inserts v, blocking while the queue is full until a slot frees up or
// ctx is done; blocked putters get slots in arrival order. Put returns nil
// if and only if it inserted v. It returns ctx.Err() if ctx is done on entry
// or ends before a slot is given to v, and ErrShutdown if the queue is shut
// down on entry or while Put waits. If ctx ends in the same instant that a
// slot is given, the slot stands and Put returns nil.
func (q *Queue[T]) Put(ctx context.Context, v T) error {
	done := ctx.Done()
	q.lock()
	if done != nil {
		select {
		case <-done:
			// ctx ended before we held the lock: fail even if there is
			// room, so that a caller that has already given up never
			// changes the queue.
			q.mu.Unlock()
			return ctx.Err()
		default:
		}
	}
	if q.shutdown {
		q.mu.Unlock()
		return ErrShutdown
	}
	if q.maxsize == 0 || q.size() < q.maxsize {
		q.insert(v)
		q.mu.Unlock()
		return nil
	}

	w := q.newWaiter()
	w.v = v
	q.putters.pushBack(w)
	q.mu.Unlock()

	select {
	case <-w.ch:
		err := w.err
		q.freeWaiter(w)
		return err
	case <-done:
	}
	q.lock()
	if !w.done {
		// Still waiting, so v is not in the queue: withdraw.
		q.putters.remove(w)
		q.mu.Unlock()
		q.freeWaiter(w)
		return ctx.Err()
	}
	// A Get moved v into the queue, or Shutdown refused it, in the same
	// instant that ctx ended. The settlement already happened under the lock
	// and stands; report it truthfully so that nil still means inserted.
	q.mu.Unlock()
	<-w.ch // sent under the lock before done was set
	err := w.err
	q.freeWaiter(w)
	if err != nil {
		return ctx.Err()
	}
	return nil
}

// TryPut inserts v if there is room, without blocking. It returns
// ErrShutdown if the queue is shut down, ErrFull if it holds maxsize items,
// and nil otherwise.
func (q *Queue[T]) TryPut(v T) error {
	q.lock()
	if q.shutdown {
		q.mu.Unlock()
		return ErrShutdown
	}
	if q.maxsize != 0 && q.size() >= q.maxsize {
		q.mu.Unlock()
		return ErrFull
	}
	q.insert(v)
	q.mu.Unlock()
	return nil
}

// Get removes and returns the next item, blocking while the queue is empty
// until an item arrives or ctx is done; blocked getters get items in arrival
// order. Get returns a nil error if and only if it removed an item. If ctx
// is done on entry or ends while Get waits, Get returns ctx.Err() and the
// queue still holds every item it held, unless an item was handed to this
// Get in that same instant: then Get returns the item and a nil error, so
// the item is never dropped. Once the queue is shut down and empty, Get
// returns ErrShutdown.
func (q *Queue[T]) Get(ctx context.Context) (T, error) {
	var zero T
	done := ctx.Done()
	q.lock()
	if done != nil {
		select {
		case <-done:
			q.mu.Unlock()
			return zero, ctx.Err()
		default:
		}
	}
	if q.size() > 0 {
		v := q.remove()
		q.mu.Unlock()
		return v, nil
	}
	if q.shutdown {
		q.mu.Unlock()
		return zero, ErrShutdown
	}

	w := q.newWaiter()
	q.getters.pushBack(w)
	q.mu.Unlock()

	select {
	case <-w.ch:
		v, err := w.v, w.err
		q.freeWaiter(w)
		return v, err
	case <-done:
	}
	q.lock()
	if !w.done {
		// No item was handed to us, and none will be once we are off the
		// list: the queue is exactly as a Get that never ran would leave it.
		q.getters.remove(w)
		q.mu.Unlock()
		q.freeWaiter(w)
		return zero, ctx.Err()
	}
	// A Put handed us its item (or Shutdown woke us) in the same instant
	// that ctx ended. Nobody else can see the item now, and putting it back
	// could overflow maxsize or reorder it behind later items, so we keep
	// it: returning it is how it is not lost.
	q.mu.Unlock()
	<-w.ch // sent under the lock before done was set
	v, err := w.v, w.err
	q.freeWaiter(w)
	if err != nil {
		return zero, ctx.Err()
	}
	return v, nil
}

// TryGet removes and returns the next item if there is one, without
// blocking. Otherwise it returns ErrShutdown if the queue is shut down and
// ErrEmpty if not.
func (q *Queue[T]) TryGet() (T, error) {
	q.lock()
	if q.size() > 0 {
		v := q.remove()
		q.mu.Unlock()
		return v, nil
	}
	err := ErrEmpty
	if q.shutdown {
		err = ErrShutdown
	}
	q.mu.Unlock()
	var zero T
	return zero, err
}

// TaskDone marks one item as processed: every successful Put counts one
// unfinished item, and each TaskDone call removes one. When the count drops
// to zero, every Join returns. TaskDone returns ErrTaskDone, and changes
// nothing, if no item is unfinished.
func (q *Queue[T]) TaskDone() error {
	q.lock()
	if q.unfinished <= 0 {
		q.mu.Unlock()
		return ErrTaskDone
	}
	q.unfinished--
	if q.unfinished == 0 {
		q.wakeJoiners()
	}
	q.mu.Unlock()
	return nil
}

// Join blocks until every item ever put has been marked done by TaskDone,
// and returns nil; it returns nil at once if that is already so, even if ctx
// is done. Otherwise it returns ctx.Err() when ctx ends first. An item put
// while Join waits is counted, since Put updates the count in the same
// critical section as it inserts.
func (q *Queue[T]) Join(ctx context.Context) error {
	q.lock()
	if q.unfinished == 0 {
		q.mu.Unlock()
		return nil
	}
	if q.idle == nil {
		q.idle = make(chan struct{})
	}
	idle := q.idle
	q.mu.Unlock()

	select {
	case <-idle:
		return nil
	case <-ctx.Done():
		select {
		case <-idle:
			return nil // both happened: prefer the truthful answer
		default:
			return ctx.Err()
		}
	}
}

// Shutdown shuts the queue down, as Python 3.13's Queue.shutdown does.
// Afterwards Put and TryPut return ErrShutdown, and putters blocked in Put
// return ErrShutdown without inserting. Get and TryGet go on returning the
// items left in the queue, then return ErrShutdown; getters blocked in Get
// return ErrShutdown.
//
// If immediate is true, the queue is first emptied and the unfinished count
// drops by the number of items removed (never below zero), so that Join
// returns if nothing else is unfinished. Calling Shutdown again has no
// further effect, except that a later call with immediate set empties the
// queue again.
func (q *Queue[T]) Shutdown(immediate bool) {
	q.lock()
	defer q.mu.Unlock()
	q.shutdown = true
	if immediate {
		var n int
		if q.kind == priority {
			n = q.heap.reset()
		} else {
			n = q.ring.reset()
		}
		q.unfinished -= min(n, q.unfinished)
		if q.unfinished == 0 {
			q.wakeJoiners()
		}
	}
	// Getters wait only on an empty queue, and nothing can be put from now
	// on, so every one of them is done.
	for w := q.getters.head; w != nil; w = q.getters.head {
		q.getters.remove(w)
		q.settle(w, ErrShutdown)
	}
	for w := q.putters.head; w != nil; w = q.putters.head {
		q.putters.remove(w)
		q.settle(w, ErrShutdown)
	}
}

// All returns an iterator that removes items with Get(ctx) and yields them,
// until the queue is shut down and empty, ctx ends, or the loop stops. It
// removes an item only when it is about to yield it, so breaking out of the
// loop loses nothing. All does not call TaskDone: a loop body that takes
// part in Join calls it. After the loop, ctx.Err() tells whether ctx ended
// it.
func (q *Queue[T]) All(ctx context.Context) iter.Seq[T] {
	return func(yield func(T) bool) {
		for {
			v, err := q.Get(ctx)
			if err != nil || !yield(v) {
				return
			}
		}
	}
}

// Len returns the number of items in the queue.
func (q *Queue[T]) Len() int {
	q.lock()
	n := q.size()
	q.mu.Unlock()
	return n
}

// Cap returns the queue's maxsize, or 0 if it is unbounded.
func (q *Queue[T]) Cap() int {
	return q.maxsize // immutable after construction
}

// Empty reports whether the queue holds no item.
func (q *Queue[T]) Empty() bool {
	return q.Len() == 0
}

// Full reports whether the queue is bounded and holds maxsize items.
// An unbounded queue is never full.
func (q *Queue[T]) Full() bool {
	return q.maxsize > 0 && q.Len() >= q.maxsize
}

// lockSpins is how many times lock retries TryLock before it blocks.
const lockSpins = 64

// lock acquires q.mu, retrying TryLock a bounded number of times before
// blocking in Lock. The queue's critical sections last tens of nanoseconds,
// but sync.Mutex does not spin while other goroutines wait to run on the
// caller's P, which is the usual state of a busy producer/consumer program:
// it parks the goroutine, and once a parked one has waited a millisecond it
// hands the lock over, a goroutine switch per operation. Spinning briefly
// keeps goroutines off that path; with 4 producers and 4 consumers on 2
// CPUs shared with a busy process, it halves the time per item (see
// BenchmarkProdCons). TryLock fails while the mutex hands over, so spinning
// never overtakes a goroutine the mutex has promised the lock to.
func (q *Queue[T]) lock() {
	for range lockSpins {
		if q.mu.TryLock() {
			return
		}
	}
	q.mu.Lock()
}

// size returns the number of items; q.mu must be held.
func (q *Queue[T]) size() int {
	if q.kind == priority {
		return len(q.heap.h)
	}
	return q.ring.n
}

// insert adds v, which the caller has checked there is room for, and
// counts it as unfinished; q.mu must be held.
func (q *Queue[T]) insert(v T) {
	q.unfinished++
	if w := q.getters.head; w != nil {
		// The queue is empty (see Queue.getters), so v is the next item
		// in any order: it goes straight to the longest-waiting getter.
		q.getters.remove(w)
		w.v = v
		q.settle(w, nil)
		return
	}
	q.store(v)
}

// store adds v to the underlying container; q.mu must be held.
func (q *Queue[T]) store(v T) {
	if q.kind == priority {
		q.heap.push(v)
	} else {
		q.ring.push(v, q.maxsize)
	}
}

// remove takes the next item out of the non-empty queue and, if a putter
// was waiting for the slot, moves that putter's item in; q.mu must be held.
func (q *Queue[T]) remove() T {
	var v T
	switch q.kind {
	case fifo:
		v = q.ring.popFront()
	case lifo:
		v = q.ring.popBack()
	default:
		v = q.heap.pop()
	}
	if w := q.putters.head; w != nil {
		q.putters.remove(w)
		q.store(w.v)
		q.unfinished++
		var zero T
		w.v = zero
		q.settle(w, nil)
	} else if q.maxsize == 0 {
		if q.kind == priority {
			q.heap.shrink()
		} else {
			q.ring.shrink()
		}
	}
	return v
}

// wakeJoiners releases every Join; q.mu must be held.
func (q *Queue[T]) wakeJoiners() {
	if q.idle != nil {
		close(q.idle)
		q.idle = nil
	}
}

// settle completes a waiter already taken off its list; q.mu must be held.
// Each waiter is settled at most once and its channel has room for one
// value, so the send never blocks.
func (q *Queue[T]) settle(w *waiter[T], err error) {
	w.err = err
	w.done = true
	w.ch <- struct{}{}
}

// newWaiter returns a waiter with an empty channel, recycled if possible:
// blocking is the common case under load, and a waiter with its channel
// costs two allocations.
func (q *Queue[T]) newWaiter() *waiter[T] {
	if w, ok := q.waiters.Get().(*waiter[T]); ok {
		return w
	}
	return &waiter[T]{ch: make(chan struct{}, 1)}
}

// freeWaiter recycles w, which must be off every list with its channel
// drained. It clears the item so that the pool does not keep it reachable.
func (q *Queue[T]) freeWaiter(w *waiter[T]) {
	var zero T
	w.v, w.err, w.done = zero, nil, false
	q.waiters.Put(w)
}

// A waiter is a goroutine blocked in Get or Put. Everything but ch is
// guarded by the queue's lock while the waiter is on a list; once settled
// and off the list, it belongs to its goroutine alone.
type waiter[T any] struct {
	ch         chan struct{} // receives one value when the waiter is settled
	v          T             // Put: the item to insert; Get: the item handed over
	err        error         // ErrShutdown if Shutdown settled the waiter
	done       bool          // settled: the outcome can no longer change
	prev, next *waiter[T]
}

// waitList is an intrusive doubly linked list of waiters, oldest first, so
// that a cancelled waiter leaves it in O(1).
type waitList[T any] struct {
	head, tail *waiter[T]
}

func (l *waitList[T]) pushBack(w *waiter[T]) {
	w.prev, w.next = l.tail, nil
	if l.tail == nil {
		l.head = w
	} else {
		l.tail.next = w
	}
	l.tail = w
}

func (l *waitList[T]) remove(w *waiter[T]) {
	if w.prev == nil {
		l.head = w.next
	} else {
		w.prev.next = w.next
	}
	if w.next == nil {
		l.tail = w.prev
	} else {
		w.next.prev = w.prev
	}
	w.prev, w.next = nil, nil
}
