package stream_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/netaio/aio/stream"
)

// writerNets are the connections every Writer test runs over: loopback
// TCP and unix sockets (the Writer's non-blocking raw path), net.Pipe (no
// kernel buffer at all: every byte waits for the peer), TCP behind a
// wrapper that hides the socket (the flush-goroutine path), and TLS over
// TCP.
var writerNets = []string{"tcp", "unix", "pipe", "wrapped", "tls"}

// writerPair returns a Writer (and its Reader) on one end of a connection
// of kind network and the peer (a *tls.Conn for "tls"), both torn down
// with the test.
func writerPair(t *testing.T, network string, opts ...stream.Option) (*stream.Reader, *stream.Writer, net.Conn) {
	t.Helper()
	c, peer := writerConns(t, network, false)
	r, w := wrap(t, c, opts...)
	return r, w, peer
}

// neverReading returns a Writer whose peer never reads, with small kernel
// buffers so that the Writer queues early. Over TLS the handshake is done.
func neverReading(t *testing.T, network string, opts ...stream.Option) (*stream.Writer, net.Conn) {
	t.Helper()
	c, peer := writerConns(t, network, true)
	_, w := wrap(t, c, opts...)
	return w, peer
}

func writerConns(t *testing.T, network string, stalled bool) (c, peer net.Conn) {
	t.Helper()
	c, peer = connPair(t, network2(network))
	if stalled {
		shrinkBuffers(c, peer)
	}
	switch network {
	case "wrapped":
		c = &countingConn{Conn: c}
	case "tls":
		cert := selfSigned(t)
		cfg := cert.client()
		cfg.ServerName = "aio.test"
		tc, tp := tls.Client(c, cfg), tls.Server(peer, cert.server())
		t.Cleanup(func() { tp.Close() })
		c, peer = tc, tp
		if stalled {
			hs := goErr(func() error { return tp.HandshakeContext(testCtx(t)) })
			if err := tc.HandshakeContext(testCtx(t)); err != nil {
				t.Fatal(err)
			}
			if err := await(t, hs, "peer's handshake"); err != nil {
				t.Fatal(err)
			}
		}
	}
	return c, peer
}

func network2(n string) string {
	if n == "wrapped" || n == "tls" {
		return "tcp"
	}
	return n
}

func randomBytes(n int) []byte {
	p := make([]byte, n)
	r := rand.NewChaCha8([32]byte{1, 2, 3})
	r.Read(p)
	return p
}

func TestWriteNeverBlocks(t *testing.T) {
	for _, network := range writerNets {
		t.Run(network, func(t *testing.T) {
			w, _ := neverReading(t, network)
			const writes, size = 4000, 1 << 10
			p := make([]byte, size)
			done := goErr(func() error {
				for i := range writes {
					if n, err := w.Write(p); n != size || err != nil {
						return fmt.Errorf("Write #%d = %d, %v; want %d, nil", i, n, err, size)
					}
					p[0]++ // the caller may reuse p
				}
				return nil
			})
			if err := await(t, done, "4000 Writes to a peer that never reads"); err != nil {
				t.Fatal(err)
			}
			// The kernel holds a few hundred KiB at most (shrinkBuffers):
			// the rest is queued.
			if b := w.Buffered(); b < writes*size-1<<20 {
				t.Fatalf("Buffered() = %d after %d bytes to a peer that never reads", b, writes*size)
			}
		})
	}
}

func TestWriteReusesNothing(t *testing.T) {
	// Write may not keep p: the caller overwrites it at once.
	for _, network := range writerNets {
		t.Run(network, func(t *testing.T) {
			_, w, peer := writerPair(t, network)
			got := readAllAsync(peer)
			var want []byte
			p := make([]byte, 3000)
			for i := range 300 {
				for j := range p {
					p[j] = byte(i + j)
				}
				want = append(want, p...)
				if _, err := w.Write(p); err != nil {
					t.Fatal(err)
				}
			}
			w.Close()
			if b := await(t, got, "peer's read"); !bytes.Equal(b, want) {
				t.Fatalf("peer got %d bytes differing from the %d written", len(b), len(want))
			}
		})
	}
}

func TestWriteEmpty(t *testing.T) {
	_, w, _ := writerPair(t, "pipe")
	if n, err := w.Write(nil); n != 0 || err != nil {
		t.Fatalf("Write(nil) = %d, %v; want 0, nil", n, err)
	}
	if b := w.Buffered(); b != 0 {
		t.Fatalf("Buffered() = %d after an empty Write", b)
	}
}

// TestDrainWatermarks holds each send of the Writer in flight (gateWriter)
// to check Drain's two thresholds exactly: at once while Buffered() <=
// high, otherwise until Buffered() <= low (not merely <= high).
func TestDrainWatermarks(t *testing.T) {
	ctx := testCtx(t)
	g := newGateWriter()
	w, err := stream.NewWriter(g, stream.WithWriteBufferLimits(100, 50))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		w.Abort()
		close(g.release) // let the flush goroutine finish
	})
	if h, l := w.WriteBufferLimits(); h != 100 || l != 50 {
		t.Fatalf("WriteBufferLimits() = %d, %d; want 100, 50", h, l)
	}

	w.Write(bytes.Repeat([]byte("a"), 10))
	if p := await(t, g.started, "first send"); len(p) != 10 {
		t.Fatalf("first send of %d bytes, want 10", len(p))
	}
	w.Write(bytes.Repeat([]byte("b"), 90))
	if b := w.Buffered(); b != 100 {
		t.Fatalf("Buffered() = %d, want 100 (10 in flight + 90 queued)", b)
	}
	// Buffered() == high: Drain returns at once.
	if err := w.Drain(ctx); err != nil {
		t.Fatalf("Drain at the high watermark: %v", err)
	}

	w.Write([]byte("c"))
	drained := goErr(func() error { return w.Drain(ctx) })
	waitParked(t, "stream.(*Writer).Drain")

	g.release <- true // 10 bytes leave; the queue of 91 is sent next
	if p := await(t, g.started, "second send"); len(p) != 91 {
		t.Fatalf("second send of %d bytes, want the 91 queued", len(p))
	}
	// 91 <= high but > low: Drain must still wait.
	waitParked(t, "stream.(*Writer).Drain")
	select {
	case err := <-drained:
		t.Fatalf("Drain returned (%v) with Buffered() = %d > low = 50", err, w.Buffered())
	default:
	}
	g.release <- true
	if err := await(t, drained, "Drain"); err != nil {
		t.Fatalf("Drain: %v", err)
	}
	if b := w.Buffered(); b != 0 {
		t.Fatalf("Buffered() = %d after Drain, want 0", b)
	}
	if got := g.Got(); len(got) != 101 {
		t.Fatalf("destination got %d bytes, want 101", len(got))
	}
}

func TestDrainWaitsForPeer(t *testing.T) {
	for _, network := range writerNets {
		t.Run(network, func(t *testing.T) {
			ctx := testCtx(t)
			w, peer := neverReading(t, network, stream.WithWriteBufferLimits(64<<10, 16<<10))
			fillQueue(t, w, 64<<10)
			drained := goErr(func() error { return w.Drain(ctx) })
			waitParked(t, "stream.(*Writer).Drain")
			go io.Copy(io.Discard, peer) // the peer starts reading
			if err := await(t, drained, "Drain"); err != nil {
				t.Fatalf("Drain: %v", err)
			}
			if b := w.Buffered(); b > 16<<10 {
				t.Fatalf("Buffered() = %d after Drain, want <= low (16 KiB)", b)
			}
		})
	}
}

func TestDrainCancel(t *testing.T) {
	for _, network := range writerNets {
		t.Run(network, func(t *testing.T) {
			w, _ := neverReading(t, network)
			fillQueue(t, w, stream.DefaultHighWater)
			ctx, cancel := context.WithCancel(testCtx(t))
			var returned time.Time
			drained := goErr(func() error {
				err := w.Drain(ctx)
				returned = time.Now()
				return err
			})
			waitParked(t, "stream.(*Writer).Drain")
			cancelled := time.Now()
			cancel()
			err := await(t, drained, "Drain after cancel")
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("Drain = %v, want context.Canceled", err)
			}
			if d := returned.Sub(cancelled); d > promptly {
				t.Fatalf("Drain returned %v after cancel, want <= %v", d, promptly)
			}
			// Cancelling a Drain does not break the Writer.
			if _, err := w.Write([]byte("x")); err != nil {
				t.Fatalf("Write after a cancelled Drain: %v", err)
			}
		})
	}
}

func TestDrainManyGoroutines(t *testing.T) {
	for _, network := range []string{"tcp", "pipe"} {
		t.Run(network, func(t *testing.T) {
			ctx := testCtx(t)
			w, peer := neverReading(t, network)
			fillQueue(t, w, stream.DefaultHighWater)
			const n = 50
			drainAll := func(ctx context.Context) <-chan error {
				errs := make(chan error, n)
				for range n {
					go func() { errs <- w.Drain(ctx) }()
				}
				waitParkedN(t, "stream.(*Writer).Drain", n)
				return errs
			}

			// 50 waiting, then cancelled at once.
			cctx, cancel := context.WithCancel(ctx)
			errs := drainAll(cctx)
			cancel()
			for i := range n {
				if err := await(t, errs, "Drain #"+strconv.Itoa(i)); !errors.Is(err, context.Canceled) {
					t.Fatalf("cancelled Drain = %v, want Canceled", err)
				}
			}

			// 50 waiting, then released by the peer.
			errs = drainAll(ctx)
			go io.Copy(io.Discard, peer)
			for i := range n {
				if err := await(t, errs, "Drain #"+strconv.Itoa(i)); err != nil {
					t.Fatalf("Drain: %v", err)
				}
			}
		})
	}
}

// TestDrainPeerReset: a peer that resets the connection while Drain waits
// makes Drain return the error, not hang.
func TestDrainPeerReset(t *testing.T) {
	for _, network := range []string{"tcp", "unix", "pipe", "wrapped"} {
		t.Run(network, func(t *testing.T) {
			ctx := testCtx(t)
			w, peer := neverReading(t, network)
			fillQueue(t, w, stream.DefaultHighWater)
			drained := goErr(func() error { return w.Drain(ctx) })
			waitParked(t, "stream.(*Writer).Drain")
			if tc, ok := peer.(*net.TCPConn); ok {
				tc.SetLinger(0) // close sends RST
			}
			peer.Close()
			err := await(t, drained, "Drain after the peer reset")
			if err == nil || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, stream.ErrClosed) {
				t.Fatalf("Drain = %v, want the connection's error", err)
			}
			// The error is sticky.
			if _, werr := w.Write([]byte("x")); werr == nil {
				t.Fatal("Write after the reset succeeded")
			}
			if derr := w.Drain(ctx); derr == nil {
				t.Fatal("Drain after the reset succeeded")
			}
		})
	}
}

// TestWriteAfterPeerGone: once the peer has closed, Write fails as soon as
// the connection reports it, and then every time.
func TestWriteAfterPeerGone(t *testing.T) {
	for _, network := range writerNets {
		t.Run(network, func(t *testing.T) {
			ctx := testCtx(t)
			_, w, peer := writerPair(t, network)
			peer.Close()
			var first error
			deadline := time.Now().Add(waitLimit)
			for i := 0; first == nil; i++ {
				if time.Now().After(deadline) {
					t.Fatalf("%d Writes after the peer closed, none failed", i)
				}
				if _, err := w.Write([]byte("data after the peer closed\n")); err != nil {
					first = err
				} else if err := w.Drain(ctx); err != nil {
					first = err
				}
			}
			if errors.Is(first, stream.ErrClosed) {
				t.Fatalf("first error %v: want the connection's error, not ErrClosed", first)
			}
			for i := range 100 {
				if n, err := w.Write([]byte("more\n")); n != 0 || err == nil {
					t.Fatalf("Write #%d after the error = %d, %v; want 0 and an error", i, n, err)
				}
			}
			if err := w.WriteLines([]byte("a"), []byte("b")); err == nil {
				t.Fatal("WriteLines after the error succeeded")
			}
			if err := w.Drain(ctx); err == nil {
				t.Fatal("Drain after the error succeeded")
			}
			if b := w.Buffered(); b != 0 {
				t.Fatalf("Buffered() = %d on a failed Writer, want 0", b)
			}
			// Close still closes, and says why the data did not arrive.
			w.Close()
			if err := w.WaitClosed(ctx); err == nil {
				t.Fatal("WaitClosed = nil on a Writer whose data was lost")
			}
		})
	}
}

func TestSetWriteBufferLimits(t *testing.T) {
	w, err := stream.NewWriter(io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if h, l := w.WriteBufferLimits(); h != stream.DefaultHighWater || l != stream.DefaultLowWater {
		t.Fatalf("default limits %d, %d; want %d, %d", h, l, stream.DefaultHighWater, stream.DefaultLowWater)
	}
	for _, tc := range []struct {
		high, low int
		ok        bool
	}{
		{0, 0, true},
		{10, 10, true},
		{100, 0, true},
		{1 << 30, 1 << 20, true},
		{10, 20, false},
		{-1, 0, false},
		{0, -1, false},
		{-5, -10, false},
	} {
		err := w.SetWriteBufferLimits(tc.high, tc.low)
		if tc.ok != (err == nil) {
			t.Errorf("SetWriteBufferLimits(%d, %d) = %v; want ok=%v", tc.high, tc.low, err, tc.ok)
		}
		if err != nil && !errors.Is(err, stream.ErrInvalidOption) {
			t.Errorf("SetWriteBufferLimits(%d, %d) = %v; want ErrInvalidOption", tc.high, tc.low, err)
		}
		if h, l := w.WriteBufferLimits(); tc.ok && (h != tc.high || l != tc.low) {
			t.Errorf("after SetWriteBufferLimits(%d, %d): %d, %d", tc.high, tc.low, h, l)
		}
	}
	// A rejected call leaves the limits as they were.
	w.SetWriteBufferLimits(30, 20)
	w.SetWriteBufferLimits(1, 2)
	if h, l := w.WriteBufferLimits(); h != 30 || l != 20 {
		t.Fatalf("limits %d, %d after a rejected call, want 30, 20", h, l)
	}
}

// TestSetWriteBufferLimitsWakesDrain: raising the low watermark lets a
// waiting Drain go.
func TestSetWriteBufferLimitsWakesDrain(t *testing.T) {
	ctx := testCtx(t)
	w, _ := neverReading(t, "pipe")
	fillQueue(t, w, stream.DefaultHighWater)
	drained := goErr(func() error { return w.Drain(ctx) })
	waitParked(t, "stream.(*Writer).Drain")
	if err := w.SetWriteBufferLimits(1<<30, 1<<30); err != nil {
		t.Fatal(err)
	}
	if err := await(t, drained, "Drain after raising the watermarks"); err != nil {
		t.Fatal(err)
	}
}

func TestWriteLines(t *testing.T) {
	for _, network := range writerNets {
		t.Run(network, func(t *testing.T) {
			_, w, peer := writerPair(t, network)
			got := readAllAsync(peer)
			if err := w.WriteLines(); err != nil {
				t.Fatalf("WriteLines(): %v", err)
			}
			if err := w.WriteLines([]byte("one\n"), nil, []byte("two\n"), []byte{}, []byte("three\n")); err != nil {
				t.Fatal(err)
			}
			big := bytes.Repeat([]byte("x"), 100<<10)
			if err := w.WriteLines(big, []byte("\n")); err != nil {
				t.Fatal(err)
			}
			w.Close()
			want := "one\ntwo\nthree\n" + string(big) + "\n"
			if b := await(t, got, "peer's read"); string(b) != want {
				t.Fatalf("peer got %d bytes, want %d", len(b), len(want))
			}
			if err := w.WriteLines([]byte("late")); !errors.Is(err, stream.ErrClosed) {
				t.Fatalf("WriteLines after Close = %v, want ErrClosed", err)
			}
		})
	}
}

// TestWriteEOF: a half-close after the queue is sent; the peer reads EOF
// while our Reader still reads the peer's reply.
func TestWriteEOF(t *testing.T) {
	for _, network := range []string{"tcp", "unix", "wrapped"} {
		t.Run(network, func(t *testing.T) {
			ctx := testCtx(t)
			c, peer := connPair(t, network2(network))
			shrinkBuffers(c, peer)
			if network == "wrapped" {
				c = &countingConn{Conn: c}
			}
			r, w := wrap(t, c)
			if network == "wrapped" {
				// The wrapper hides CloseWrite.
				if w.CanWriteEOF() {
					t.Fatal("CanWriteEOF() = true for a conn without CloseWrite")
				}
				if err := w.WriteEOF(); !errors.Is(err, stream.ErrCannotWriteEOF) {
					t.Fatalf("WriteEOF = %v, want ErrCannotWriteEOF", err)
				}
				return
			}
			if !w.CanWriteEOF() {
				t.Fatal("CanWriteEOF() = false")
			}
			data := randomBytes(1 << 20)
			w.Write(data) // more than the kernel takes: most of it queued
			if err := w.WriteEOF(); err != nil {
				t.Fatalf("WriteEOF: %v", err)
			}
			if err := w.WriteEOF(); err != nil {
				t.Fatalf("second WriteEOF: %v", err)
			}
			if _, err := w.Write([]byte("late")); !errors.Is(err, stream.ErrClosed) {
				t.Fatalf("Write after WriteEOF = %v, want ErrClosed", err)
			}
			// The peer gets every byte, then EOF, and replies.
			if d := await(t, readDigest(peer), "peer's read"); d.err != nil || d != digestOf(data) {
				t.Fatalf("peer got %d bytes (err %v), want the %d written then EOF", d.n, d.err, len(data))
			}
			if _, err := peer.Write([]byte("reply after EOF\n")); err != nil {
				t.Fatal(err)
			}
			peer.Close()
			line, err := r.ReadLine(ctx)
			if err != nil || string(line) != "reply after EOF\n" {
				t.Fatalf("ReadLine after WriteEOF = %q, %v", line, err)
			}
			if _, err := r.ReadLine(ctx); err != io.EOF {
				t.Fatalf("ReadLine at the end = %v, want io.EOF", err)
			}
			if err := w.Drain(ctx); err != nil {
				t.Fatalf("Drain after WriteEOF: %v", err)
			}
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			if err := w.WaitClosed(ctx); err != nil {
				t.Fatalf("WaitClosed: %v", err)
			}
		})
	}
}

func TestWriteEOFPipe(t *testing.T) {
	_, w, _ := writerPair(t, "pipe")
	if w.CanWriteEOF() {
		t.Fatal("CanWriteEOF() = true on net.Pipe")
	}
	if err := w.WriteEOF(); !errors.Is(err, stream.ErrCannotWriteEOF) {
		t.Fatalf("WriteEOF = %v, want ErrCannotWriteEOF", err)
	}
	// Nothing changed: the Writer still writes.
	if w.IsClosing() {
		t.Fatal("IsClosing after a refused WriteEOF")
	}
}

// TestWriteEOFFile: on an *os.File (a pipe to a process), WriteEOF closes
// the file once the queue is sent.
func TestWriteEOFFile(t *testing.T) {
	ctx := testCtx(t)
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer pr.Close()
	w, err := stream.NewWriter(pw)
	if err != nil {
		t.Fatal(err)
	}
	if !w.CanWriteEOF() {
		t.Fatal("CanWriteEOF() = false on an *os.File")
	}
	got := readAllAsync(pr)
	data := randomBytes(256 << 10) // more than a pipe holds
	w.Write(data)
	if err := w.WriteEOF(); err != nil {
		t.Fatal(err)
	}
	if b := await(t, got, "pipe's read"); !bytes.Equal(b, data) {
		t.Fatalf("pipe got %d bytes, want %d", len(b), len(data))
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := w.WaitClosed(ctx); err != nil {
		t.Fatalf("WaitClosed: %v", err)
	}
}

// TestCloseFlushes: Close returns at once and sends every queued byte
// before closing.
func TestCloseFlushes(t *testing.T) {
	for _, network := range writerNets {
		t.Run(network, func(t *testing.T) {
			ctx := testCtx(t)
			_, w, peer := writerPair(t, network)
			data := randomBytes(bulkSize)
			for p := data; len(p) > 0; {
				n := min(len(p), 1+rand.IntN(64<<10))
				if _, err := w.Write(p[:n]); err != nil {
					t.Fatal(err)
				}
				p = p[n:]
			}
			closed := goErr(w.Close)
			if err := await(t, closed, "Close"); err != nil { // Close does not wait for the peer
				t.Fatalf("Close: %v", err)
			}
			if !w.IsClosing() {
				t.Fatal("IsClosing() = false after Close")
			}
			d := await(t, readDigest(peer), "peer's read")
			if d.err != nil || d != digestOf(data) {
				t.Fatalf("peer got %d bytes (err %v), SHA-256 %x; want %d, %x", d.n, d.err, d.sum, len(data), digestOf(data).sum)
			}
			if err := w.WaitClosed(ctx); err != nil {
				t.Fatalf("WaitClosed: %v", err)
			}
		})
	}
}

func TestCallsAfterClose(t *testing.T) {
	for _, network := range writerNets {
		t.Run(network, func(t *testing.T) {
			ctx := testCtx(t)
			_, w, _ := writerPair(t, network)
			if w.IsClosing() {
				t.Fatal("IsClosing() = true before Close")
			}
			if err := w.Close(); err != nil {
				t.Fatalf("Close: %v", err)
			}
			if err := w.Close(); err != nil {
				t.Fatalf("second Close: %v", err)
			}
			if err := w.WaitClosed(ctx); err != nil {
				t.Fatalf("WaitClosed: %v", err)
			}
			f, err := os.CreateTemp(t.TempDir(), "f")
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			for name, call := range map[string]func() error{
				"Write": func() error {
					n, err := w.Write([]byte("x"))
					if n != 0 {
						return fmt.Errorf("n = %d", n)
					}
					return err
				},
				"WriteLines": func() error { return w.WriteLines([]byte("x")) },
				"Drain":      func() error { return w.Drain(ctx) },
				"WriteEOF":   func() error { return w.WriteEOF() },
				"SendFile":   func() error { _, err := w.SendFile(ctx, f, 0, 0); return err },
				"StartTLS":   func() error { return w.StartTLS(ctx, selfSigned(t).client(), false) },
			} {
				if err := call(); !errors.Is(err, stream.ErrClosed) {
					t.Errorf("%s after Close = %v, want ErrClosed", name, err)
				}
			}
			if !w.IsClosing() {
				t.Fatal("IsClosing() = false after Close")
			}
			if err := w.Abort(); err != nil {
				t.Fatalf("Abort after Close: %v", err)
			}
		})
	}
}

// TestAbort: Abort drops the queue and closes at once, waking a send
// blocked on a peer that never reads.
func TestAbort(t *testing.T) {
	for _, network := range writerNets {
		t.Run(network, func(t *testing.T) {
			ctx := testCtx(t)
			w, peer := neverReading(t, network)
			fillQueue(t, w, 1<<20)
			waitParked(t, "stream.(*Writer).flush")
			aborted := goErr(w.Abort)
			if err := await(t, aborted, "Abort"); err != nil {
				t.Fatalf("Abort: %v", err)
			}
			wctx, cancel := context.WithTimeout(ctx, promptly)
			defer cancel()
			if err := w.WaitClosed(wctx); err != nil {
				t.Fatalf("WaitClosed after Abort: %v", err)
			}
			if !w.IsClosing() {
				t.Fatal("IsClosing() = false after Abort")
			}
			eventually(t, "the blocked send to return", func() bool { return w.Buffered() == 0 })
			// The peer sees the end of the stream before the queued MiB.
			d := await(t, readDigest(peer), "peer's read")
			if d.n >= 1<<20 {
				t.Fatalf("peer got %d bytes after Abort, want the queue dropped", d.n)
			}
			if _, err := w.Write([]byte("x")); !errors.Is(err, stream.ErrClosed) {
				t.Fatalf("Write after Abort = %v, want ErrClosed", err)
			}
			if err := w.Abort(); err != nil {
				t.Fatalf("second Abort: %v", err)
			}
			if err := w.Close(); err != nil {
				t.Fatalf("Close after Abort: %v", err)
			}
		})
	}
}

// TestWaitClosed: WaitClosed waits for a Close that cannot finish (the
// peer does not read) until its ctx ends, and returns once Abort closes.
func TestWaitClosed(t *testing.T) {
	for _, network := range writerNets {
		t.Run(network, func(t *testing.T) {
			ctx := testCtx(t)
			w, _ := neverReading(t, network)
			short, cancel := context.WithTimeout(ctx, 10*time.Millisecond)
			defer cancel()
			if err := w.WaitClosed(short); !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("WaitClosed before Close = %v, want DeadlineExceeded", err)
			}
			fillQueue(t, w, 1<<20)
			w.Close()
			if !w.IsClosing() {
				t.Fatal("IsClosing() = false after Close")
			}
			cctx, cancel2 := context.WithCancel(ctx)
			waiting := goErr(func() error { return w.WaitClosed(cctx) })
			waitParked(t, "stream.(*Writer).WaitClosed")
			cancel2()
			if err := await(t, waiting, "WaitClosed"); !errors.Is(err, context.Canceled) {
				t.Fatalf("WaitClosed with the queue stuck = %v, want Canceled", err)
			}
			waiting = goErr(func() error { return w.WaitClosed(ctx) })
			waitParked(t, "stream.(*Writer).WaitClosed")
			w.Abort()
			if err := await(t, waiting, "WaitClosed"); err != nil {
				t.Fatalf("WaitClosed after Abort = %v, want nil", err)
			}
		})
	}
}

func TestConn(t *testing.T) {
	c, _ := connPair(t, "tcp")
	_, w := wrap(t, c)
	if w.Conn() != c {
		t.Fatalf("Conn() = %v, want the wrapped conn", w.Conn())
	}
	if got, want := w.Conn().RemoteAddr().String(), c.RemoteAddr().String(); got != want {
		t.Fatalf("RemoteAddr %s, want %s", got, want)
	}
	nw, err := stream.NewWriter(c)
	if err != nil {
		t.Fatal(err)
	}
	if nw.Conn() != c {
		t.Fatal("NewWriter(conn).Conn() is not conn")
	}
	bw, err := stream.NewWriter(&bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	if bw.Conn() != nil {
		t.Fatalf("NewWriter(buffer).Conn() = %v, want nil", bw.Conn())
	}
}

// TestNewWriterNotCloser: a destination that is no io.Closer is simply
// not closed; Close still ends the Writer.
func TestNewWriterNotCloser(t *testing.T) {
	ctx := testCtx(t)
	var buf bytes.Buffer
	w, err := stream.NewWriter(&buf)
	if err != nil {
		t.Fatal(err)
	}
	w.Write([]byte("hello "))
	w.WriteLines([]byte("world"), []byte("\n"))
	if w.CanWriteEOF() {
		t.Fatal("CanWriteEOF() = true on a bytes.Buffer")
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := w.WaitClosed(ctx); err != nil {
		t.Fatal(err)
	}
	if buf.String() != "hello world\n" {
		t.Fatalf("buffer holds %q", buf.String())
	}
}

// TestConcurrentWrites: Writes from several goroutines each arrive whole
// and, per goroutine, in the order they were made.
func TestConcurrentWrites(t *testing.T) {
	for _, network := range writerNets {
		t.Run(network, func(t *testing.T) {
			ctx := testCtx(t)
			_, w, peer := writerPair(t, network)
			got := readAllAsync(peer)
			const writers, writes = 8, 150
			var wg sync.WaitGroup
			for g := range writers {
				wg.Go(func() {
					rng := rand.New(rand.NewPCG(uint64(g), 1))
					for i := range writes {
						// Mostly small records, some larger than a socket
						// buffer, so that sends are cut and queued.
						size := rng.IntN(200)
						if rng.IntN(20) == 0 {
							size = rng.IntN(300 << 10)
						}
						rec := fmt.Appendf(nil, "%d %d %d ", g, i, size)
						rec = append(rec, bytes.Repeat([]byte{byte('a' + g)}, size)...)
						rec = append(rec, '\n')
						if _, err := w.Write(rec); err != nil {
							t.Errorf("Write: %v", err)
							return
						}
						if i%10 == 0 {
							if err := w.Drain(ctx); err != nil {
								t.Errorf("Drain: %v", err)
								return
							}
						}
					}
				})
			}
			wg.Wait()
			w.Close()
			data := await(t, got, "peer's read")
			next := make([]int, writers)
			for len(data) > 0 {
				var g, i, size int
				if _, err := fmt.Sscanf(string(data[:min(len(data), 40)]), "%d %d %d ", &g, &i, &size); err != nil {
					t.Fatalf("bad record start %q: %v", data[:min(len(data), 40)], err)
				}
				head := len(fmt.Sprintf("%d %d %d ", g, i, size))
				if g < 0 || g >= writers || len(data) < head+size+1 {
					t.Fatalf("bad record %d %d %d with %d bytes left", g, i, size, len(data))
				}
				body := data[head : head+size]
				if !bytes.Equal(body, bytes.Repeat([]byte{byte('a' + g)}, size)) || data[head+size] != '\n' {
					t.Fatalf("record %d/%d is not contiguous", g, i)
				}
				if i != next[g] {
					t.Fatalf("goroutine %d: record %d arrived, want %d", g, i, next[g])
				}
				next[g]++
				data = data[head+size+1:]
			}
			for g, n := range next {
				if n != writes {
					t.Fatalf("goroutine %d: %d records arrived, want %d", g, n, writes)
				}
			}
		})
	}
}

// TestCoalescing checks the Writer's documented rule: while the Reader of
// the same connection holds unread input, Writes are queued and leave
// together, in one write to the connection, when the Reader next needs
// input; a lone Write is not held past that.
func TestCoalescing(t *testing.T) {
	ctx := testCtx(t)
	client, server := net.Pipe() // one Write, one Read: request boundaries are exact
	t.Cleanup(func() { client.Close(); server.Close() })
	cc := &countingConn{Conn: server}
	r, w := wrap(t, cc)

	// Three pipelined requests arrive in one read.
	sent := goErr(func() error { _, err := client.Write([]byte("a\nb\nc\n")); return err })
	for _, want := range []string{"a\n", "b\n"} {
		line, err := r.ReadLine(ctx)
		if err != nil || string(line) != want {
			t.Fatalf("ReadLine = %q, %v; want %q", line, err, want)
		}
		if r.Buffered() == 0 {
			t.Fatal("the requests did not arrive in one read")
		}
		w.Write(bytes.ToUpper(line))
		if n := len(cc.Writes()); n != 0 {
			t.Fatalf("%d writes to the conn while the Reader holds input, want 0", n)
		}
	}
	if b := w.Buffered(); b != 4 {
		t.Fatalf("Buffered() = %d, want the 4 bytes held", b)
	}
	if err := await(t, sent, "client's write"); err != nil {
		t.Fatal(err)
	}
	// The last request empties the Reader's buffer: the held replies leave
	// with the next Write or, with none (here), once this goroutine blocks.
	if line, err := r.ReadLine(ctx); err != nil || string(line) != "c\n" {
		t.Fatalf("ReadLine = %q, %v", line, err)
	}
	buf := make([]byte, 64)
	client.SetReadDeadline(time.Now().Add(waitLimit))
	n, err := client.Read(buf)
	if err != nil || string(buf[:n]) != "A\nB\n" {
		t.Fatalf("client read %q, %v; want the two held replies in one write", buf[:n], err)
	}
	if ws := cc.Writes(); len(ws) != 1 || string(ws[0]) != "A\nB\n" {
		t.Fatalf("writes to the conn: %q, want one of \"A\\nB\\n\"", ws)
	}
	sentAll := func() {
		t.Helper()
		eventually(t, "the send to return", func() bool { return w.Buffered() == 0 })
	}
	sentAll()

	// A lone reply, with part of the next request buffered, leaves when the
	// handler blocks for the rest of that request.
	sent = goErr(func() error { _, err := client.Write([]byte("d\ne")); return err })
	if line, err := r.ReadLine(ctx); err != nil || string(line) != "d\n" {
		t.Fatalf("ReadLine = %q, %v", line, err)
	}
	await(t, sent, "client's write")
	w.Write([]byte("D\n"))
	if b := w.Buffered(); b != 2 {
		t.Fatalf("Buffered() = %d, want the reply held while \"e\" is unread", b)
	}
	readLine := make(chan string, 1)
	go func() {
		line, err := r.ReadLine(ctx) // blocks: "e" lacks its "\n"
		readLine <- fmt.Sprintf("%s|%v", line, err)
	}()
	n, err = client.Read(buf)
	if err != nil || string(buf[:n]) != "D\n" {
		t.Fatalf("client read %q, %v; want the lone reply while the handler waits", buf[:n], err)
	}
	select {
	case l := <-readLine:
		t.Fatalf("ReadLine returned %q before the request was complete", l)
	default:
	}
	sentAll()
	client.Write([]byte("\n"))
	if l := await(t, readLine, "ReadLine"); l != "e\n|<nil>" {
		t.Fatalf("ReadLine = %q", l)
	}

	// Held replies leave once 4 KiB are queued, and when Drain has to wait.
	sent = goErr(func() error { _, err := client.Write([]byte("f\ng\n")); return err })
	if line, err := r.ReadLine(ctx); err != nil || string(line) != "f\n" {
		t.Fatalf("ReadLine = %q, %v", line, err)
	}
	await(t, sent, "client's write")
	w.Write([]byte("F\n"))
	if b := w.Buffered(); b != 2 {
		t.Fatalf("Buffered() = %d, want 2 held", b)
	}
	big := bytes.Repeat([]byte("x"), 4<<10)
	w.Write(big)
	got := make([]byte, 2+len(big))
	if _, err := io.ReadFull(client, got); err != nil || string(got) != "F\n"+string(big) {
		t.Fatalf("client read %d bytes, %v; want the 4 KiB queue sent without waiting for the Reader", len(got), err)
	}
	sentAll()
	w.Write([]byte("G\n"))
	// A Drain that need not wait leaves the reply held ...
	if err := w.Drain(ctx); err != nil || w.Buffered() != 2 {
		t.Fatalf("Drain below the high watermark = %v, Buffered() = %d; want nil, 2 held", err, w.Buffered())
	}
	// ... one that has to wait sends it.
	if err := w.SetWriteBufferLimits(0, 0); err != nil {
		t.Fatal(err)
	}
	drained := goErr(func() error { return w.Drain(ctx) })
	n, err = client.Read(buf)
	if err != nil || string(buf[:n]) != "G\n" {
		t.Fatalf("client read %q, %v; want the reply Drain sends", buf[:n], err)
	}
	if err := await(t, drained, "Drain"); err != nil {
		t.Fatal(err)
	}
}

// TestCoalescingTCP: the same over loopback TCP and the raw send path:
// what is held leaves once the Reader needs input.
func TestCoalescingTCP(t *testing.T) {
	ctx := testCtx(t)
	client, server := connPair(t, "tcp")
	r, w := wrap(t, server)
	client.Write([]byte("a\nb\nc\n"))
	var replies int
	for line, err := range r.Lines(ctx) {
		if err != nil {
			t.Fatal(err)
		}
		w.Write(bytes.ToUpper(line))
		if replies++; replies == 3 {
			break
		}
	}
	got := make([]byte, 6)
	client.SetReadDeadline(time.Now().Add(waitLimit))
	if _, err := io.ReadFull(client, got); err != nil || string(got) != "A\nB\nC\n" {
		t.Fatalf("client read %q, %v", got, err)
	}
}

// TestCloseDuringWrites: goroutines write until Close stops them; every
// Write that succeeded arrives, whole, and nothing after.
func TestCloseDuringWrites(t *testing.T) {
	for _, network := range writerNets {
		t.Run(network, func(t *testing.T) {
			ctx := testCtx(t)
			_, w, peer := writerPair(t, network)
			got := readAllAsync(peer)
			const writers = 4
			var ok [writers]int
			started := make(chan struct{}, writers)
			var wg sync.WaitGroup
			for g := range writers {
				wg.Go(func() {
					rec := bytes.Repeat([]byte{byte('a' + g)}, 999)
					rec = append(rec, '\n')
					for i := 0; ; i++ {
						if i == 100 {
							started <- struct{}{}
						}
						if _, err := w.Write(rec); err != nil {
							if !errors.Is(err, stream.ErrClosed) {
								t.Errorf("Write: %v, want ErrClosed", err)
							}
							return
						}
						ok[g]++
					}
				})
			}
			for range writers {
				await(t, started, "writers")
			}
			w.Close()
			wg.Wait()
			if err := w.WaitClosed(ctx); err != nil {
				t.Fatalf("WaitClosed: %v", err)
			}
			data := await(t, got, "peer's read")
			var count [writers]int
			for line := range bytes.Lines(data) {
				g := int(line[0] - 'a')
				if len(line) != 1000 || g < 0 || g >= writers || !bytes.Equal(line[:999], bytes.Repeat(line[:1], 999)) {
					t.Fatalf("a record arrived cut or mixed: %q...", line[:min(len(line), 20)])
				}
				count[g]++
			}
			if count != ok {
				t.Fatalf("records received per writer %v, successful Writes %v", count, ok)
			}
		})
	}
}

// TestHoldReleaseRace: replies written by another goroutine while the
// Reader toggles between holding input and waiting for it are never left
// held: the client, which waits for each reply before it sends on, would
// otherwise wait forever.
func TestHoldReleaseRace(t *testing.T) {
	ctx := testCtx(t)
	client, srv := connPair(t, "tcp")
	r, w := wrap(t, srv)
	lines := make(chan []byte, 16)
	go func() {
		defer close(lines)
		for line, err := range r.Lines(ctx) {
			if err != nil {
				return
			}
			lines <- line
		}
	}()
	replied := make(chan struct{})
	go func() {
		defer close(replied)
		for line := range lines {
			if _, err := w.Write(bytes.ToUpper(line)); err != nil {
				return
			}
		}
	}()
	rounds := 5000 / raceSlowdown
	br := bufio.NewReader(client)
	for i := range rounds {
		// Two requests at once, so the Reader holds the second while the
		// first one's reply is written.
		req := fmt.Sprintf("a%d\nb%d\n", i, i)
		if _, err := client.Write([]byte(req)); err != nil {
			t.Fatal(err)
		}
		client.SetReadDeadline(time.Now().Add(waitLimit))
		for _, want := range []string{fmt.Sprintf("A%d\n", i), fmt.Sprintf("B%d\n", i)} {
			got, err := br.ReadString('\n')
			if err != nil || got != want {
				t.Fatalf("round %d: got %q, %v; want %q (a reply left held?)", i, got, err, want)
			}
		}
	}
	w.Close()
	await(t, replied, "writer goroutine")
}

// TestLargeWritesArriveWhole: sends cut at a TCP segment boundary lose,
// reorder and hold back nothing. Writes of sizes around a loopback segment
// (63.9 KiB) and its multiples, with and without Drain between them, each
// arrive whole and in order; the rest of the last cut send arrives with no
// later Write, Drain or Close to push it.
func TestLargeWritesArriveWhole(t *testing.T) {
	ctx := testCtx(t)
	client, server := connPair(t, "tcp")
	_, w := wrap(t, server)
	rng := rand.New(rand.NewPCG(1, 2))
	sizes := []int{64 << 10, 65483, 65484, 1, 128 << 10, 200 << 10, 17 << 10, 64<<10 + 53}
	var writes [][]byte
	var want []byte
	for i := range 64 {
		p := make([]byte, sizes[i%len(sizes)])
		for j := range p {
			p[j] = byte(rng.Uint32())
		}
		writes = append(writes, p)
		want = append(want, p...)
	}
	got := make(chan []byte, 1)
	go func() {
		b := make([]byte, len(want))
		client.SetReadDeadline(time.Now().Add(waitLimit))
		n, err := io.ReadFull(client, b)
		if err != nil {
			t.Errorf("peer read %d of %d bytes: %v", n, len(b), err)
		}
		got <- b[:n]
	}()
	for i, p := range writes {
		if _, err := w.Write(p); err != nil {
			t.Fatalf("Write %d: %v", i, err)
		}
		if i%3 == 0 {
			if err := w.Drain(ctx); err != nil {
				t.Fatalf("Drain: %v", err)
			}
		}
	}
	if !bytes.Equal(await(t, got, "the peer's read"), want) {
		t.Fatal("the peer received other bytes than were written")
	}
	if n := w.Buffered(); n != 0 {
		t.Fatalf("Buffered() = %d after the peer read everything", n)
	}
}

// TestHeldRepliesLeaveWithoutWrite: when the handler takes the last
// request and then neither writes nor reads (it waits for something else),
// the replies held back for the requests before it still leave.
func TestHeldRepliesLeaveWithoutWrite(t *testing.T) {
	for _, network := range []string{"tcp", "unix"} {
		t.Run(network, func(t *testing.T) {
			ctx := testCtx(t)
			client, server := connPair(t, network)
			r, w := wrap(t, server)
			client.Write([]byte("a\nb\n"))
			if line, err := r.ReadLine(ctx); err != nil || string(line) != "a\n" {
				t.Fatalf("ReadLine = %q, %v", line, err)
			}
			if r.Buffered() == 0 {
				t.Skip("the requests did not arrive in one read")
			}
			w.Write([]byte("A\n"))
			if line, err := r.ReadLine(ctx); err != nil || string(line) != "b\n" {
				t.Fatalf("ReadLine = %q, %v", line, err)
			}
			got := make([]byte, 2)
			client.SetReadDeadline(time.Now().Add(waitLimit))
			if _, err := io.ReadFull(client, got); err != nil || string(got) != "A\n" {
				t.Fatalf("client read %q, %v; want the held reply", got, err)
			}
		})
	}
}
