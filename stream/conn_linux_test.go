package stream_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"runtime"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
	"unsafe"

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

// keepRest writes 64 KiB chunks of pattern bytes to w (on conn, loopback
// TCP) until one leaves a rest kept in the Writer (see Writer), and returns
// that chunk. After every other chunk, consume must read it whole at the
// peer. The caller runs with GOMAXPROCS(1), so that the rest stays until
// the caller blocks.
func keepRest(t *testing.T, w *stream.Writer, conn net.Conn, consume func(n int)) []byte {
	t.Helper()
	chunk := make([]byte, 64<<10)
	for i := range chunk {
		chunk[i] = byte(i * 7)
	}
	for range 100 {
		mss := tcpInt(t, conn, syscall.TCP_MAXSEG)
		if _, err := w.Write(chunk); err != nil {
			t.Fatal(err)
		}
		if mss >= 16<<10 && len(chunk)%mss != 0 && mss == tcpInt(t, conn, syscall.TCP_MAXSEG) && w.Buffered() > 0 {
			return chunk
		}
		consume(len(chunk))
	}
	t.Skipf("TCP_MAXSEG = %d after 6.4 MiB: no segment to cut at", tcpInt(t, conn, syscall.TCP_MAXSEG))
	return nil
}

// TestKeptRestThen: a rest kept from a cut send goes before whatever
// WriteEOF, SendFile and StartTLS send next, and Abort drops it without
// leaving a goroutine behind.
func TestKeptRestThen(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	readN := func(t *testing.T, c net.Conn) func(int) {
		return func(n int) {
			c.SetReadDeadline(time.Now().Add(waitLimit))
			if _, err := io.ReadFull(c, make([]byte, n)); err != nil {
				t.Fatalf("peer read: %v", err)
			}
		}
	}
	t.Run("WriteEOF", func(t *testing.T) {
		client, server := connPair(t, "tcp")
		_, w := wrap(t, server)
		chunk := keepRest(t, w, server, readN(t, client))
		if err := w.WriteEOF(); err != nil {
			t.Fatal(err)
		}
		client.SetReadDeadline(time.Now().Add(waitLimit))
		if got, err := io.ReadAll(client); err != nil || !bytes.Equal(got, chunk) {
			t.Fatalf("peer read %d bytes, %v; want the last chunk (%d bytes), then EOF", len(got), err, len(chunk))
		}
	})
	t.Run("SendFile", func(t *testing.T) {
		ctx := testCtx(t)
		client, server := connPair(t, "tcp")
		_, w := wrap(t, server)
		data := randomBytes(100 << 10)
		f := tempFile(t, data) // first: file I/O would let the rest go
		chunk := keepRest(t, w, server, readN(t, client))
		if n, err := w.SendFile(ctx, f, 0, 0); err != nil || n != int64(len(data)) {
			t.Fatalf("SendFile = %d, %v", n, err)
		}
		closeAndWait(t, w)
		client.SetReadDeadline(time.Now().Add(waitLimit))
		if b, err := io.ReadAll(client); err != nil || !bytes.Equal(b, append(chunk, data...)) {
			t.Fatalf("peer read %d bytes, %v; not the chunk then the file (%d bytes)", len(b), err, len(chunk)+len(data))
		}
	})
	t.Run("StartTLS", func(t *testing.T) {
		ctx := testCtx(t)
		cert := selfSigned(t)
		_, cw, sr, sw := startTLSPair(t, "tcp")
		chunk := keepRest(t, cw, cw.Conn(), func(n int) {
			if _, err := sr.ReadExactly(ctx, n); err != nil {
				t.Fatalf("server read: %v", err)
			}
		})
		served := goErr(func() error {
			if got, err := sr.ReadExactly(ctx, len(chunk)); err != nil || !bytes.Equal(got, chunk) {
				return fmt.Errorf("plain text before the handshake: %d bytes, %v", len(got), err)
			}
			if err := sw.StartTLS(ctx, cert.server(), true); err != nil {
				return err
			}
			line, err := sr.ReadLine(ctx)
			if err == nil && string(line) != "secret\n" {
				err = fmt.Errorf("read %q over TLS", line)
			}
			return err
		})
		if err := cw.StartTLS(ctx, cert.client(), false); err != nil {
			t.Fatalf("client StartTLS: %v", err)
		}
		cw.Write([]byte("secret\n"))
		if err := await(t, served, "the server"); err != nil {
			t.Fatal(err)
		}
		closeAndWait(t, cw)
	})
	t.Run("Abort", func(t *testing.T) {
		client, server := connPair(t, "tcp")
		_, w := wrap(t, server)
		keepRest(t, w, server, readN(t, client))
		if err := w.Abort(); err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write([]byte("x")); !errors.Is(err, stream.ErrClosed) {
			t.Fatalf("Write after Abort: %v, want ErrClosed", err)
		}
		client.SetReadDeadline(time.Now().Add(waitLimit))
		got, _ := io.ReadAll(client)
		if len(got) >= 64<<10 {
			t.Fatalf("peer read %d bytes after Abort, want less than the last chunk", len(got))
		}
	})
}

// TestCoalescingLastReplyTCP: over a socket, where a send is a write(2)
// made at once, the replies to a batch of pipelined requests leave in one
// segment with the reply to the last one (see TestCoalescingLastReply).
func TestCoalescingLastReplyTCP(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	ctx := testCtx(t)
	client, server := connPair(t, "tcp")
	r, w := wrap(t, server)
	for round := range 20 {
		if _, err := client.Write([]byte("a\nb\nc\n")); err != nil {
			t.Fatal(err)
		}
		before := segsOut(t, server)
		for range 3 {
			line, err := r.ReadLine(ctx)
			if err != nil {
				t.Fatal(err)
			}
			w.Write(bytes.ToUpper(line))
		}
		segs := segsOut(t, server) - before
		got := make([]byte, 6)
		client.SetReadDeadline(time.Now().Add(waitLimit))
		if _, err := io.ReadFull(client, got); err != nil || string(got) != "A\nB\nC\n" {
			t.Fatalf("client read %q, %v", got, err)
		}
		if segs > 1 {
			t.Fatalf("round %d: the three replies left in %d segments, want 1", round, segs)
		}
	}
}

// segsOut returns tcpi_segs_out of c's TCP_INFO: the segments it has sent.
func segsOut(t *testing.T, c net.Conn) uint32 {
	t.Helper()
	rc, err := c.(*net.TCPConn).SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	var info [256]byte
	size := uint32(len(info))
	var errno syscall.Errno
	rc.Control(func(fd uintptr) {
		_, _, errno = syscall.Syscall6(syscall.SYS_GETSOCKOPT, fd, syscall.IPPROTO_TCP, syscall.TCP_INFO,
			uintptr(unsafe.Pointer(&info[0])), uintptr(unsafe.Pointer(&size)), 0)
	})
	const offset = 136 // of tcpi_segs_out in struct tcp_info (Linux 4.2+)
	if errno != 0 || size < offset+4 {
		t.Skipf("TCP_INFO: %v, %d bytes", errno, size)
	}
	return binary.NativeEndian.Uint32(info[offset:])
}
