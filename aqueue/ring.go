package aqueue

// minRing is the smallest backing array a ring allocates, and the size
// below which an unbounded ring stops shrinking.
const minRing = 8

// ring is a growable circular buffer: FIFO queues take from its front, LIFO
// queues from its back. Its zero value is an empty ring with no storage.
type ring[T any] struct {
	buf  []T
	head int // index of the front item, meaningful when n > 0
	n    int // number of items
}

// push appends v at the back, growing the buffer if it is full. limit > 0
// caps the growth so that a bounded queue never allocates past its maxsize.
func (r *ring[T]) push(v T, limit int) {
	if r.n == len(r.buf) {
		c := 2 * len(r.buf)
		if c < minRing {
			c = minRing
		}
		if limit > 0 && c > limit {
			c = limit
		}
		r.resize(c)
	}
	i := r.head + r.n
	if i >= len(r.buf) {
		i -= len(r.buf)
	}
	r.buf[i] = v
	r.n++
}

// popFront removes and returns the front item; the ring must not be empty.
// The vacated slot is zeroed so that the item is not kept reachable.
func (r *ring[T]) popFront() T {
	var zero T
	v := r.buf[r.head]
	r.buf[r.head] = zero
	r.head++
	if r.head == len(r.buf) {
		r.head = 0
	}
	r.n--
	return v
}

// popBack removes and returns the back item; the ring must not be empty.
func (r *ring[T]) popBack() T {
	var zero T
	i := r.head + r.n - 1
	if i >= len(r.buf) {
		i -= len(r.buf)
	}
	v := r.buf[i]
	r.buf[i] = zero
	r.n--
	return v
}

// shrink halves the buffer when at most a quarter of it is used. Only
// unbounded queues call it: a bounded queue's buffer never outgrows its
// maxsize, while an unbounded one would otherwise keep the memory of its
// largest backlog forever. The quarter threshold keeps the cost amortised.
func (r *ring[T]) shrink() {
	if len(r.buf) > minRing && r.n <= len(r.buf)/4 {
		r.resize(len(r.buf) / 2)
	}
}

// resize moves the items, front first, into a new buffer of c >= n slots.
func (r *ring[T]) resize(c int) {
	buf := make([]T, c)
	if r.n > 0 {
		k := copy(buf, r.buf[r.head:min(r.head+r.n, len(r.buf))])
		copy(buf[k:], r.buf[:r.n-k])
	}
	r.buf = buf
	r.head = 0
}

// reset drops every item and returns how many there were.
func (r *ring[T]) reset() int {
	n := r.n
	r.buf, r.head, r.n = nil, 0, 0
	return n
}
