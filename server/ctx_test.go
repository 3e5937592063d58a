package server_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/netaio/aio/server"
	"github.com/netaio/aio/stream"
)

// TestHandlerCtxIsAContext checks the handler's ctx against the contract
// of context.Context and the context package's helpers, before and after
// CloseClients cancels it.
func TestHandlerCtxIsAContext(t *testing.T) {
	type key struct{}
	base := context.WithValue(context.Background(), key{}, "value")
	type checks struct {
		before, after []string
	}
	out := make(chan checks, 1)
	entered := make(chan struct{})
	srv, err := server.Start(base, "tcp", "127.0.0.1:0", func(ctx context.Context, r *stream.Reader, w *stream.Writer) {
		var c checks
		note := func(dst *[]string, format string, args ...any) { *dst = append(*dst, fmt.Sprintf(format, args...)) }
		if _, ok := ctx.Deadline(); ok {
			note(&c.before, "has a deadline")
		}
		if ctx.Err() != nil || context.Cause(ctx) != nil {
			note(&c.before, "Err %v, Cause %v before cancel", ctx.Err(), context.Cause(ctx))
		}
		if ctx.Value(key{}) != "value" {
			note(&c.before, "Value: got %v", ctx.Value(key{}))
		}
		// Children of every kind, several at once, one stopped early.
		child, cancelChild := context.WithCancel(ctx)
		defer cancelChild()
		timed, cancelTimed := context.WithTimeout(ctx, time.Hour)
		defer cancelTimed()
		early, cancelEarly := context.WithCancel(ctx)
		cancelEarly()
		fired := make(chan struct{})
		context.AfterFunc(ctx, func() { close(fired) })
		stopped := make(chan struct{})
		stop := context.AfterFunc(ctx, func() { close(stopped) })
		if !stop() {
			note(&c.before, "AfterFunc's stop before cancel: got false")
		}
		if early.Err() == nil || ctx.Err() != nil {
			note(&c.before, "cancelling a child reached the parent")
		}
		close(entered)

		<-ctx.Done()
		if !errors.Is(ctx.Err(), context.Canceled) || !errors.Is(context.Cause(ctx), context.Canceled) {
			note(&c.after, "Err %v, Cause %v after cancel", ctx.Err(), context.Cause(ctx))
		}
		for name, d := range map[string]<-chan struct{}{"WithCancel": child.Done(), "WithTimeout": timed.Done(), "AfterFunc": fired} {
			select {
			case <-d:
			case <-time.After(5 * time.Second):
				note(&c.after, "%s child not cancelled", name)
			}
		}
		if !errors.Is(timed.Err(), context.Canceled) {
			note(&c.after, "WithTimeout child: Err %v, want Canceled", timed.Err())
		}
		select {
		case <-stopped:
			note(&c.after, "a stopped AfterFunc ran")
		default:
		}
		late := make(chan struct{})
		if context.AfterFunc(ctx, func() { close(late) })() {
			note(&c.after, "AfterFunc registered after cancel: stop got true")
		}
		select {
		case <-late:
		case <-time.After(5 * time.Second):
			note(&c.after, "AfterFunc registered after cancel did not run")
		}
		grandchild, cancelGrandchild := context.WithCancel(ctx)
		if grandchild.Err() == nil {
			note(&c.after, "WithCancel of a cancelled ctx is not cancelled")
		}
		cancelGrandchild()
		out <- c
	})
	if err != nil {
		t.Fatal(err)
	}
	defer finish(t, srv)
	dial(t, srv.Addrs()[0])
	<-entered
	srv.CloseClients()
	select {
	case c := <-out:
		for _, s := range append(c.before, c.after...) {
			t.Error(s)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("handler did not finish")
	}
}

// TestHandlerCtxConcurrentUse: many goroutines of one handler register on
// its ctx while CloseClients cancels it; every registration runs once or
// is stopped, none is lost (run it with -race).
func TestHandlerCtxConcurrentUse(t *testing.T) {
	const n = 200
	results := make(chan int, 1)
	entered := make(chan struct{})
	srv := start(t, "tcp", "127.0.0.1:0", func(ctx context.Context, r *stream.Reader, w *stream.Writer) {
		done := make(chan bool, n)
		close(entered)
		for i := range n {
			go func() {
				ran := make(chan struct{})
				stop := context.AfterFunc(ctx, func() { close(ran) })
				if i%2 == 0 && stop() {
					done <- true // stopped: must never run
					return
				}
				<-ran
				done <- true
			}()
		}
		count := 0
		for range n {
			if <-done {
				count++
			}
		}
		results <- count
	})
	dial(t, srv.Addrs()[0])
	<-entered
	srv.CloseClients()
	select {
	case got := <-results:
		if got != n {
			t.Fatalf("%d of %d registrations accounted for", got, n)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("a registration was lost")
	}
}
