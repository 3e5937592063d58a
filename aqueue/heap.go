package aqueue

// entry is an item of a priority queue with its insertion number, which
// breaks ties between items that less considers equal.
type entry[T any] struct {
	v   T
	seq uint64
}

// prioHeap is a binary min-heap ordered by less, then by insertion number,
// so equal items leave in the order they came: the order is total even when
// less is only a strict weak order, and payloads are compared by nothing
// but less. push and pop are O(log n).
type prioHeap[T any] struct {
	less func(a, b T) bool
	h    []entry[T]
	seq  uint64 // insertion number of the next push
}

// before reports whether a leaves the heap before b.
func (p *prioHeap[T]) before(a, b *entry[T]) bool {
	if p.less(a.v, b.v) {
		return true
	}
	if p.less(b.v, a.v) {
		return false
	}
	return a.seq < b.seq
}

func (p *prioHeap[T]) push(v T) {
	p.h = append(p.h, entry[T]{v: v, seq: p.seq})
	p.seq++
	// Sift up by moving parents down into the hole, then fill it once.
	h := p.h
	i := len(h) - 1
	e := h[i]
	for i > 0 {
		parent := (i - 1) / 2
		if !p.before(&e, &h[parent]) {
			break
		}
		h[i] = h[parent]
		i = parent
	}
	h[i] = e
}

// pop removes and returns the first item; the heap must not be empty. The
// vacated slot is zeroed so that the item is not kept reachable.
func (p *prioHeap[T]) pop() T {
	h := p.h
	top := h[0].v
	last := len(h) - 1
	e := h[last]
	h[last] = entry[T]{}
	h = h[:last]
	p.h = h
	if last == 0 {
		return top
	}
	// Sift down by moving the smaller child up into the hole.
	i := 0
	for {
		c := 2*i + 1
		if c >= last {
			break
		}
		if r := c + 1; r < last && p.before(&h[r], &h[c]) {
			c = r
		}
		if !p.before(&h[c], &e) {
			break
		}
		h[i] = h[c]
		i = c
	}
	h[i] = e
	return top
}

// shrink reallocates the heap when at most a quarter of its capacity is in
// use; only unbounded queues call it (see ring.shrink).
func (p *prioHeap[T]) shrink() {
	if c := cap(p.h); c > 2*minRing && len(p.h) <= c/4 {
		h := make([]entry[T], len(p.h), c/2)
		copy(h, p.h)
		p.h = h
	}
}

// reset drops every item and returns how many there were.
func (p *prioHeap[T]) reset() int {
	n := len(p.h)
	p.h = nil
	return n
}
