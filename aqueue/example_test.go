package aqueue_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/netaio/aio/aqueue"
)

func ExampleNew() {
	ctx := context.Background()
	q := aqueue.New[string](2)
	q.Put(ctx, "first")
	q.Put(ctx, "second")
	fmt.Println(q.Len(), q.Full())
	if err := q.TryPut("third"); err != nil {
		fmt.Println(err)
	}
	for !q.Empty() {
		s, _ := q.Get(ctx)
		fmt.Println(s)
	}
	// Output:
	// 2 true
	// aqueue: queue is full
	// first
	// second
}

func ExampleNewLIFO() {
	ctx := context.Background()
	q := aqueue.NewLIFO[int](0)
	for i := range 3 {
		q.Put(ctx, i)
	}
	for !q.Empty() {
		v, _ := q.Get(ctx)
		fmt.Println(v)
	}
	// Output:
	// 2
	// 1
	// 0
}

// A priority queue takes its order from a function over the items: here
// the lowest priority number first. Jobs of equal priority come out in the
// order they were put, and the names are never compared.
func ExampleNewPriority() {
	type job struct {
		priority int
		name     string
	}
	ctx := context.Background()
	q := aqueue.NewPriority(0, func(a, b job) bool { return a.priority < b.priority })
	q.Put(ctx, job{2, "write report"})
	q.Put(ctx, job{1, "fix outage"})
	q.Put(ctx, job{3, "water plants"})
	q.Put(ctx, job{1, "call back"})
	for !q.Empty() {
		j, _ := q.Get(ctx)
		fmt.Println(j.priority, j.name)
	}
	// Output:
	// 1 fix outage
	// 1 call back
	// 2 write report
	// 3 water plants
}

// The "queue with three workers" example of Python's asyncio documentation:
// workers take sleep durations from a queue, Join waits until every one has
// been processed, then the workers are cancelled and waited for.
func Example_workers() {
	q := aqueue.New[time.Duration](0)

	// Generate timings and put them into the queue.
	var total time.Duration
	for i := range 12 {
		d := time.Duration(1+i%4) * time.Millisecond
		total += d
		q.TryPut(d)
	}

	// Three workers process the queue concurrently until ctx is cancelled.
	ctx, cancel := context.WithCancel(context.Background())
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		slept []time.Duration
	)
	for range 3 {
		wg.Go(func() {
			for {
				d, err := q.Get(ctx)
				if err != nil {
					return // ctx cancelled: the worker is done
				}
				select { // asyncio.sleep(d), cut short by cancellation
				case <-time.After(d):
				case <-ctx.Done():
				}
				mu.Lock()
				slept = append(slept, d)
				mu.Unlock()
				q.TaskDone()
			}
		})
	}

	// Wait until the queue is fully processed, then cancel the workers.
	q.Join(context.Background())
	cancel()
	wg.Wait()

	slices.Sort(slept)
	fmt.Println("====")
	fmt.Println("items processed:", len(slept))
	fmt.Println("durations slept:", slept)
	fmt.Println("total expected sleep time:", total)
	// Output:
	// ====
	// items processed: 12
	// durations slept: [1ms 1ms 1ms 2ms 2ms 2ms 3ms 3ms 3ms 4ms 4ms 4ms]
	// total expected sleep time: 30ms
}

// Shutdown stops producers at once and lets consumers drain what is left:
// a simpler way than cancellation to tell workers that no more work comes.
func ExampleQueue_Shutdown() {
	ctx := context.Background()
	q := aqueue.New[string](0)
	q.Put(ctx, "a")
	q.Put(ctx, "b")
	q.Shutdown(false)

	fmt.Println("Put:", q.Put(ctx, "c"))
	for {
		s, err := q.Get(ctx)
		if err != nil {
			fmt.Println("Get:", err)
			break
		}
		fmt.Println("Get:", s)
	}
	// Output:
	// Put: aqueue: queue is shut down
	// Get: a
	// Get: b
	// Get: aqueue: queue is shut down
}

// With immediate set, Shutdown also drops the items left and marks them
// done, so that a Join waiting on them returns.
func ExampleQueue_Shutdown_immediate() {
	ctx := context.Background()
	q := aqueue.New[int](0)
	q.Put(ctx, 1)
	q.Put(ctx, 2)
	q.Shutdown(true)
	fmt.Println(q.Len(), q.Join(ctx))
	// Output:
	// 0 <nil>
}

// A consumer ranges over the queue until the producer shuts it down and the
// items left have been taken.
func ExampleQueue_All() {
	ctx := context.Background()
	q := aqueue.New[int](2)
	go func() {
		for i := range 5 {
			q.Put(ctx, i*i)
		}
		q.Shutdown(false)
	}()
	for v := range q.All(ctx) {
		fmt.Println(v)
	}
	// Output:
	// 0
	// 1
	// 4
	// 9
	// 16
}

// A Get that gives up at its deadline leaves the queue as it was.
func ExampleQueue_Get_timeout() {
	q := aqueue.New[int](0)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	_, err := q.Get(ctx)
	fmt.Println(err)
	// Output:
	// context deadline exceeded
}

func ExampleQueue_TaskDone() {
	q := aqueue.New[int](0)
	q.TryPut(1)
	v, _ := q.TryGet()
	fmt.Println(v, q.TaskDone(), q.TaskDone())
	// Output:
	// 1 <nil> aqueue: TaskDone called more times than items were put
}
