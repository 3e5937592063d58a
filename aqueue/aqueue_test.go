package aqueue_test

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/netaio/aio/aqueue"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// waitLimit bounds every wait in these tests: a broken queue fails the test
// instead of hanging it.
const waitLimit = 10 * time.Second

// item is a payload with a priority key and a unique id, so that a test can
// tell equal-priority items apart.
type item struct{ key, id int }

func byKey(a, b item) bool { return a.key < b.key }

// variant describes one kind of queue and how a sequential model orders it.
type variant struct {
	name string
	make func(maxsize int) *aqueue.Queue[item]
	// next returns the index, in insertion order, of the item Get returns.
	next func(items []item) int
}

var variants = []variant{
	{"FIFO", aqueue.New[item], func([]item) int { return 0 }},
	{"LIFO", aqueue.NewLIFO[item], func(items []item) int { return len(items) - 1 }},
	{"Priority", func(maxsize int) *aqueue.Queue[item] { return aqueue.NewPriority(maxsize, byKey) },
		func(items []item) int {
			best := 0
			for i, it := range items {
				if it.key < items[best].key { // strict: the earliest of equals wins
					best = i
				}
			}
			return best
		}},
}

// await returns the value ch delivers, failing the test if none arrives in
// waitLimit.
func await[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(waitLimit):
		t.Fatalf("%s: nothing after %v", what, waitLimit)
		panic("unreachable")
	}
}

// waitBlocked waits until exactly n goroutines are parked inside the queue
// method named method ("Get", "Put" or "Join"). Goroutine stacks are the only
// outside view of a parked waiter; this polls them, bounded by waitLimit.
func waitBlocked(t *testing.T, method string, n int) {
	t.Helper()
	frame := "aqueue.(*Queue[...])." + method + "("
	buf := make([]byte, 1<<20)
	deadline := time.Now().Add(waitLimit)
	got := -1
	for time.Now().Before(deadline) {
		buf = buf[:runtime.Stack(buf[:cap(buf)], true)]
		got = 0
		for g := range bytes.SplitSeq(buf, []byte("\n\n")) {
			if bytes.Contains(g, []byte("[select")) && bytes.Contains(g, []byte(frame)) {
				got++
			}
		}
		if got == n {
			return
		}
		runtime.Gosched()
	}
	t.Fatalf("goroutines blocked in %s: got %d, want %d", method, got, n)
}

// collect takes every item TryGet returns until it fails.
func collect(q *aqueue.Queue[item]) []item {
	var out []item
	for {
		v, err := q.TryGet()
		if err != nil {
			return out
		}
		out = append(out, v)
	}
}

func TestOrder(t *testing.T) {
	in := []item{{3, 0}, {1, 1}, {2, 2}, {1, 3}, {3, 4}, {0, 5}, {1, 6}, {2, 7}}
	tests := []struct {
		name  string
		make  func(int) *aqueue.Queue[item]
		order []int // ids in the order Get returns them
	}{
		{"FIFO", aqueue.New[item], []int{0, 1, 2, 3, 4, 5, 6, 7}},
		{"LIFO", aqueue.NewLIFO[item], []int{7, 6, 5, 4, 3, 2, 1, 0}},
		// Equal keys leave in the order they were put: 1,3,6 and 2,7 and 0,4.
		{"Priority", func(m int) *aqueue.Queue[item] { return aqueue.NewPriority(m, byKey) }, []int{5, 1, 3, 6, 2, 7, 0, 4}},
	}
	ctx := context.Background()
	for _, tt := range tests {
		for _, maxsize := range []int{0, -1, len(in), 100} {
			t.Run(fmt.Sprintf("%s/maxsize=%d", tt.name, maxsize), func(t *testing.T) {
				q := tt.make(maxsize)
				for _, v := range in {
					if err := q.Put(ctx, v); err != nil {
						t.Fatalf("Put(%v): got %v, want nil", v, err)
					}
				}
				var got []int
				for range in {
					v, err := q.Get(ctx)
					if err != nil {
						t.Fatalf("Get: got %v, want nil", err)
					}
					got = append(got, v.id)
				}
				if !slices.Equal(got, tt.order) {
					t.Errorf("order: got %v, want %v", got, tt.order)
				}
			})
		}
	}
}

// TestPriorityStable checks FIFO order among equal priorities on a large
// random input, with Puts and Gets interleaved so the heap is reshaped often.
func TestPriorityStable(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	q := aqueue.NewPriority(0, byKey)
	next := variants[2].next
	var model []item
	for id := range 20000 {
		if rng.IntN(3) != 0 || len(model) == 0 {
			it := item{rng.IntN(8), id}
			if err := q.TryPut(it); err != nil {
				t.Fatalf("TryPut: got %v, want nil", err)
			}
			model = append(model, it)
			continue
		}
		i := next(model)
		want := model[i]
		model = slices.Delete(model, i, i+1)
		if got, err := q.TryGet(); got != want || err != nil {
			t.Fatalf("TryGet: got %v, %v, want %v, nil", got, err, want)
		}
	}
	for len(model) > 0 {
		i := next(model)
		want := model[i]
		model = slices.Delete(model, i, i+1)
		if got, err := q.TryGet(); got != want || err != nil {
			t.Fatalf("TryGet: got %v, %v, want %v, nil", got, err, want)
		}
	}
}

func TestZeroValue(t *testing.T) {
	var q aqueue.Queue[int]
	ctx := context.Background()
	if got := q.Cap(); got != 0 {
		t.Errorf("Cap: got %v, want 0", got)
	}
	for i := range 100 {
		if err := q.Put(ctx, i); err != nil {
			t.Fatalf("Put: got %v, want nil", err)
		}
	}
	for i := range 100 {
		v, err := q.Get(ctx)
		if v != i || err != nil {
			t.Fatalf("Get: got %v, %v, want %v, nil", v, err, i)
		}
	}
	if _, err := q.TryGet(); err != aqueue.ErrEmpty {
		t.Errorf("TryGet: got %v, want %v", err, aqueue.ErrEmpty)
	}
}

func TestSize(t *testing.T) {
	for _, v := range variants {
		for _, tt := range []struct{ maxsize, cap int }{{-5, 0}, {0, 0}, {1, 1}, {3, 3}} {
			t.Run(fmt.Sprintf("%s/maxsize=%d", v.name, tt.maxsize), func(t *testing.T) {
				q := v.make(tt.maxsize)
				if got := q.Cap(); got != tt.cap {
					t.Errorf("Cap: got %v, want %v", got, tt.cap)
				}
				n := tt.cap
				if n == 0 {
					n = 5
				}
				for i := 0; i <= n; i++ {
					if got := q.Len(); got != i {
						t.Errorf("Len: got %v, want %v", got, i)
					}
					if got := q.Empty(); got != (i == 0) {
						t.Errorf("Empty with %d items: got %v, want %v", i, got, i == 0)
					}
					wantFull := tt.cap > 0 && i == tt.cap
					if got := q.Full(); got != wantFull {
						t.Errorf("Full with %d items: got %v, want %v", i, got, wantFull)
					}
					if i == n {
						break
					}
					if err := q.TryPut(item{0, i}); err != nil {
						t.Fatalf("TryPut: got %v, want nil", err)
					}
				}
			})
		}
	}
}

func TestNewPriorityNilLess(t *testing.T) {
	// No order given: every item is equal, so the queue is FIFO.
	q := aqueue.NewPriority[int](0, nil)
	for _, v := range []int{3, 1, 2} {
		if err := q.TryPut(v); err != nil {
			t.Fatal(err)
		}
	}
	for _, want := range []int{3, 1, 2} {
		if got, err := q.TryGet(); err != nil || got != want {
			t.Fatalf("got (%d, %v), want (%d, nil)", got, err, want)
		}
	}
}

func TestErrors(t *testing.T) {
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	expired, cancel2 := context.WithDeadline(context.Background(), time.Unix(0, 0))
	defer cancel2()
	bg := context.Background()

	full := func() *aqueue.Queue[int] { q := aqueue.New[int](1); q.TryPut(1); return q }
	shut := func() *aqueue.Queue[int] { q := aqueue.New[int](0); q.Shutdown(false); return q }
	getErr := func(_ int, err error) error { return err }

	tests := []struct {
		name string
		op   func() error
		want error
	}{
		{"TryGet on empty", func() error { return getErr(aqueue.New[int](0).TryGet()) }, aqueue.ErrEmpty},
		{"TryPut on full", func() error { return full().TryPut(2) }, aqueue.ErrFull},
		{"TryPut after Shutdown", func() error { return shut().TryPut(1) }, aqueue.ErrShutdown},
		{"TryPut on full after Shutdown", func() error { q := full(); q.Shutdown(false); return q.TryPut(2) }, aqueue.ErrShutdown},
		{"Put after Shutdown", func() error { return shut().Put(bg, 1) }, aqueue.ErrShutdown},
		{"TryGet after Shutdown", func() error { return getErr(shut().TryGet()) }, aqueue.ErrShutdown},
		{"Get after Shutdown", func() error { return getErr(shut().Get(bg)) }, aqueue.ErrShutdown},
		{"TaskDone with nothing put", func() error { return aqueue.New[int](0).TaskDone() }, aqueue.ErrTaskDone},
		{"TaskDone twice for one item", func() error {
			q := full()
			q.TaskDone()
			return q.TaskDone()
		}, aqueue.ErrTaskDone},
		{"Put with cancelled ctx", func() error { return aqueue.New[int](0).Put(cancelled, 1) }, context.Canceled},
		{"Put with expired ctx", func() error { return aqueue.New[int](0).Put(expired, 1) }, context.DeadlineExceeded},
		{"Get with cancelled ctx", func() error { return getErr(full().Get(cancelled)) }, context.Canceled},
		{"Get with expired ctx", func() error { return getErr(full().Get(expired)) }, context.DeadlineExceeded},
		{"Get with cancelled ctx after Shutdown", func() error { return getErr(shut().Get(cancelled)) }, context.Canceled},
		{"Join with cancelled ctx", func() error { return full().Join(cancelled) }, context.Canceled},
		{"Join with nothing unfinished", func() error { return aqueue.New[int](0).Join(cancelled) }, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.op(); got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}

	for _, err := range []error{aqueue.ErrEmpty, aqueue.ErrFull, aqueue.ErrShutdown, aqueue.ErrTaskDone} {
		if !strings.HasPrefix(err.Error(), "aqueue: ") {
			t.Errorf("%q: want prefix %q", err, "aqueue: ")
		}
	}
}

// TestDoneContextChangesNothing: a Put or Get whose ctx is done on entry
// fails even when it could succeed, and leaves the queue as it was.
func TestDoneContextChangesNothing(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for _, v := range variants {
		t.Run(v.name, func(t *testing.T) {
			q := v.make(0)
			q.TryPut(item{1, 1})
			if err := q.Put(ctx, item{0, 2}); err != context.Canceled {
				t.Errorf("Put: got %v, want %v", err, context.Canceled)
			}
			if _, err := q.Get(ctx); err != context.Canceled {
				t.Errorf("Get: got %v, want %v", err, context.Canceled)
			}
			if got := collect(q); !slices.Equal(got, []item{{1, 1}}) {
				t.Errorf("items: got %v, want %v", got, []item{{1, 1}})
			}
		})
	}
}

func TestPutBlocksWhileFull(t *testing.T) {
	for _, v := range variants {
		t.Run(v.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
			defer cancel()
			q := v.make(2)
			q.TryPut(item{1, 1})
			q.TryPut(item{1, 2})
			res := make(chan error, 1)
			go func() { res <- q.Put(ctx, item{1, 3}) }()
			waitBlocked(t, "Put", 1)
			if got := q.Len(); got != 2 {
				t.Errorf("Len while a putter waits: got %v, want 2", got)
			}
			if !q.Full() {
				t.Errorf("Full while a putter waits: got false, want true")
			}
			first, err := q.TryGet()
			if err != nil {
				t.Fatalf("TryGet: got %v, want nil", err)
			}
			if err := await(t, res, "Put"); err != nil {
				t.Errorf("Put: got %v, want nil", err)
			}
			// The freed slot went to the waiting putter at once.
			if got := q.Len(); got != 2 {
				t.Errorf("Len after the putter woke: got %v, want 2", got)
			}
			got := append([]item{first}, collect(q)...)
			want := map[string][]item{
				"FIFO":     {{1, 1}, {1, 2}, {1, 3}},
				"LIFO":     {{1, 2}, {1, 3}, {1, 1}},
				"Priority": {{1, 1}, {1, 2}, {1, 3}},
			}[v.name]
			if !slices.Equal(got, want) {
				t.Errorf("items: got %v, want %v", got, want)
			}
		})
	}
}

func TestGetBlocksWhileEmpty(t *testing.T) {
	for _, v := range variants {
		for _, maxsize := range []int{0, 1} {
			t.Run(fmt.Sprintf("%s/maxsize=%d", v.name, maxsize), func(t *testing.T) {
				ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
				defer cancel()
				q := v.make(maxsize)
				type result struct {
					v   item
					err error
				}
				res := make(chan result, 1)
				go func() {
					v, err := q.Get(ctx)
					res <- result{v, err}
				}()
				waitBlocked(t, "Get", 1)
				if err := q.TryPut(item{7, 7}); err != nil {
					t.Fatalf("TryPut: got %v, want nil", err)
				}
				if got := await(t, res, "Get"); got != (result{item{7, 7}, nil}) {
					t.Errorf("Get: got %v, want %v", got, result{item{7, 7}, nil})
				}
				if got := q.Len(); got != 0 {
					t.Errorf("Len: got %v, want 0", got)
				}
			})
		}
	}
}

// TestWaitersServedInArrivalOrder parks n getters (then n putters) one at a
// time and checks they are served in the order they arrived.
func TestWaitersServedInArrivalOrder(t *testing.T) {
	const n = 8
	for _, v := range variants {
		t.Run(v.name+"/getters", func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
			defer cancel()
			q := v.make(0)
			got := make([]chan item, n)
			for i := range n {
				got[i] = make(chan item, 1)
				go func() {
					v, _ := q.Get(ctx)
					got[i] <- v
				}()
				waitBlocked(t, "Get", i+1)
			}
			for i := range n {
				// Decreasing keys: a getter takes what it is handed, not
				// what the queue would order first.
				q.TryPut(item{n - i, i})
			}
			for i := range n {
				if v := await(t, got[i], "Get"); v.id != i {
					t.Errorf("getter %d: got item %v, want id %d", i, v, i)
				}
			}
		})
		t.Run(v.name+"/putters", func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
			defer cancel()
			q := v.make(1)
			q.TryPut(item{-1, -1})
			var wg sync.WaitGroup
			for i := range n {
				wg.Go(func() {
					if err := q.Put(ctx, item{0, i}); err != nil {
						t.Errorf("Put %d: got %v, want nil", i, err)
					}
				})
				waitBlocked(t, "Put", i+1)
			}
			var ids []int
			for range n + 1 {
				v, err := q.TryGet()
				if err != nil {
					t.Fatalf("TryGet: got %v, want nil", err)
				}
				ids = append(ids, v.id)
			}
			if want := []int{-1, 0, 1, 2, 3, 4, 5, 6, 7}; !slices.Equal(ids, want) {
				t.Errorf("ids: got %v, want %v", ids, want)
			}
			wg.Wait()
		})
	}
}

// TestCancelledGetLeavesQueue: a getter that gave up is off the list, so the
// next item is not handed to it but stays for the next Get.
func TestCancelledGetLeavesQueue(t *testing.T) {
	for _, v := range variants {
		t.Run(v.name, func(t *testing.T) {
			q := v.make(0)
			ctx, cancel := context.WithCancel(context.Background())
			res := make(chan error, 1)
			go func() {
				_, err := q.Get(ctx)
				res <- err
			}()
			waitBlocked(t, "Get", 1)
			cancel()
			if err := await(t, res, "Get"); err != context.Canceled {
				t.Errorf("Get: got %v, want %v", err, context.Canceled)
			}
			q.TryPut(item{1, 1})
			if got, err := q.TryGet(); got != (item{1, 1}) || err != nil {
				t.Errorf("TryGet: got %v, %v, want %v, nil", got, err, item{1, 1})
			}
		})
	}
}

// TestCancelledGetInLine cancels a getter between two others: the ones
// left are still served in order and the item is not lost.
func TestCancelledGetInLine(t *testing.T) {
	q := aqueue.New[int](0)
	timeout, stop := context.WithTimeout(context.Background(), waitLimit)
	defer stop()
	ctxs := make([]context.Context, 3)
	cancels := make([]context.CancelFunc, 3)
	res := make([]chan error, 3)
	vals := make([]int, 3)
	for i := range 3 {
		ctxs[i], cancels[i] = context.WithCancel(timeout)
		defer cancels[i]()
		res[i] = make(chan error, 1)
		go func() {
			var err error
			vals[i], err = q.Get(ctxs[i])
			res[i] <- err
		}()
		waitBlocked(t, "Get", i+1)
	}
	cancels[1]()
	if err := await(t, res[1], "Get 1"); err != context.Canceled {
		t.Errorf("Get 1: got %v, want %v", err, context.Canceled)
	}
	q.TryPut(10)
	q.TryPut(20)
	for i, want := range map[int]int{0: 10, 2: 20} {
		if err := await(t, res[i], "Get"); err != nil || vals[i] != want {
			t.Errorf("Get %d: got %v, %v, want %v, nil", i, vals[i], err, want)
		}
	}
}

// TestCancelledPutNotInserted: a putter that gave up has not inserted, is
// not counted as unfinished, and its item is not pulled in later.
func TestCancelledPutNotInserted(t *testing.T) {
	for _, v := range variants {
		t.Run(v.name, func(t *testing.T) {
			q := v.make(1)
			q.TryPut(item{1, 1})
			ctx, cancel := context.WithCancel(context.Background())
			res := make(chan error, 1)
			go func() { res <- q.Put(ctx, item{0, 2}) }()
			waitBlocked(t, "Put", 1)
			cancel()
			if err := await(t, res, "Put"); err != context.Canceled {
				t.Errorf("Put: got %v, want %v", err, context.Canceled)
			}
			if got := collect(q); !slices.Equal(got, []item{{1, 1}}) {
				t.Errorf("items: got %v, want %v", got, []item{{1, 1}})
			}
			if err := q.TaskDone(); err != nil {
				t.Errorf("TaskDone: got %v, want nil", err)
			}
			if err := q.TaskDone(); err != aqueue.ErrTaskDone {
				t.Errorf("second TaskDone: got %v, want %v", err, aqueue.ErrTaskDone)
			}
		})
	}
}

func TestPutGetDeadline(t *testing.T) {
	q := aqueue.New[int](1)
	ctx, cancel := context.WithTimeout(context.Background(), time.Millisecond)
	defer cancel()
	if _, err := q.Get(ctx); err != context.DeadlineExceeded {
		t.Errorf("Get: got %v, want %v", err, context.DeadlineExceeded)
	}
	q.TryPut(1)
	ctx, cancel = context.WithTimeout(context.Background(), time.Millisecond)
	defer cancel()
	if err := q.Put(ctx, 2); err != context.DeadlineExceeded {
		t.Errorf("Put: got %v, want %v", err, context.DeadlineExceeded)
	}
	if got := q.Len(); got != 1 {
		t.Errorf("Len: got %v, want 1", got)
	}
}

func TestJoin(t *testing.T) {
	for _, v := range variants {
		t.Run(v.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
			defer cancel()
			q := v.make(0)
			if err := q.Join(ctx); err != nil {
				t.Fatalf("Join on a fresh queue: got %v, want nil", err)
			}
			for i := range 3 {
				q.TryPut(item{i, i})
			}
			// Join waits for TaskDone, not for Get.
			collect(q)
			short, cancelShort := context.WithTimeout(ctx, time.Millisecond)
			defer cancelShort()
			if err := q.Join(short); err != context.DeadlineExceeded {
				t.Errorf("Join with items gotten but not done: got %v, want %v", err, context.DeadlineExceeded)
			}
			res := make(chan error, 2)
			go func() { res <- q.Join(ctx) }()
			go func() { res <- q.Join(ctx) }()
			waitBlocked(t, "Join", 2)
			q.TaskDone()
			q.TaskDone()
			// An item put while Join waits is counted before Join can see
			// the count drop.
			q.TryPut(item{9, 9})
			q.TaskDone()
			select {
			case err := <-res:
				t.Fatalf("Join returned %v with an item unfinished", err)
			default:
			}
			waitBlocked(t, "Join", 2)
			q.TaskDone()
			for range 2 {
				if err := await(t, res, "Join"); err != nil {
					t.Errorf("Join: got %v, want nil", err)
				}
			}
			if err := q.TaskDone(); err != aqueue.ErrTaskDone {
				t.Errorf("surplus TaskDone: got %v, want %v", err, aqueue.ErrTaskDone)
			}
			// The count starts again from zero.
			q.TryPut(item{1, 1})
			go func() { res <- q.Join(ctx) }()
			waitBlocked(t, "Join", 1)
			q.TaskDone()
			if err := await(t, res, "Join"); err != nil {
				t.Errorf("second Join: got %v, want nil", err)
			}
		})
	}
}

func TestShutdown(t *testing.T) {
	for _, v := range variants {
		for _, immediate := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/immediate=%v", v.name, immediate), func(t *testing.T) {
				ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
				defer cancel()
				q := v.make(2)
				q.TryPut(item{2, 1})
				q.TryPut(item{1, 2})
				q.TaskDone() // 1 of 2 items done: Join waits for one more
				putRes := make(chan error, 1)
				go func() { putRes <- q.Put(ctx, item{0, 3}) }()
				waitBlocked(t, "Put", 1)
				joinRes := make(chan error, 1)
				go func() { joinRes <- q.Join(ctx) }()
				waitBlocked(t, "Join", 1)

				q.Shutdown(immediate)
				if err := await(t, putRes, "Put"); err != aqueue.ErrShutdown {
					t.Errorf("blocked Put: got %v, want %v", err, aqueue.ErrShutdown)
				}
				if err := q.TryPut(item{0, 4}); err != aqueue.ErrShutdown {
					t.Errorf("TryPut: got %v, want %v", err, aqueue.ErrShutdown)
				}
				if immediate {
					// Both items removed, the unfinished count of 1 clamps to 0.
					if err := await(t, joinRes, "Join"); err != nil {
						t.Errorf("Join: got %v, want nil", err)
					}
					if got := q.Len(); got != 0 {
						t.Errorf("Len: got %v, want 0", got)
					}
					if err := q.TaskDone(); err != aqueue.ErrTaskDone {
						t.Errorf("TaskDone: got %v, want %v", err, aqueue.ErrTaskDone)
					}
				} else {
					// The items stay gettable and Join still waits for them.
					got := []item{}
					for range 2 {
						v, err := q.Get(ctx)
						if err != nil {
							t.Fatalf("Get: got %v, want nil", err)
						}
						got = append(got, v)
					}
					want := map[string][]item{
						"FIFO":     {{2, 1}, {1, 2}},
						"LIFO":     {{1, 2}, {2, 1}},
						"Priority": {{1, 2}, {2, 1}},
					}[v.name]
					if !slices.Equal(got, want) {
						t.Errorf("items after Shutdown: got %v, want %v", got, want)
					}
					select {
					case err := <-joinRes:
						t.Fatalf("Join returned %v with an item unfinished", err)
					default:
					}
					q.TaskDone()
					if err := await(t, joinRes, "Join"); err != nil {
						t.Errorf("Join: got %v, want nil", err)
					}
				}
				if _, err := q.Get(ctx); err != aqueue.ErrShutdown {
					t.Errorf("Get on empty: got %v, want %v", err, aqueue.ErrShutdown)
				}
				if _, err := q.TryGet(); err != aqueue.ErrShutdown {
					t.Errorf("TryGet on empty: got %v, want %v", err, aqueue.ErrShutdown)
				}
				q.Shutdown(immediate) // idempotent
				if err := q.TryPut(item{0, 5}); err != aqueue.ErrShutdown {
					t.Errorf("TryPut after second Shutdown: got %v, want %v", err, aqueue.ErrShutdown)
				}
			})
		}
	}
}

func TestShutdownWakesGetters(t *testing.T) {
	for _, immediate := range []bool{false, true} {
		t.Run(fmt.Sprintf("immediate=%v", immediate), func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
			defer cancel()
			q := aqueue.New[int](0)
			res := make(chan error, 3)
			for i := range 3 {
				go func() {
					_, err := q.Get(ctx)
					res <- err
				}()
				waitBlocked(t, "Get", i+1)
			}
			q.Shutdown(immediate)
			for range 3 {
				if err := await(t, res, "Get"); err != aqueue.ErrShutdown {
					t.Errorf("Get: got %v, want %v", err, aqueue.ErrShutdown)
				}
			}
		})
	}
}

// TestShutdownImmediateClamps: items marked done before they were gotten do
// not push the unfinished count below zero when Shutdown removes them.
func TestShutdownImmediateClamps(t *testing.T) {
	q := aqueue.New[int](0)
	q.TryPut(1)
	q.TryPut(2)
	q.TaskDone()
	q.TaskDone()
	q.Shutdown(true)
	if err := q.TaskDone(); err != aqueue.ErrTaskDone {
		t.Errorf("TaskDone: got %v, want %v", err, aqueue.ErrTaskDone)
	}
	if err := q.Join(context.Background()); err != nil {
		t.Errorf("Join: got %v, want nil", err)
	}
	// A later immediate Shutdown empties the queue again; a plain one does not.
	q2 := aqueue.New[int](0)
	q2.TryPut(1)
	q2.Shutdown(false)
	q2.Shutdown(false)
	if got := q2.Len(); got != 1 {
		t.Errorf("Len after Shutdown(false) twice: got %v, want 1", got)
	}
	q2.Shutdown(true)
	if got := q2.Len(); got != 0 {
		t.Errorf("Len after Shutdown(true): got %v, want 0", got)
	}
}

func TestAll(t *testing.T) {
	t.Run("until shutdown and empty", func(t *testing.T) {
		q := aqueue.New[int](0)
		for i := range 5 {
			q.TryPut(i)
		}
		q.Shutdown(false)
		var got []int
		for v := range q.All(context.Background()) {
			got = append(got, v)
		}
		if want := []int{0, 1, 2, 3, 4}; !slices.Equal(got, want) {
			t.Errorf("got %v, want %v", got, want)
		}
	})
	t.Run("break loses nothing", func(t *testing.T) {
		q := aqueue.New[int](0)
		for i := range 5 {
			q.TryPut(i)
		}
		for v := range q.All(context.Background()) {
			if v == 1 {
				break
			}
		}
		if got := q.Len(); got != 3 {
			t.Errorf("Len: got %v, want 3", got)
		}
	})
	t.Run("ctx ends", func(t *testing.T) {
		q := aqueue.New[int](0)
		q.TryPut(1)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		var got []int
		for v := range q.All(ctx) {
			got = append(got, v)
			cancel() // the loop then blocks on the empty queue and sees ctx's end
		}
		if !slices.Equal(got, []int{1}) || ctx.Err() != context.Canceled {
			t.Errorf("got %v, %v, want [1], %v", got, ctx.Err(), context.Canceled)
		}
	})
	t.Run("blocked, then shutdown", func(t *testing.T) {
		q := aqueue.New[int](0)
		done := make(chan []int, 1)
		go func() {
			var got []int
			for v := range q.All(context.Background()) {
				got = append(got, v)
			}
			done <- got
		}()
		q.TryPut(1)
		q.TryPut(2)
		waitBlocked(t, "Get", 1)
		q.Shutdown(false)
		if got := await(t, done, "All"); !slices.Equal(got, []int{1, 2}) {
			t.Errorf("got %v, want [1 2]", got)
		}
	})
}

// TestRemovedItemsUnreachable checks that the queue keeps no reference to
// an item once it is gotten or dropped by Shutdown(true): each item carries
// a cleanup, and every cleanup must run.
func TestRemovedItemsUnreachable(t *testing.T) {
	type payload struct {
		key int
		_   [64]byte
	}
	less := func(a, b *payload) bool { return a.key < b.key }
	kinds := map[string]func(int) *aqueue.Queue[*payload]{
		"FIFO":     aqueue.New[*payload],
		"LIFO":     aqueue.NewLIFO[*payload],
		"Priority": func(m int) *aqueue.Queue[*payload] { return aqueue.NewPriority(m, less) },
	}
	const n = 20
	for name, mk := range kinds {
		for _, how := range []string{"Get", "Shutdown", "handed to a getter"} {
			t.Run(name+"/"+how, func(t *testing.T) {
				var cleaned atomic.Int32
				q := mk(n)
				put := func(i int) {
					p := &payload{key: i}
					runtime.AddCleanup(p, func(struct{}) { cleaned.Add(1) }, struct{}{})
					if err := q.TryPut(p); err != nil {
						t.Fatal(err)
					}
				}
				switch how {
				case "Get":
					for i := range n {
						put(i)
					}
					for range n / 2 { // half the slots used twice
						q.TryGet()
					}
					for i := range n / 2 {
						put(i)
					}
					for range n {
						q.TryGet()
					}
				case "Shutdown":
					for i := range n {
						put(i)
					}
					q.Shutdown(true)
				case "handed to a getter":
					ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
					defer cancel()
					for i := range n {
						res := make(chan error, 1)
						go func() {
							_, err := q.Get(ctx)
							res <- err
						}()
						waitBlocked(t, "Get", 1)
						put(i)
						if err := await(t, res, "Get"); err != nil {
							t.Fatal(err)
						}
					}
				}
				want := int32(n)
				if how == "Get" {
					want = n + n/2
				}
				deadline := time.Now().Add(waitLimit)
				for cleaned.Load() < want && time.Now().Before(deadline) {
					runtime.GC()
					runtime.Gosched()
				}
				if got := cleaned.Load(); got != want {
					t.Errorf("items freed: got %v, want %v", got, want)
				}
				runtime.KeepAlive(q)
			})
		}
	}
}

// TestNoAllocs: Put and Get that do not block allocate nothing once the
// buffer has grown.
func TestNoAllocs(t *testing.T) {
	ctx := context.Background()
	for _, v := range variants {
		for _, maxsize := range []int{0, 1024} {
			t.Run(fmt.Sprintf("%s/maxsize=%d", v.name, maxsize), func(t *testing.T) {
				q := v.make(maxsize)
				for i := range 100 {
					q.TryPut(item{i % 7, i})
				}
				i := 100
				allocs := testing.AllocsPerRun(1000, func() {
					i++
					q.Put(ctx, item{i % 7, i})
					q.Get(ctx)
					q.TryPut(item{i % 5, i})
					q.TryGet()
				})
				if allocs != 0 {
					t.Errorf("allocs per Put+Get+TryPut+TryGet: got %v, want 0", allocs)
				}
			})
		}
	}
}

// TestModel runs random sequences of every operation against a simple
// sequential model of the queue, checking every result and, after every
// step, Len, Empty and Full.
func TestModel(t *testing.T) {
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	bg := context.Background()
	steps := 3000
	if testing.Short() {
		steps = 500
	}
	for _, v := range variants {
		for _, maxsize := range []int{0, 1, 3, 8} {
			for seed := range uint64(4) {
				t.Run(fmt.Sprintf("%s/maxsize=%d/seed=%d", v.name, maxsize, seed), func(t *testing.T) {
					rng := rand.New(rand.NewPCG(seed, uint64(maxsize)))
					q := v.make(maxsize)
					var (
						items      []item // the model: contents in insertion order
						unfinished int
						shutdown   bool
						nextID     int
						log        []string // the operations so far, for a failure report
					)
					full := func() bool { return maxsize > 0 && len(items) >= maxsize }
					fail := func(format string, args ...any) {
						t.Helper()
						t.Fatalf("after %s: %s", strings.Join(log, ", "), fmt.Sprintf(format, args...))
					}
					wantPut := func() error {
						switch {
						case shutdown:
							return aqueue.ErrShutdown
						case full():
							return aqueue.ErrFull
						}
						return nil
					}
					wantGet := func() (item, error) {
						if len(items) == 0 {
							if shutdown {
								return item{}, aqueue.ErrShutdown
							}
							return item{}, aqueue.ErrEmpty
						}
						i := v.next(items)
						return items[i], nil
					}
					doPut := func(it item) { items = append(items, it); unfinished++ }
					doGet := func() { items = slices.Delete(items, v.next(items), v.next(items)+1) }

					for range steps {
						it := item{rng.IntN(4), nextID}
						nextID++
						switch op := rng.IntN(100); {
						case op < 25: // TryPut
							log = append(log, fmt.Sprintf("TryPut(%v)", it))
							want := wantPut()
							if got := q.TryPut(it); got != want {
								fail("TryPut: got %v, want %v", got, want)
							}
							if want == nil {
								doPut(it)
							}
						case op < 35: // Put that the model says will not block
							if !shutdown && full() {
								continue
							}
							log = append(log, fmt.Sprintf("Put(%v)", it))
							want := wantPut()
							if got := q.Put(bg, it); got != want {
								fail("Put: got %v, want %v", got, want)
							}
							if want == nil {
								doPut(it)
							}
						case op < 38: // Put with a done ctx
							log = append(log, "Put(cancelled)")
							if got := q.Put(cancelled, it); got != context.Canceled {
								fail("Put(cancelled): got %v, want %v", got, context.Canceled)
							}
						case op < 39: // Put that blocks until its deadline
							if shutdown || !full() {
								continue
							}
							log = append(log, "Put(deadline)")
							ctx, cancel := context.WithTimeout(bg, 100*time.Microsecond)
							got := q.Put(ctx, it)
							cancel()
							if got != context.DeadlineExceeded {
								fail("Put(deadline): got %v, want %v", got, context.DeadlineExceeded)
							}
						case op < 60: // TryGet
							log = append(log, "TryGet")
							want, wantErr := wantGet()
							got, err := q.TryGet()
							if got != want || err != wantErr {
								fail("TryGet: got %v, %v, want %v, %v", got, err, want, wantErr)
							}
							if wantErr == nil {
								doGet()
							}
						case op < 70: // Get that the model says will not block
							if !shutdown && len(items) == 0 {
								continue
							}
							log = append(log, "Get")
							want, wantErr := wantGet()
							got, err := q.Get(bg)
							if got != want || err != wantErr {
								fail("Get: got %v, %v, want %v, %v", got, err, want, wantErr)
							}
							if wantErr == nil {
								doGet()
							}
						case op < 73: // Get with a done ctx
							log = append(log, "Get(cancelled)")
							if _, err := q.Get(cancelled); err != context.Canceled {
								fail("Get(cancelled): got %v, want %v", err, context.Canceled)
							}
						case op < 74: // Get that blocks until its deadline
							if shutdown || len(items) > 0 {
								continue
							}
							log = append(log, "Get(deadline)")
							ctx, cancel := context.WithTimeout(bg, 100*time.Microsecond)
							_, err := q.Get(ctx)
							cancel()
							if err != context.DeadlineExceeded {
								fail("Get(deadline): got %v, want %v", err, context.DeadlineExceeded)
							}
						case op < 90: // TaskDone
							log = append(log, "TaskDone")
							var want error
							if unfinished == 0 {
								want = aqueue.ErrTaskDone
							} else {
								unfinished--
							}
							if got := q.TaskDone(); got != want {
								fail("TaskDone: got %v, want %v", got, want)
							}
						case op < 97: // Join with a done ctx: nil iff nothing is unfinished
							log = append(log, "Join(cancelled)")
							var want error
							if unfinished > 0 {
								want = context.Canceled
							}
							if got := q.Join(cancelled); got != want {
								fail("Join(cancelled): got %v, want %v", got, want)
							}
						default: // Shutdown, rarely, so that runs see both states
							if rng.IntN(8) != 0 {
								continue
							}
							immediate := rng.IntN(2) == 0
							log = append(log, fmt.Sprintf("Shutdown(%v)", immediate))
							q.Shutdown(immediate)
							shutdown = true
							if immediate {
								unfinished -= min(len(items), unfinished)
								items = nil
							}
						}
						if got := q.Len(); got != len(items) {
							fail("Len: got %v, want %v", got, len(items))
						}
						if got := q.Empty(); got != (len(items) == 0) {
							fail("Empty: got %v, want %v", got, len(items) == 0)
						}
						if got := q.Full(); got != full() {
							fail("Full: got %v, want %v", got, full())
						}
					}
				})
			}
		}
	}
}

// stormItems is how many distinct items TestCancellationStorm passes through
// a FIFO queue. It is the full 1,000,000 under -race too, where the storm
// takes 12 to 20 seconds on 2 CPUs, inside the package's one-minute budget.
const stormItems = 1_000_000

// TestCancellationStorm: 8 producers and 8 consumers pass stormItems
// distinct items through a small queue while a third of the Puts and Gets
// run with a ctx that ends at a random moment: before the call, while it
// waits, or in the instant it is served. A Put that fails is retried. Every
// item must be received exactly once, and Join must return.
func TestCancellationStorm(t *testing.T) {
	for _, v := range variants {
		n := stormItems
		if v.name != "FIFO" {
			n /= 10 // the ordering differs, not the hand-over: a shorter run suffices
		}
		t.Run(v.name, func(t *testing.T) {
			storm(t, v.make(4), n)
		})
	}
}

// stormStats counts how the cancellable operations of a storm ended.
type stormStats struct {
	early  atomic.Int64 // ctx was over before the call: error, nothing done
	during atomic.Int64 // ctx ended while the call waited: error, nothing done
	late   atomic.Int64 // ctx ended during the call, yet it was served: no error
	inTime atomic.Int64 // served before ctx ended
}

func (s *stormStats) String() string {
	return fmt.Sprintf("ended before the call %d, during it %d, as it was served %d; served in time %d",
		s.early.Load(), s.during.Load(), s.late.Load(), s.inTime.Load())
}

func storm(t *testing.T, q *aqueue.Queue[item], n int) {
	const workers = 8
	deadline, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	var puts, gets stormStats
	// op runs call, one time in three under a ctx that ends at a random
	// moment within 10µs: a blocked call here waits a few microseconds, so
	// the ends fall before, during and after calls alike. It reports
	// whether call succeeded.
	op := func(rng *rand.Rand, st *stormStats, call func(context.Context) error) bool {
		if rng.IntN(3) != 0 {
			return call(deadline) == nil
		}
		ctx, cancel := context.WithTimeout(deadline, time.Duration(rng.IntN(10_000)))
		defer cancel()
		before := ctx.Err() != nil
		err := call(ctx)
		after := ctx.Err() != nil
		switch {
		case err != nil && before:
			st.early.Add(1)
		case err != nil:
			st.during.Add(1)
		case after:
			st.late.Add(1)
		default:
			st.inTime.Add(1)
		}
		return err == nil
	}
	var (
		seen                 = make([]atomic.Int32, n)
		producers, consumers sync.WaitGroup
	)
	for p := range workers {
		producers.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(p), 1))
			for id := p; id < n; id += workers {
				it := item{rng.IntN(16), id}
				for !op(rng, &puts, func(ctx context.Context) error {
					err := q.Put(ctx, it)
					if err != nil && err != ctx.Err() {
						t.Errorf("Put: got %v, want nil or ctx's error %v", err, ctx.Err())
						return nil
					}
					return err
				}) {
				}
			}
		})
	}
	for c := range workers {
		consumers.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(c), 2))
			var shut bool
			for !shut {
				op(rng, &gets, func(ctx context.Context) error {
					v, err := q.Get(ctx)
					switch {
					case err == nil:
						seen[v.id].Add(1)
						if err := q.TaskDone(); err != nil {
							t.Errorf("TaskDone: got %v, want nil", err)
						}
					case err == aqueue.ErrShutdown:
						shut = true
					case err != ctx.Err():
						t.Errorf("Get: got %v, want nil, %v or ctx's error %v", err, aqueue.ErrShutdown, ctx.Err())
						shut = true
					}
					return err
				})
			}
		})
	}
	producers.Wait()
	// Every item is in by now and only the last few are in flight: Join
	// returns at once unless an item was lost.
	joinCtx, cancelJoin := context.WithTimeout(deadline, waitLimit)
	defer cancelJoin()
	if err := q.Join(joinCtx); err != nil {
		t.Errorf("Join: got %v, want nil", err)
	}
	q.Shutdown(false)
	consumers.Wait()

	var missing, dup int
	for id := range seen {
		switch seen[id].Load() {
		case 0:
			missing++
		case 1:
		default:
			dup++
		}
	}
	if missing != 0 || dup != 0 {
		t.Errorf("of %d items: %d never received, %d received more than once", n, missing, dup)
	}
	t.Logf("%d items\nPuts: %v\nGets: %v", n, &puts, &gets)
	if puts.during.Load() == 0 || gets.during.Load() == 0 {
		t.Errorf("no Put or no Get was cancelled while waiting: the storm tested nothing")
	}
}
