package ctxio_test

import (
	"context"
	"errors"
	"io"
	"net"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/netaio/aio/internal/ctxio"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// tcpPair returns both ends of a loopback TCP connection.
func tcpPair(t *testing.T) (client, server net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			accepted <- nil
			return
		}
		accepted <- c
	}()
	client, err = net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	server = <-accepted
	if server == nil {
		t.Fatal("accept failed")
	}
	t.Cleanup(func() { client.Close(); server.Close() })
	return client, server
}

// waitParked returns once some goroutine is parked in the netpoller, i.e. a
// read or write is blocked on its file descriptor. It polls the goroutine
// dump (a condition, not a guess at timing) and fails after 5s.
func waitParked(t *testing.T) {
	t.Helper()
	buf := make([]byte, 1<<20)
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		n := runtime.Stack(buf, true)
		if strings.Contains(string(buf[:n]), "internal/poll.runtime_pollWait") {
			return
		}
		runtime.Gosched()
	}
	t.Fatal("no goroutine parked in the netpoller within 5s")
}

func guardedRead(ctx context.Context, g *ctxio.Guard, r io.Reader, p []byte) (int, error) {
	if err := g.Begin(ctx); err != nil {
		return 0, err
	}
	n, err := r.Read(p)
	return n, g.End(ctx, err)
}

func TestReadCancelledPromptlyAndNothingLost(t *testing.T) {
	sources := map[string]func(t *testing.T) (io.Reader, io.Writer){
		"tcp": func(t *testing.T) (io.Reader, io.Writer) {
			c, s := tcpPair(t)
			return c, s
		},
		"pipe": func(t *testing.T) (io.Reader, io.Writer) {
			r, w, err := os.Pipe()
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { r.Close(); w.Close() })
			return r, w
		},
	}
	for name, mk := range sources {
		t.Run(name, func(t *testing.T) {
			r, w := mk(t)
			g := ctxio.ForRead(r, false)
			if !g.CanInterrupt() {
				t.Fatalf("CanInterrupt() = false for %T", r)
			}
			ctx, cancel := context.WithCancel(context.Background())
			type result struct {
				n   int
				err error
				at  time.Time
			}
			done := make(chan result, 1)
			go func() {
				n, err := guardedRead(ctx, g, r, make([]byte, 16))
				done <- result{n, err, time.Now()}
			}()
			// Cancel only once the read is parked on the silent peer, so the
			// time measured is the wake-up of a blocked read.
			waitParked(t)
			cancelled := time.Now()
			cancel()
			var res result
			select {
			case res = <-done:
			case <-time.After(5 * time.Second):
				t.Fatal("read not woken by cancel within 5s")
			}
			if !errors.Is(res.err, context.Canceled) || res.n != 0 {
				t.Fatalf("got (%d, %v), want (0, context.Canceled)", res.n, res.err)
			}
			if d := res.at.Sub(cancelled); d > 50*time.Millisecond {
				t.Errorf("read returned %v after cancel, want <= 50ms", d)
			}
			// The next read, under a live ctx, gets the byte sent after the
			// cancellation: the deadline was cleared and nothing was eaten.
			if _, err := w.Write([]byte("x")); err != nil {
				t.Fatal(err)
			}
			ctx2, cancel2 := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel2()
			buf := make([]byte, 16)
			n, err := guardedRead(ctx2, g, r, buf)
			if err != nil || string(buf[:n]) != "x" {
				t.Fatalf("next read got (%q, %v), want (\"x\", nil)", buf[:n], err)
			}
		})
	}
}

func TestReadBlockedThenCancelled(t *testing.T) {
	c, s := tcpPair(t)
	g := ctxio.ForRead(c, false)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	started := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		if err := g.Begin(ctx); err != nil {
			done <- err
			return
		}
		close(started)
		_, err := c.Read(make([]byte, 1))
		done <- g.End(ctx, err)
	}()
	<-started
	waitParked(t)
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("got %v, want context.Canceled", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("read not woken within 5s")
	}
	// Bytes written before the next read are all delivered.
	if _, err := s.Write([]byte("abc")); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 3)
	if err := g.Begin(context.Background()); err != nil {
		t.Fatal(err)
	}
	_, err := io.ReadFull(c, buf)
	if err = g.End(context.Background(), err); err != nil || string(buf) != "abc" {
		t.Fatalf("got (%q, %v), want (\"abc\", nil)", buf, err)
	}
}

func TestResultKeptWhenCancelRacesCompletion(t *testing.T) {
	// Data is already there, so the read completes; cancel races with it.
	// Whichever wins, a successful read keeps its bytes.
	c, s := tcpPair(t)
	g := ctxio.ForRead(c, false)
	var got []byte
	for i := 0; i < 200; i++ {
		if _, err := s.Write([]byte{byte(i)}); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		go cancel()
		buf := make([]byte, 1)
		for {
			n, err := guardedRead(ctx, g, c, buf)
			if n == 1 {
				if err != nil {
					t.Fatalf("read returned a byte and error %v", err)
				}
				got = append(got, buf[0])
				break
			}
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("got %v, want nil or context.Canceled", err)
			}
			ctx = context.Background() // retry without cancellation
		}
		cancel()
	}
	for i, b := range got {
		if b != byte(i) {
			t.Fatalf("byte %d = %d, want %d", i, b, i)
		}
	}
}

func TestEndedContextDoesNotStartCall(t *testing.T) {
	c, _ := tcpPair(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for _, g := range []*ctxio.Guard{ctxio.ForRead(c, false), ctxio.ForWrite(c, false), ctxio.ForRead(struct{}{}, false)} {
		if err := g.Begin(ctx); !errors.Is(err, context.Canceled) {
			t.Errorf("Begin on ended ctx = %v, want context.Canceled", err)
		}
	}
}

func TestZeroGuardPassesErrorsThrough(t *testing.T) {
	g := ctxio.ForRead(struct{}{}, false)
	if g.CanInterrupt() {
		t.Fatal("CanInterrupt() = true for a value without deadlines")
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if err := g.Begin(ctx); err != nil {
		t.Fatal(err)
	}
	if err := g.End(ctx, io.EOF); err != io.EOF {
		t.Fatalf("End = %v, want io.EOF", err)
	}
}

func TestWriteCancelled(t *testing.T) {
	c, _ := tcpPair(t) // the peer never reads
	g := ctxio.ForWrite(c, false)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		if err := g.Begin(ctx); err != nil {
			done <- err
			return
		}
		chunk := make([]byte, 1<<20)
		var err error
		for i := 0; i < 1<<12 && err == nil; i++ { // bounded: 4 GiB never fits a socket buffer
			_, err = c.Write(chunk)
		}
		done <- g.End(ctx, err)
	}()
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("got %v, want context.Canceled", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("write not woken within 5s")
	}
}

func TestKeptRegistration(t *testing.T) {
	c, s := tcpPair(t)
	g := ctxio.ForRead(c, true)
	defer g.Release()
	ctx, cancel := context.WithCancel(context.Background())
	buf := make([]byte, 1)
	x := []byte("x")
	// Reads under one ctx reuse the registration: no allocation per call.
	allocs := testing.AllocsPerRun(100, func() {
		if _, err := s.Write(x); err != nil {
			t.Fatal(err)
		}
		if _, err := guardedRead(ctx, g, c, buf); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("%v allocs per guarded read under one ctx, want 0", allocs)
	}
	// ctx ends between calls: the next call under it fails at once ...
	cancel()
	if _, err := guardedRead(ctx, g, c, buf); !errors.Is(err, context.Canceled) {
		t.Fatalf("read under the ended ctx: %v, want context.Canceled", err)
	}
	// ... and a call under another ctx, or none, is not hit by the stale
	// deadline the ended ctx set.
	if _, err := s.Write([]byte("yz")); err != nil {
		t.Fatal(err)
	}
	ctx2, cancel2 := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel2()
	if n, err := guardedRead(ctx2, g, c, buf); n != 1 || err != nil || buf[0] != 'y' {
		t.Fatalf("read under a new ctx: (%d, %v, %q)", n, err, buf[0])
	}
	if n, err := guardedRead(context.Background(), g, c, buf); n != 1 || err != nil || buf[0] != 'z' {
		t.Fatalf("read under Background: (%d, %v, %q)", n, err, buf[0])
	}
	// A kept registration still wakes a blocked read.
	ctx3, cancel3 := context.WithCancel(context.Background())
	if _, err := s.Write([]byte("w")); err != nil {
		t.Fatal(err)
	}
	if _, err := guardedRead(ctx3, g, c, buf); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := guardedRead(ctx3, g, c, buf)
		done <- err
	}()
	waitParked(t)
	cancel3()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("got %v, want context.Canceled", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("kept registration did not wake the read")
	}
}

// notifier is a ctxio.Notifier that counts what a Guard asks of it.
type notifier struct {
	context.Context
	registered, stopped int
}

func (n *notifier) NotifyDone(_ ctxio.Token, f func()) func() bool {
	n.registered++
	stop := context.AfterFunc(n.Context, f)
	return func() bool {
		n.stopped++
		return stop()
	}
}

func TestNotifierRegisteredDirectly(t *testing.T) {
	c, s := tcpPair(t)
	g := ctxio.ForRead(c, true)
	base, cancel := context.WithCancel(context.Background())
	defer cancel()
	n := &notifier{Context: base}
	buf := make([]byte, 1)
	for range 2 {
		if _, err := s.Write([]byte("x")); err != nil {
			t.Fatal(err)
		}
		if _, err := guardedRead(n, g, c, buf); err != nil {
			t.Fatal(err)
		}
	}
	if n.registered != 1 || n.stopped != 0 {
		t.Fatalf("two reads under a Notifier: %d registrations, %d stops; want 1, 0", n.registered, n.stopped)
	}
	done := make(chan error, 1)
	go func() {
		_, err := guardedRead(n, g, c, buf)
		done <- err
	}()
	waitParked(t)
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("got %v, want context.Canceled", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the Notifier's registration did not wake the read")
	}
	g.Release()
	if n.stopped != 1 {
		t.Fatalf("%d stops after the read and Release, want 1", n.stopped)
	}
}
