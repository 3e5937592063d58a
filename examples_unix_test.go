//go:build unix

package aio_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/netaio/aio/aqueue"
	"github.com/netaio/aio/executor"
	"github.com/netaio/aio/proc"
	"github.com/netaio/aio/server"
	"github.com/netaio/aio/signals"
	"github.com/netaio/aio/stream"
)

// A subprocess feeds a pool of workers through a queue. The child's standard
// output is read line by line into a bounded aqueue.Queue, which holds the
// reading back whenever the workers fall behind, and three workers of an
// executor.Pool take the numbers out of it.
func Example_subprocessQueueWorkers() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	// The producer: a child that prints the numbers 1 to 20, one a line.
	p, err := proc.Exec(ctx, "seq", []string{"1", "20"}, proc.Stdout(proc.Pipe))
	if err != nil {
		log.Fatal(err)
	}
	q := aqueue.New[int](4)

	// Read the lines into the queue. At the end of the output, shut the
	// queue down: the workers take what is left, then their loops end.
	reader := executor.Go(ctx, func(ctx context.Context) (int, error) {
		defer q.Shutdown(false)
		n := 0
		for line, err := range p.Stdout.Lines(ctx) {
			if err != nil {
				return n, err
			}
			v, err := strconv.Atoi(strings.TrimSpace(string(line)))
			if err != nil {
				return n, err
			}
			if err := q.Put(ctx, v); err != nil { // waits while the queue is full
				return n, err
			}
			n++
		}
		return n, nil
	})

	// Three workers, each summing the squares of the numbers it takes.
	pool := executor.NewPool(3)
	defer pool.Shutdown(ctx, false)
	var workers []*executor.Future[int]
	for range 3 {
		workers = append(workers, executor.Submit(pool, ctx, func(ctx context.Context) (int, error) {
			sum := 0
			for v := range q.All(ctx) {
				sum += v * v
			}
			return sum, ctx.Err()
		}))
	}

	read, err := reader.Wait(ctx)
	if err != nil {
		log.Fatal(err)
	}
	sums, err := executor.Gather(ctx, workers...)
	if err != nil {
		log.Fatal(err)
	}
	code, err := p.Wait(ctx)
	if err != nil {
		log.Fatal(err)
	}
	total := 0
	for _, s := range sums {
		total += s
	}
	fmt.Println("lines read:", read)
	fmt.Println("sum of squares:", total)
	fmt.Println("return code:", code)
	// Output:
	// lines read: 20
	// sum of squares: 2870
	// return code: 0
}

// A graceful shutdown on SIGTERM. The signal ends the ctx of
// signals.Context; server.Shutdown then stops accepting and waits, up to a
// deadline, for the handlers to finish. A client in the middle of a request
// gets its reply; a client that never leaves is cut off at the deadline.
// (ServeForever(ctx) does all of this in one call, with CloseClients
// telling the handlers to stop.)
func Example_gracefulShutdown() {
	// The first SIGINT or SIGTERM ends ctx, with the signal as its cause.
	ctx, stop := signals.Context(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	working := make(chan struct{}, 1)
	handler := func(ctx context.Context, r *stream.Reader, w *stream.Writer) {
		for line, err := range r.Lines(ctx) {
			if err != nil {
				return
			}
			if string(line) != "slow job\n" {
				w.Write([]byte("ok\n"))
				continue
			}
			working <- struct{}{}
			select { // asyncio.sleep, cut short if the server aborts us
			case <-time.After(20 * time.Millisecond):
			case <-ctx.Done():
				return
			}
			w.Write([]byte("job done\n"))
		}
	}
	srv, err := server.Start(context.Background(), "tcp", "127.0.0.1:0", handler)
	if err != nil {
		log.Fatal(err)
	}
	addr := srv.Addrs()[0].String()

	clientCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	// An idle client: served once, then silent, and never leaving.
	idleR, idleW, err := stream.Open(clientCtx, "tcp", addr)
	if err != nil {
		log.Fatal(err)
	}
	defer idleW.Close()
	idleW.Write([]byte("hello\n"))
	if _, err := idleR.ReadLine(clientCtx); err != nil {
		log.Fatal(err)
	}

	// A busy client, whose request is in progress when the signal comes.
	reply := make(chan string, 1)
	go func() {
		r, w, err := stream.Open(clientCtx, "tcp", addr)
		if err != nil {
			reply <- err.Error()
			return
		}
		defer w.Close()
		w.Write([]byte("slow job\n"))
		line, err := r.ReadLine(clientCtx)
		if err != nil {
			reply <- err.Error()
			return
		}
		reply <- strings.TrimSpace(string(line))
	}()
	<-working

	// What `kill <pid>` or an orchestrator would do.
	if err := syscall.Kill(os.Getpid(), syscall.SIGTERM); err != nil {
		log.Fatal(err)
	}

	<-ctx.Done()
	fmt.Println("shutting down:", context.Cause(ctx))
	grace, cancelGrace := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancelGrace()
	err = srv.Shutdown(grace) // at the deadline, AbortClients
	fmt.Println("busy client got:", <-reply)
	fmt.Println("shutdown:", err)
	_, err = idleR.ReadLine(clientCtx)
	fmt.Println("idle client cut off:", err != nil)
	if err := srv.WaitClosed(clientCtx); err != nil { // every handler has returned
		log.Fatal(err)
	}
	// Output:
	// shutting down: signals: received terminated
	// busy client got: job done
	// shutdown: context deadline exceeded
	// idle client cut off: true
}
