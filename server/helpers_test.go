package server_test

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/netaio/aio/server"
	"github.com/netaio/aio/stream"
)

// testCtx is a ctx that ends with the test or after d, whichever is first:
// the bound of every wait in a test.
func testCtx(t testing.TB, d time.Duration) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// echoLines echoes every line until EOF or an error.
func echoLines(ctx context.Context, r *stream.Reader, w *stream.Writer) {
	for {
		line, err := r.ReadLine(ctx)
		if err != nil {
			return
		}
		if _, err := w.Write(line); err != nil {
			return
		}
	}
}

// echoBytes echoes whatever arrives, with backpressure, until EOF.
func echoBytes(ctx context.Context, r *stream.Reader, w *stream.Writer) {
	for {
		b, err := r.ReadN(ctx, 64<<10)
		if err != nil {
			return
		}
		w.Write(b)
		if err := w.Drain(ctx); err != nil {
			return
		}
	}
}

// start starts a server and makes sure the test ends with it finished:
// Shutdown with a deadline, then WaitClosed.
func start(t testing.TB, network, address string, h server.Handler, opts ...server.Option) *server.Server {
	t.Helper()
	s, err := server.Start(context.Background(), network, address, h, opts...)
	if err != nil {
		t.Fatalf("Start(%q, %q): %v", network, address, err)
	}
	t.Cleanup(func() { finish(t, s) })
	return s
}

// finish ends s at the end of a test, whatever state it is in (Close and
// AbortClients), and fails the test if its goroutines are not all gone
// within a few seconds.
func finish(t testing.TB, s *server.Server) {
	t.Helper()
	s.Close()
	s.AbortClients()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.WaitClosed(ctx); err != nil {
		t.Errorf("server not finished after Close and AbortClients: %v", err)
	}
}

func unixPath(t testing.TB) string {
	t.Helper()
	// sun_path is ~104 bytes: keep the path short.
	dir, err := os.MkdirTemp("", "aio")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return filepath.Join(dir, "s.sock")
}

// dial connects to addr with a deadline on the whole conversation.
func dial(t testing.TB, addr net.Addr) net.Conn {
	t.Helper()
	c, err := net.DialTimeout(addr.Network(), addr.String(), 5*time.Second)
	if err != nil {
		t.Fatalf("dial %v: %v", addr, err)
	}
	c.SetDeadline(time.Now().Add(20 * time.Second))
	t.Cleanup(func() { c.Close() })
	return c
}

// roundTrip sends line and returns the line that comes back.
func roundTrip(t testing.TB, c net.Conn, line string) string {
	t.Helper()
	if _, err := io.WriteString(c, line); err != nil {
		t.Fatalf("write: %v", err)
	}
	got, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		t.Fatalf("read after %q: got %q, %v", line, got, err)
	}
	return got
}

// readEOF reads c until it ends and reports what ended it: nil for a clean
// EOF, else the error (a reset counts as ended too).
func readEOF(c net.Conn) ([]byte, error) {
	b, err := io.ReadAll(c)
	if err != nil && !errors.Is(err, os.ErrDeadlineExceeded) {
		return b, nil // reset by the peer: ended
	}
	return b, err
}

// eventually checks cond every few ms until it holds or d passes: for
// state that has no notification to wait on (fd counts, goroutine counts).
func eventually(t testing.TB, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: still false after %v", what, d)
		}
		<-tick.C
	}
}
