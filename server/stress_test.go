package server_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"io"
	"net"
	"os"
	"os/exec"
	"runtime"
	"runtime/metrics"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/netaio/aio/server"
	"github.com/netaio/aio/stream"
)

// The sizes the issue asks for. They are not scaled down under -race: the
// whole package runs in about 20 s with the race detector.
const (
	echoPerConn  = 8 << 20 // bytes each of the 64 clients streams
	longLineSize = 1 << 30 // bytes of the line without "\n"
	churnCycles  = 10000   // connect/disconnect cycles
)

// blockingCtx reports, on blocked, the first time a call asks for its
// Done channel: the Reader and Writer ask for it only when they are about
// to wait. It lets a test know that a handler is blocked without sleeping.
type blockingCtx struct {
	context.Context
	once    sync.Once
	blocked chan struct{}
}

func newBlockingCtx(ctx context.Context) *blockingCtx {
	return &blockingCtx{Context: ctx, blocked: make(chan struct{})}
}

func (c *blockingCtx) Done() <-chan struct{} {
	c.once.Do(func() { close(c.blocked) })
	return c.Context.Done()
}

// TestServeForeverCancelBlockedHandlers: with one handler blocked in
// ReadLine and one in Drain (its client reads nothing), cancelling
// ServeForever's ctx makes it return within 1 s, with no goroutine left.
func TestServeForeverCancelBlockedHandlers(t *testing.T) {
	before := goleak.IgnoreCurrent()
	inRead, inDrain := make(chan *blockingCtx, 1), make(chan *blockingCtx, 1)
	chunk := make([]byte, 1<<20)
	s, err := server.Start(context.Background(), "tcp", "127.0.0.1:0", func(ctx context.Context, r *stream.Reader, w *stream.Writer) {
		first, err := r.ReadLine(ctx)
		if err != nil {
			return
		}
		bctx := newBlockingCtx(ctx)
		switch string(first) {
		case "read\n":
			inRead <- bctx
			r.ReadLine(bctx)
		case "drain\n":
			inDrain <- bctx
			for {
				if _, err := w.Write(chunk); err != nil {
					return
				}
				if err := w.Drain(bctx); err != nil {
					return
				}
			}
		}
	}, server.WithStartServing(false))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- s.ServeForever(ctx) }()

	reader := dial(t, s.Addrs()[0])
	io.WriteString(reader, "read\n")
	drainer := dial(t, s.Addrs()[0]) // never reads
	io.WriteString(drainer, "drain\n")
	bound := testCtx(t, 10*time.Second)
	for _, ch := range []chan *blockingCtx{inRead, inDrain} {
		select {
		case bctx := <-ch:
			select {
			case <-bctx.blocked:
			case <-bound.Done():
				t.Fatal("handler never blocked")
			}
		case <-bound.Done():
			t.Fatal("handler never started")
		}
	}

	t0 := time.Now()
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("ServeForever: got %v, want context.Canceled", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("ServeForever did not return")
	}
	if d := time.Since(t0); d > time.Second {
		t.Fatalf("ServeForever returned %v after its ctx ended, want <= 1s", d)
	}
	// Checked before the clients close: the server needs nothing from them.
	goleak.VerifyNone(t, before)
	if _, err := readEOF(reader); err != nil {
		t.Fatal(err)
	}
}

// TestNoDataLostDuringShutdown: 64 clients each stream echoPerConn bytes
// (8 MiB) through an echo handler while Shutdown runs
// with a 10 s ctx: every client gets back exactly what it sent (SHA-256),
// and Shutdown returns nil once they are done.
func TestNoDataLostDuringShutdown(t *testing.T) {
	const clients = 64
	s := start(t, "tcp", "127.0.0.1:0", echoBytes)
	type result struct {
		sent, got [sha256.Size]byte
		n, m      int64
		err       error
	}
	results := make([]result, clients)
	var ready, finished sync.WaitGroup
	goSignal := make(chan struct{})
	for i := range clients {
		ready.Add(1)
		finished.Add(1)
		go func() {
			defer finished.Done()
			res := &results[i]
			res.err = func() error {
				c, err := net.DialTimeout("tcp", s.Addrs()[0].String(), 5*time.Second)
				if err != nil {
					ready.Done()
					return err
				}
				defer c.Close()
				c.SetDeadline(time.Now().Add(60 * time.Second))
				src := newPattern(uint64(i))
				hs, hr := sha256.New(), sha256.New()
				// One round trip first, so that the server has accepted
				// this client before Shutdown closes the listener.
				first := make([]byte, 4096)
				src.Read(first)
				hs.Write(first)
				c.Write(first)
				back := make([]byte, len(first))
				_, err = io.ReadFull(c, back)
				hr.Write(back)
				ready.Done()
				if err != nil {
					return err
				}
				<-goSignal
				errc := make(chan error, 1)
				go func() {
					_, err := io.Copy(c, io.TeeReader(io.LimitReader(src, echoPerConn-4096), hs))
					if err == nil {
						err = c.(*net.TCPConn).CloseWrite()
					}
					errc <- err
				}()
				m, err := io.Copy(hr, c)
				res.m = m + 4096
				if werr := <-errc; werr != nil {
					return werr
				}
				res.n = echoPerConn
				copy(res.sent[:], hs.Sum(nil))
				copy(res.got[:], hr.Sum(nil))
				return err
			}()
		}()
	}
	ready.Wait()
	close(goSignal)
	shutdownErr := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		shutdownErr <- s.Shutdown(ctx)
	}()
	finished.Wait()
	if err := <-shutdownErr; err != nil {
		t.Errorf("Shutdown: %v", err)
	}
	for i, r := range results {
		switch {
		case r.err != nil:
			t.Errorf("client %d: %v", i, r.err)
		case r.n != r.m || r.sent != r.got:
			t.Errorf("client %d: sent %d bytes (sha256 %x), got back %d (sha256 %x)", i, r.n, r.sent[:4], r.m, r.got[:4])
		}
	}
}

// pattern is a cheap deterministic byte source, different for every seed:
// a window sliding over a table of random bytes whose length, a prime, is
// no multiple of any chunk size the server or the kernel uses, so bytes
// that arrive out of order, twice, or from another client change the hash.
// It copies its bytes rather than computing them: under -race every store
// a loop makes is checked, and computing the 512 MiB of
// TestNoDataLostDuringShutdown took half its time, enough to make its
// Shutdown miss 10 s when other packages' tests ran beside it.
type pattern struct{ off int }

var patternTable = func() []byte {
	b := make([]byte, 65521)
	x := uint64(0x9E3779B97F4A7C15)
	for i := range b {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		b[i] = byte(x >> 32)
	}
	return b
}()

func newPattern(seed uint64) *pattern {
	return &pattern{off: int(seed * 7919 % uint64(len(patternTable)))}
}

func (p *pattern) Read(b []byte) (int, error) {
	for n := 0; n < len(b); {
		c := copy(b[n:], patternTable[p.off:])
		n += c
		p.off = (p.off + c) % len(patternTable)
	}
	return len(b), nil
}

// liveHeap collects garbage and returns the bytes of heap the collection
// found live. (MemStats.HeapAlloc would also count what the server
// allocated while and since the collection ran.)
func liveHeap() int64 {
	runtime.GC()
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	return int64(s[0].Value.Uint64())
}

// TestLongLineBoundedMemory: a client sends longLineSize bytes (1 GiB)
// with no newline to a ReadLine handler, which goes on reading after each
// LimitOverrunError as asyncio's readline loop does. Every 64
// MiB the client pauses until the server has read everything (Linux: both
// sockets' queues are empty) and the live heap is measured: it stays
// within 1 MiB of the limit above where it started. Another client is
// answered all along.
func TestLongLineBoundedMemory(t *testing.T) {
	var mu sync.Mutex
	overruns := 0
	conns := make(chan net.Conn, 2)
	s := start(t, "tcp", "127.0.0.1:0", func(ctx context.Context, r *stream.Reader, w *stream.Writer) {
		conns <- w.Conn()
		for {
			line, err := r.ReadLine(ctx)
			if errors.Is(err, stream.ErrLimitOverrun) {
				mu.Lock()
				overruns++
				mu.Unlock()
				continue
			}
			if err != nil {
				return
			}
			w.Write(line)
		}
	})
	good := dial(t, s.Addrs()[0])
	roundTrip(t, good, "first\n")
	<-conns
	bad := dial(t, s.Addrs()[0])
	bad.SetDeadline(time.Now().Add(120 * time.Second))
	badServer := <-conns
	block := bytes.Repeat([]byte("x"), 1<<20)
	base := liveHeap()
	var peak int64
	var worst time.Duration
	for sent := 0; sent < longLineSize; {
		if _, err := bad.Write(block); err != nil {
			t.Fatalf("after %d bytes: %v", sent, err)
		}
		sent += len(block)
		if sent%(64<<20) != 0 {
			continue
		}
		t0 := time.Now()
		if got := roundTrip(t, good, "still there?\n"); got != "still there?\n" {
			t.Fatalf("other client: got %q", got)
		}
		worst = max(worst, time.Since(t0))
		if canQueued {
			eventually(t, 10*time.Second, "server read all", func() bool {
				return queued(t, bad) == 0 && queued(t, badServer) == 0
			})
			peak = max(peak, liveHeap()-base)
		}
	}
	bad.Close()
	t.Logf("%d MiB sent without a newline: live heap grew at most %d KiB; slowest other round trip %v",
		longLineSize>>20, peak>>10, worst)
	if limit := int64(stream.DefaultLimit) + 1<<20; peak > limit {
		t.Fatalf("live heap grew by %d bytes, want <= limit + 1 MiB = %d", peak, limit)
	}
	mu.Lock()
	defer mu.Unlock()
	if overruns == 0 {
		t.Fatal("the handler saw no LimitOverrunError")
	}
}

// TestSlowClients: 500 clients each send a byte a second, never a whole
// line; a normal client's round trips keep their latency meanwhile.
func TestSlowClients(t *testing.T) {
	const slow = 500
	s := start(t, "tcp", "127.0.0.1:0", echoLines)
	normal := dial(t, s.Addrs()[0])
	rtts := func(n int) []time.Duration {
		var ds []time.Duration
		for range n {
			t0 := time.Now()
			if got := roundTrip(t, normal, "ping\n"); got != "ping\n" {
				t.Fatalf("got %q", got)
			}
			ds = append(ds, time.Since(t0))
		}
		slices.Sort(ds)
		return ds
	}
	baseline := rtts(100)

	conns := make([]net.Conn, slow)
	for i := range conns {
		conns[i] = dial(t, s.Addrs()[0])
	}
	// One goroutine paces them all: every 2 ms it sends one byte to the
	// next client, so each client sends a byte a second.
	stop := make(chan struct{})
	paced := make(chan int)
	go func() {
		tick := time.NewTicker(time.Second / slow)
		defer tick.Stop()
		n := 0
		for {
			select {
			case <-stop:
				paced <- n
				return
			case <-tick.C:
				conns[n%slow].Write([]byte{'a'})
				n++
			}
		}
	}()
	var during []time.Duration
	deadline := time.Now().Add(2 * time.Second)
	for time.Now().Before(deadline) {
		during = append(during, rtts(20)...)
	}
	close(stop)
	n := <-paced
	// Every slow client was being served: its bytes come back as a line.
	for i, c := range conns {
		want := strings.Repeat("a", n/slow+btoi(i < n%slow)) + "\n"
		if got := roundTrip(t, c, "\n"); got != want {
			t.Fatalf("slow client %d: got %d bytes back, want %d", i, len(got), len(want))
		}
	}
	slices.Sort(during)
	p50, p99 := during[len(during)/2], during[len(during)*99/100]
	t.Logf("%d slow clients, %d bytes trickled: round trip p50 %v p99 %v (alone: p50 %v p99 %v), %d round trips",
		slow, n, p50, p99, baseline[len(baseline)/2], baseline[len(baseline)*99/100], len(during))
	if limit := max(5*baseline[len(baseline)/2], 2*time.Millisecond); p50 > limit {
		t.Errorf("p50 %v with slow clients, want <= %v", p50, limit)
	}
	if p99 > 50*time.Millisecond {
		t.Errorf("p99 %v with slow clients, want <= 50ms", p99)
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// countFDs counts this process's open file descriptors.
func countFDs(t *testing.T) int {
	t.Helper()
	es, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	return len(es)
}

// TestChurn: churnCycles (10,000) connect, one round trip, disconnect
// cycles leave no goroutine, no file descriptor and no memory behind.
func TestChurn(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("counts /proc/self/fd")
	}
	s := start(t, "tcp", "127.0.0.1:0", echoLines)
	addr := s.Addrs()[0].String()
	cycle := func() {
		c, err := net.DialTimeout("tcp", addr, 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(10 * time.Second))
		if _, err := io.WriteString(c, "x\n"); err != nil {
			t.Fatal(err)
		}
		c.(*net.TCPConn).CloseWrite()
		// The echo, then EOF: the server has closed its socket.
		b, err := io.ReadAll(c)
		if err != nil || string(b) != "x\n" {
			t.Fatalf("got %q, %v", b, err)
		}
	}
	for range 100 {
		cycle()
	}
	fds, gs, heap := countFDs(t), runtime.NumGoroutine(), liveHeap()
	for i := range churnCycles {
		cycle()
		if (i+1)%1000 == 0 {
			if n := countFDs(t); n > fds+2 {
				t.Fatalf("after %d cycles: %d fds, started with %d", i+1, n, fds)
			}
		}
	}
	eventually(t, 5*time.Second, "goroutines back to where they were", func() bool {
		return runtime.NumGoroutine() <= gs
	})
	if n := countFDs(t); n > fds {
		t.Fatalf("after %d cycles: %d fds, started with %d", churnCycles, n, fds)
	}
	// Nothing of a finished connection stays reachable (its record, its
	// ctx registration): 10,000 cycles leaking even 64 bytes each would
	// show.
	grown := liveHeap() - heap
	if grown > 256<<10 {
		t.Fatalf("after %d cycles the live heap grew by %d KiB", churnCycles, grown>>10)
	}
	t.Logf("%d cycles: %d fds, %d goroutines, live heap %+d KiB", churnCycles, countFDs(t), runtime.NumGoroutine(), grown>>10)
}

// TestIdleConnStack: 1,000 connections idle in a ReadLine handler after one
// round trip keep goroutine stacks of 2 KiB, mostly: the deepest call
// chain of their first read fits in the initial stack (see connCtx). A
// regression here costs 2 KiB per idle connection; it shows as an average
// well above 2 KiB.
//
// It runs in a child process of its own: the runtime sizes new goroutine
// stacks by the average of those it has seen, so after the other tests of
// the package the figure would say more about them than about this one.
func TestIdleConnStack(t *testing.T) {
	if raceEnabled {
		t.Skip("stack sizes mean nothing under the race detector")
	}
	if os.Getenv("AIO_IDLE_STACK_CHILD") == "" {
		cmd := exec.Command(os.Args[0], "-test.run=^TestIdleConnStack$", "-test.v")
		cmd.Env = append(os.Environ(), "AIO_IDLE_STACK_CHILD=1")
		out, err := cmd.CombinedOutput()
		t.Logf("child process:\n%s", out)
		if err != nil {
			t.Fatalf("child process: %v", err)
		}
		return
	}
	const n = 1000
	s := start(t, "tcp", "127.0.0.1:0", echoLines)
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	g0 := runtime.NumGoroutine()
	for range n {
		roundTrip(t, dial(t, s.Addrs()[0]), "hello\n")
	}
	eventually(t, 5*time.Second, "handlers running", func() bool { return runtime.NumGoroutine() >= g0+n })
	runtime.ReadMemStats(&after)
	per := float64(after.StackInuse-before.StackInuse) / n
	t.Logf("stack per idle connection: %.0f bytes", per)
	if per > 2.6*1024 {
		t.Errorf("stack per idle connection: %.0f bytes, want about 2 KiB", per)
	}
}
