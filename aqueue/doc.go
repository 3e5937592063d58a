// Package aqueue provides Queue, a FIFO, LIFO or priority queue for handing
// work between goroutines, modelled on Python's asyncio.Queue, LifoQueue and
// PriorityQueue, with task_done/join and Python 3.13's shutdown.
//
// If you know asyncio: q.Put(ctx, v) is await q.put(v) and q.Get(ctx) is
// await q.get(); TryPut and TryGet are put_nowait and get_nowait; TaskDone,
// Join and Shutdown are task_done, join and shutdown; Len is qsize and Cap
// is maxsize. Exceptions become error values (QueueEmpty is ErrEmpty,
// QueueFull is ErrFull, QueueShutDown is ErrShutdown, and the ValueError of
// a surplus task_done is ErrTaskDone). Where Python wraps a call in
// asyncio.wait_for or cancels the task, Go passes a context.Context whose
// deadline or cancellation ends the wait. Consumers loop with
// "for v := range q.All(ctx)".
//
// Where aqueue differs from asyncio, and why:
//
//   - A Queue is safe for any number of goroutines at once. asyncio's queue
//     lives on one event loop thread; goroutines run in parallel.
//   - Cancellation loses nothing, and says so exactly: a Put that returns an
//     error did not insert, and a Get that returns an error removed nothing.
//     asyncio gives the same guarantee for its single thread; here the race
//     between a hand-over and a ctx ending is settled under the queue's lock.
//     Blocked getters and putters are served first come, first served.
//   - A priority queue is ordered by a less function, not by comparing whole
//     entries with <. Python's PriorityQueue compares (priority, data) tuples,
//     so equal priorities fall through to comparing the data (a TypeError if
//     it cannot be compared) and come out in no promised order. aqueue never
//     looks at a payload except through less, and equal items come out in
//     the order they were put.
//   - TaskDone returns ErrTaskDone rather than panicking, since calling it
//     once too often is a runtime condition, not a broken program.
//   - The zero Queue is a usable unbounded FIFO queue, as zero values in Go
//     usually are.
//
// Cost: Put and Get that do not block take one uncontended mutex and make no
// allocation; a FIFO or LIFO queue stores items in a ring buffer, a priority
// queue in a binary heap (O(log n) per operation). A goroutine that blocks
// uses a recycled waiter, and an item is handed straight to a blocked getter
// rather than passing through the buffer.
package aqueue
