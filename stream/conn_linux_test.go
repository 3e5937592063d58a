package stream_test

import (
	"fmt"
	"io"
	"net"
	"os"
	"runtime"
	"sync/atomic"
	"syscall"
	"testing"

	"github.com/netaio/aio/stream"
)

// TestOpenUnixAbstract: on Linux a name starting with "@" is an abstract
// socket, with no file behind it.
func TestOpenUnixAbstract(t *testing.T) {
	name := fmt.Sprintf("@aio-stream-test-%d-%s", os.Getpid(), t.Name())
	ln, err := net.Listen("unix", name)
	if err != nil {
		t.Fatalf("Listen(%q): %v", name, err)
	}
	t.Cleanup(func() { ln.Close() })
	echoLines(t, ln)
	r, w, err := stream.OpenUnix(testCtx(t), name)
	if err != nil {
		t.Fatalf("OpenUnix(%q): %v", name, err)
	}
	if got := w.Conn().RemoteAddr().String(); got != name {
		t.Fatalf("RemoteAddr = %q, want %q", got, name)
	}
	roundTrip(t, r, w)
	closeAndWait(t, w)
	if _, err := os.Stat(name); err == nil {
		t.Fatalf("a file %q exists for an abstract socket", name)
	}
}

// TestLargeWriteCutAtSegment: on loopback, where a TCP segment holds 65483
// bytes, a 64 KiB Write sends one full segment and queues the 53 bytes
// left, so that they leave with the next Write instead of in a runt
// segment of their own (see Writer); with no next Write they leave alone,
// and Close sends them before it closes.
func TestLargeWriteCutAtSegment(t *testing.T) {
	// With one P the Writer's goroutine cannot send the rest before this
	// goroutine blocks, which makes what Buffered sees certain.
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	ctx := testCtx(t)
	client, server := connPair(t, "tcp")
	_, w := wrap(t, server)
	var read atomic.Int64
	eof := make(chan error, 1)
	go func() {
		buf := make([]byte, 256<<10)
		for {
			n, err := client.Read(buf)
			read.Add(int64(n))
			if err != nil {
				eof <- err
				return
			}
		}
	}()
	chunk := make([]byte, 64<<10)
	written := 0
	// sent waits until the peer has read everything, so that the socket
	// has room for the next Write.
	sent := func() {
		w.SetWriteBufferLimits(0, 0)
		if err := w.Drain(ctx); err != nil {
			t.Fatal(err)
		}
		eventually(t, "the peer's read", func() bool { return read.Load() == int64(written) })
	}
	// The segment size grows as the peer's window opens: check the writes
	// made while it stays the same and does not divide 64 KiB.
	checked := 0
	for i := 0; checked < 3; i++ {
		if i == 100 {
			t.Skipf("TCP_MAXSEG = %d after 6.4 MiB: no segment to cut at", tcpInt(t, server, syscall.TCP_MAXSEG))
		}
		mss := tcpInt(t, server, syscall.TCP_MAXSEG)
		w.Write(chunk)
		written += len(chunk)
		if mss >= 16<<10 && len(chunk)%mss != 0 && mss == tcpInt(t, server, syscall.TCP_MAXSEG) {
			if got, want := w.Buffered(), len(chunk)%mss; got != want {
				t.Fatalf("Buffered() = %d after a Write of %d bytes with TCP_MAXSEG %d, want %d", got, len(chunk), mss, want)
			}
			checked++
		}
		sent()
	}
	w.SetWriteBufferLimits(stream.DefaultHighWater, stream.DefaultLowWater)
	w.Write(chunk)
	written += len(chunk)
	if w.Buffered() == 0 {
		t.Fatal("Buffered() = 0 after a Write of 64 KiB: no rest kept for Close to send")
	}
	closeAndWait(t, w)
	if err := await(t, eof, "the peer's EOF"); err != io.EOF {
		t.Fatalf("peer read: %v, want EOF", err)
	}
	if got := read.Load(); got != int64(written) {
		t.Fatalf("peer read %d bytes, want %d", got, written)
	}
}

// tcpInt returns the TCP-level socket option opt of c.
func tcpInt(t *testing.T, c net.Conn, opt int) int {
	t.Helper()
	rc, err := c.(*net.TCPConn).SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	var v int
	rc.Control(func(fd uintptr) { v, err = syscall.GetsockoptInt(int(fd), syscall.IPPROTO_TCP, opt) })
	if err != nil {
		t.Fatal(err)
	}
	return v
}
