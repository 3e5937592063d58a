package aqueue_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/netaio/aio/aqueue"
)

// The benchmarks measure each queue next to a buffered channel of the same
// capacity, the naive Go equivalent, under the sub-benchmark key impl so that
// "benchstat -col /impl" sets them side by side.

// BenchmarkPutGet: one goroutine, one Put then one Get, on a bounded queue
// (maxsize 1024) that never blocks.
func BenchmarkPutGet(b *testing.B) {
	ctx := context.Background()
	b.Run("impl=chan", func(b *testing.B) {
		ch := make(chan int, 1024)
		b.ReportAllocs()
		for b.Loop() {
			ch <- 1
			<-ch
		}
	})
	queues := []struct {
		name string
		q    *aqueue.Queue[int]
	}{
		{"fifo", aqueue.New[int](1024)},
		{"lifo", aqueue.NewLIFO[int](1024)},
		{"priority", aqueue.NewPriority(1024, func(a, b int) bool { return a < b })},
	}
	for _, tt := range queues {
		b.Run("impl="+tt.name, func(b *testing.B) {
			q := tt.q
			b.ReportAllocs()
			for b.Loop() {
				q.Put(ctx, 1)
				q.Get(ctx)
			}
		})
	}
}

// BenchmarkTryPutTryGet is BenchmarkPutGet with the non-blocking calls,
// against a channel's select-with-default.
func BenchmarkTryPutTryGet(b *testing.B) {
	b.Run("impl=chan", func(b *testing.B) {
		ch := make(chan int, 1024)
		b.ReportAllocs()
		for b.Loop() {
			select {
			case ch <- 1:
			default:
			}
			select {
			case <-ch:
			default:
			}
		}
	})
	b.Run("impl=fifo", func(b *testing.B) {
		q := aqueue.New[int](1024)
		b.ReportAllocs()
		for b.Loop() {
			q.TryPut(1)
			q.TryGet()
		}
	})
}

// BenchmarkProdCons passes b.N items from 4 producers to 4 consumers through
// a bounded queue (maxsize 1024); ns/op is the time per item, so the ratio
// of ns/op is the inverse ratio of throughput.
func BenchmarkProdCons(b *testing.B) {
	const producers, consumers = 4, 4
	ctx := context.Background()
	// share splits n items among k workers.
	share := func(n, k, i int) int { return n/k + btoi(i < n%k) }
	b.Run("impl=chan", func(b *testing.B) {
		ch := make(chan int, 1024)
		b.ReportAllocs()
		b.ResetTimer()
		var prod, cons sync.WaitGroup
		for i := range producers {
			prod.Go(func() {
				for j := range share(b.N, producers, i) {
					ch <- j
				}
			})
		}
		for range consumers {
			cons.Go(func() {
				for range ch {
				}
			})
		}
		prod.Wait()
		close(ch)
		cons.Wait()
	})
	b.Run("impl=fifo", func(b *testing.B) {
		q := aqueue.New[int](1024)
		b.ReportAllocs()
		b.ResetTimer()
		var prod, cons sync.WaitGroup
		for i := range producers {
			prod.Go(func() {
				for j := range share(b.N, producers, i) {
					q.Put(ctx, j)
				}
			})
		}
		for range consumers {
			cons.Go(func() {
				for {
					if _, err := q.Get(ctx); err != nil {
						return
					}
				}
			})
		}
		prod.Wait()
		q.Shutdown(false)
		cons.Wait()
	})
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// BenchmarkPriority holds n items in an unbounded priority queue and does
// one Get and one Put per op, in the "hold" pattern of an event queue: take
// the earliest time t, put back t plus a random delay, so the distribution
// of keys stays the same throughout the run. less/op, the number of
// comparisons, shows the O(log n) cost free of cache effects; ns/op adds the
// cache misses of a heap that outgrows the caches (1e6 items take 16 MB).
func BenchmarkPriority(b *testing.B) {
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(1, 1))
	delays := make([]int, 1<<16)
	for i := range delays {
		delays[i] = rng.IntN(1 << 20)
	}
	for _, n := range []int{1e3, 1e5, 1e6} {
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			calls := 0
			q := aqueue.NewPriority(0, func(a, b int) bool { calls++; return a < b })
			for i := range n {
				q.TryPut(delays[i%len(delays)])
			}
			b.ReportAllocs()
			calls = 0
			i := 0
			for b.Loop() {
				i++
				t, _ := q.Get(ctx)
				q.Put(ctx, t+delays[i%len(delays)])
			}
			b.ReportMetric(float64(calls)/float64(b.N), "less/op")
		})
	}
}
