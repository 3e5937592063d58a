package executor_test

import (
	"context"
	"sync"
	"testing"

	"github.com/netaio/aio/executor"
)

// Each benchmark has an impl=baseline sub-benchmark, the hand-written Go a
// user would otherwise write, so that benchstat -col /impl prints the ratio.

func trivial(context.Context) (int, error) { return 1, nil }

// Go + Wait against a bare goroutine reporting on a buffered channel.
// Target: executor no more than 3x the baseline.
func BenchmarkGoWait(b *testing.B) {
	ctx := context.Background()
	b.Run("impl=baseline", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			ch := make(chan int, 1)
			go func() {
				v, _ := trivial(ctx)
				ch <- v
			}()
			<-ch
		}
	})
	b.Run("impl=executor", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := executor.Go(ctx, trivial).Wait(ctx); err != nil {
				b.Fatal(err)
			}
		}
	})
}

const (
	poolWorkers = 8
	poolBatch   = 256 // submissions in flight before the benchmark collects them
)

// Pool.Submit throughput with 8 workers against a hand-written pool: 8
// goroutines ranging over a buffered job channel, each job reporting on
// its own buffered channel (the future of the hand-written version).
// Target: executor at least 0.8x the baseline's throughput.
func BenchmarkPoolSubmit(b *testing.B) {
	ctx := context.Background()
	b.Run("impl=baseline", func(b *testing.B) {
		b.ReportAllocs()
		jobs := make(chan func(), poolBatch)
		var wg sync.WaitGroup
		for range poolWorkers {
			wg.Go(func() {
				for job := range jobs {
					job()
				}
			})
		}
		results := make([]chan int, poolBatch)
		collect := func(n int) {
			for _, ch := range results[:n] {
				<-ch
			}
		}
		i := 0
		for b.Loop() {
			ch := make(chan int, 1)
			results[i] = ch
			jobs <- func() {
				v, _ := trivial(ctx)
				ch <- v
			}
			if i++; i == poolBatch {
				collect(i)
				i = 0
			}
		}
		collect(i)
		close(jobs)
		wg.Wait()
	})
	b.Run("impl=executor", func(b *testing.B) { benchPool(b, trivial) })
	// The same with work that looks at its ctx, which makes the Future
	// create its context.WithCancelCause (see workCtx): the price of
	// per-job cancellation, which the hand-written pool does not offer.
	b.Run("impl=executor-ctxused", func(b *testing.B) {
		benchPool(b, func(ctx context.Context) (int, error) {
			select {
			case <-ctx.Done():
				return 0, ctx.Err()
			default:
				return 1, nil
			}
		})
	})
}

func benchPool(b *testing.B, work func(context.Context) (int, error)) {
	ctx := context.Background()
	b.ReportAllocs()
	p := executor.NewPool(poolWorkers)
	futures := make([]*executor.Future[int], poolBatch)
	collect := func(n int) {
		for _, f := range futures[:n] {
			if _, err := f.Wait(ctx); err != nil {
				b.Fatal(err)
			}
		}
	}
	i := 0
	for b.Loop() {
		futures[i] = executor.Submit(p, ctx, work)
		if i++; i == poolBatch {
			collect(i)
			i = 0
		}
	}
	collect(i)
	if err := p.Shutdown(ctx, false); err != nil {
		b.Fatal(err)
	}
}
