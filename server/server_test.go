package server_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/netaio/aio/server"
	"github.com/netaio/aio/stream"
)

func TestStartTCPSeveralAddrs(t *testing.T) {
	s := start(t, "tcp", "127.0.0.1:0, 127.0.0.1:0", echoLines)
	addrs := s.Addrs()
	if len(addrs) != 2 {
		t.Fatalf("got %d addrs, want 2: %v", len(addrs), addrs)
	}
	for _, a := range addrs {
		if a.(*net.TCPAddr).Port == 0 {
			t.Errorf("addr %v: port 0, want the real port", a)
		}
		c := dial(t, a)
		if got := roundTrip(t, c, "hello\n"); got != "hello\n" {
			t.Errorf("via %v: got %q, want %q", a, got, "hello\n")
		}
	}
	if addrs[0].String() == addrs[1].String() {
		t.Errorf("both addrs are %v", addrs[0])
	}
	if !s.IsServing() {
		t.Error("IsServing: got false, want true")
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if got := s.Addrs(); got != nil {
		t.Errorf("Addrs after Close: got %v, want nil", got)
	}
	for _, a := range addrs {
		if c, err := net.DialTimeout("tcp", a.String(), time.Second); err == nil {
			c.Close()
			t.Errorf("dial %v after Close: got no error", a)
		}
	}
}

func TestStartBindFailureUnbindsAll(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	free, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	freeAddr := free.Addr().String()
	free.Close()
	_, err = server.Start(context.Background(), "tcp", freeAddr+","+busy.Addr().String(), echoLines)
	if err == nil {
		t.Fatal("Start on a busy address: got no error")
	}
	// The first address must have been released.
	l, err := net.Listen("tcp", freeAddr)
	if err != nil {
		t.Fatalf("first address still bound after the failed Start: %v", err)
	}
	l.Close()
}

func TestStartIPv6(t *testing.T) {
	l, err := net.Listen("tcp6", "[::1]:0")
	if err != nil {
		t.Skip("no IPv6 loopback:", err)
	}
	l.Close()
	s := start(t, "tcp", "127.0.0.1:0,[::1]:0", echoLines)
	for _, a := range s.Addrs() {
		if got := roundTrip(t, dial(t, a), "x\n"); got != "x\n" {
			t.Errorf("via %v: got %q", a, got)
		}
	}
}

func TestOptionErrors(t *testing.T) {
	ctx := context.Background()
	noCert := &tls.Config{}
	tests := []struct {
		name string
		run  func() (*server.Server, error)
		is   error
	}{
		{"nil handler", func() (*server.Server, error) { return server.Start(ctx, "tcp", "127.0.0.1:0", nil) }, server.ErrInvalidOption},
		{"bad network", func() (*server.Server, error) { return server.Start(ctx, "udp", "127.0.0.1:0", echoLines) }, server.ErrInvalidOption},
		{"limit 0", func() (*server.Server, error) {
			return server.Start(ctx, "tcp", "127.0.0.1:0", echoLines, server.WithLimit(0))
		}, server.ErrInvalidOption},
		{"max conns -1", func() (*server.Server, error) {
			return server.Start(ctx, "tcp", "127.0.0.1:0", echoLines, server.WithMaxConns(-1))
		}, server.ErrInvalidOption},
		{"backlog 0", func() (*server.Server, error) {
			return server.Start(ctx, "tcp", "127.0.0.1:0", echoLines, server.WithBacklog(0))
		}, server.ErrInvalidOption},
		{"nil logger", func() (*server.Server, error) {
			return server.Start(ctx, "tcp", "127.0.0.1:0", echoLines, server.WithLogger(nil))
		}, server.ErrInvalidOption},
		{"nil tls", func() (*server.Server, error) {
			return server.Start(ctx, "tcp", "127.0.0.1:0", echoLines, server.WithTLS(nil))
		}, server.ErrInvalidOption},
		{"tls without certificate", func() (*server.Server, error) {
			return server.Start(ctx, "tcp", "127.0.0.1:0", echoLines, server.WithTLS(noCert))
		}, server.ErrInvalidOption},
		{"handshake timeout without tls", func() (*server.Server, error) {
			return server.Start(ctx, "tcp", "127.0.0.1:0", echoLines, server.WithHandshakeTimeout(time.Second))
		}, server.ErrInvalidOption},
		{"handshake timeout 0", func() (*server.Server, error) {
			return server.Start(ctx, "tcp", "127.0.0.1:0", echoLines, server.WithTLS(testTLS(t)), server.WithHandshakeTimeout(0))
		}, server.ErrInvalidOption},
		{"close grace < 0", func() (*server.Server, error) {
			return server.Start(ctx, "tcp", "127.0.0.1:0", echoLines, server.WithCloseGrace(-1))
		}, server.ErrInvalidOption},
		{"unix cleanup on tcp", func() (*server.Server, error) {
			return server.Start(ctx, "tcp", "127.0.0.1:0", echoLines, server.WithUnixCleanup(false))
		}, server.ErrInvalidOption},
		{"reuse port on unix", func() (*server.Server, error) {
			return server.StartUnix(ctx, unixPath(t), echoLines, server.WithReusePort(true))
		}, server.ErrInvalidOption},
		{"keep-alive on unix", func() (*server.Server, error) {
			return server.StartUnix(ctx, unixPath(t), echoLines, server.WithKeepAlive(net.KeepAliveConfig{Enable: true}))
		}, server.ErrInvalidOption},
		{"empty unix path", func() (*server.Server, error) { return server.StartUnix(ctx, "", echoLines) }, server.ErrInvalidOption},
		{"serve without listeners", func() (*server.Server, error) { return server.Serve(ctx, nil, echoLines) }, server.ErrInvalidOption},
		{"serve nil listener", func() (*server.Server, error) {
			return server.Serve(ctx, []net.Listener{nil}, echoLines)
		}, server.ErrInvalidOption},
		{"reuse port with serve", func() (*server.Server, error) {
			return server.Serve(ctx, []net.Listener{nopListener{}}, echoLines, server.WithReusePort(true))
		}, server.ErrInvalidOption},
		{"empty address in list", func() (*server.Server, error) {
			return server.Start(ctx, "tcp", "127.0.0.1:0,,127.0.0.1:0", echoLines)
		}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := tt.run()
			if err == nil {
				finish(t, s)
				t.Fatal("got no error")
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Fatalf("got %v, want an error wrapping %v", err, tt.is)
			}
		})
	}
}

// nopListener is a listener Serve must not start using when it rejects
// its options.
type nopListener struct{}

func (nopListener) Accept() (net.Conn, error) { return nil, net.ErrClosed }
func (nopListener) Close() error              { return nil }
func (nopListener) Addr() net.Addr            { return &net.TCPAddr{} }

func TestReusePort(t *testing.T) {
	if runtime.GOOS == "windows" {
		_, err := server.Start(context.Background(), "tcp", "127.0.0.1:0", echoLines, server.WithReusePort(true))
		if !errors.Is(err, errors.ErrUnsupported) {
			t.Fatalf("got %v, want errors.ErrUnsupported", err)
		}
		return
	}
	s1 := start(t, "tcp", "127.0.0.1:0", echoLines, server.WithReusePort(true))
	addr := s1.Addrs()[0].String()
	s2 := start(t, "tcp", addr, echoLines, server.WithReusePort(true))
	if got := s2.Addrs()[0].String(); got != addr {
		t.Fatalf("second server bound %v, want %v", got, addr)
	}
	if _, err := server.Start(context.Background(), "tcp", addr, echoLines); err == nil {
		t.Fatal("third server without WithReusePort bound the same address")
	}
	if got := roundTrip(t, dial(t, s1.Addrs()[0]), "a\n"); got != "a\n" {
		t.Fatalf("got %q", got)
	}
}

func TestServeListeners(t *testing.T) {
	l1, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	l2, err := net.Listen("unix", unixPath(t))
	if err != nil {
		t.Fatal(err)
	}
	s, err := server.Serve(context.Background(), []net.Listener{l1, l2}, echoLines)
	if err != nil {
		t.Fatal(err)
	}
	defer finish(t, s)
	for _, a := range s.Addrs() {
		if got := roundTrip(t, dial(t, a), "via "+a.Network()+"\n"); got != "via "+a.Network()+"\n" {
			t.Errorf("got %q", got)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := l1.Accept(); !errors.Is(err, net.ErrClosed) {
		t.Errorf("listener after Close: got %v, want net.ErrClosed", err)
	}
}

// TestServeListenerClosedByOwner: a listener closed behind the server's
// back stops its accept loop without a retry storm, and the server still
// closes cleanly.
func TestServeListenerClosedByOwner(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	logs := &logBuffer{}
	s, err := server.Serve(context.Background(), []net.Listener{l}, echoLines, server.WithLogger(logs.logger()))
	if err != nil {
		t.Fatal(err)
	}
	l.Close()
	eventually(t, 5*time.Second, "log of the closed listener", func() bool {
		return strings.Contains(logs.String(), "closed by its owner")
	})
	finish(t, s)
}

func TestLimit(t *testing.T) {
	got := make(chan error, 1)
	s := start(t, "tcp", "127.0.0.1:0", func(ctx context.Context, r *stream.Reader, w *stream.Writer) {
		_, err := r.ReadLine(ctx)
		got <- err
	}, server.WithLimit(16))
	c := dial(t, s.Addrs()[0])
	io.WriteString(c, strings.Repeat("x", 40)+"\n")
	select {
	case err := <-got:
		if !errors.Is(err, stream.ErrLimitOverrun) {
			t.Fatalf("got %v, want ErrLimitOverrun", err)
		}
	case <-testCtx(t, 5*time.Second).Done():
		t.Fatal("handler did not return")
	}
}

// TestWriterClosedWhenHandlerReturns: what the handler queued reaches the
// client, then EOF.
func TestWriterClosedWhenHandlerReturns(t *testing.T) {
	big := bytes.Repeat([]byte("0123456789abcdef"), 1<<16) // 1 MiB: more than a socket takes at once
	for _, network := range []string{"tcp", "unix"} {
		t.Run(network, func(t *testing.T) {
			addr := "127.0.0.1:0"
			if network == "unix" {
				addr = unixPath(t)
			}
			s := start(t, network, addr, func(ctx context.Context, r *stream.Reader, w *stream.Writer) {
				w.Write([]byte("bye\n"))
				w.Write(big)
			})
			c := dial(t, s.Addrs()[0])
			b, err := readEOF(c)
			if err != nil {
				t.Fatal(err)
			}
			if want := append([]byte("bye\n"), big...); !bytes.Equal(b, want) {
				t.Fatalf("got %d bytes, want %d", len(b), len(want))
			}
		})
	}
}

// TestHandlerCtx: the handler's ctx carries Start's values, is not ended
// by Start's cancellation or by Close, and is cancelled by CloseClients.
func TestHandlerCtx(t *testing.T) {
	type key struct{}
	startCtx, cancelStart := context.WithCancel(context.WithValue(context.Background(), key{}, "v"))
	type report struct {
		value      any
		errAtStart error
		errAtEnd   error
	}
	reports := make(chan report, 1)
	entered := make(chan struct{})
	proceed := make(chan struct{})
	s, err := server.Start(startCtx, "tcp", "127.0.0.1:0", func(ctx context.Context, r *stream.Reader, w *stream.Writer) {
		rep := report{value: ctx.Value(key{}), errAtStart: ctx.Err()}
		close(entered)
		<-proceed
		<-ctx.Done()
		rep.errAtEnd = ctx.Err()
		reports <- rep
	})
	if err != nil {
		t.Fatal(err)
	}
	defer finish(t, s)
	cancelStart()
	dial(t, s.Addrs()[0])
	<-entered
	s.Close()
	close(proceed)
	s.CloseClients()
	select {
	case rep := <-reports:
		if rep.value != "v" || rep.errAtStart != nil || !errors.Is(rep.errAtEnd, context.Canceled) {
			t.Fatalf("got %+v, want value v, no error at start, Canceled at the end", rep)
		}
	case <-testCtx(t, 5*time.Second).Done():
		t.Fatal("handler's ctx not cancelled by CloseClients")
	}
	if err := s.WaitClosed(testCtx(t, 5*time.Second)); err != nil {
		t.Fatal(err)
	}
}

// TestCloseClientsWhileServing: a client accepted after CloseClients gets a
// ctx that CloseClients did not cancel.
func TestCloseClientsWhileServing(t *testing.T) {
	var mu sync.Mutex
	var ctxs []context.Context
	s := start(t, "tcp", "127.0.0.1:0", func(ctx context.Context, r *stream.Reader, w *stream.Writer) {
		mu.Lock()
		ctxs = append(ctxs, ctx)
		mu.Unlock()
		echoLines(ctx, r, w)
	})
	c1 := dial(t, s.Addrs()[0])
	roundTrip(t, c1, "1\n")
	s.CloseClients()
	if _, err := readEOF(c1); err != nil {
		t.Fatalf("first client not closed: %v", err)
	}
	c2 := dial(t, s.Addrs()[0])
	if got := roundTrip(t, c2, "2\n"); got != "2\n" {
		t.Fatalf("got %q", got)
	}
	mu.Lock()
	defer mu.Unlock()
	if ctxs[0].Err() == nil || ctxs[1].Err() != nil {
		t.Fatalf("ctx errors: first %v (want Canceled), second %v (want nil)", ctxs[0].Err(), ctxs[1].Err())
	}
}

// TestCloseClientsFlushes: CloseClients sends what a handler queued, then
// closes; the blocked handler is woken by its ctx.
func TestCloseClientsFlushes(t *testing.T) {
	big := bytes.Repeat([]byte("z"), 4<<20)
	queued := make(chan struct{})
	s := start(t, "tcp", "127.0.0.1:0", func(ctx context.Context, r *stream.Reader, w *stream.Writer) {
		w.Write(big) // more than the socket buffers hold: most of it is queued
		close(queued)
		r.ReadLine(ctx) // blocks until CloseClients
	})
	c := dial(t, s.Addrs()[0])
	<-queued
	s.CloseClients()
	b, err := readEOF(c)
	if err != nil || !bytes.Equal(b, big) {
		t.Fatalf("got %d bytes, %v; want %d bytes then EOF", len(b), err, len(big))
	}
}

// TestAbortClients drops queued output and closes at once, even a client
// that does not read.
func TestAbortClients(t *testing.T) {
	queued := make(chan struct{}, 1)
	s := start(t, "tcp", "127.0.0.1:0", func(ctx context.Context, r *stream.Reader, w *stream.Writer) {
		w.Write(make([]byte, 16<<20))
		queued <- struct{}{}
		w.Drain(ctx)
	})
	c := dial(t, s.Addrs()[0])
	<-queued
	s.Close()
	s.AbortClients()
	if err := s.WaitClosed(testCtx(t, 5*time.Second)); err != nil {
		t.Fatalf("WaitClosed after AbortClients: %v", err)
	}
	b, _ := io.ReadAll(c)
	if len(b) >= 16<<20 {
		t.Fatalf("client got all %d bytes; want the queue dropped", len(b))
	}
}

// TestShutdownWaitsForHandlers: Shutdown returns nil once the handlers end
// on their own, and does not cut them off.
func TestShutdownWaitsForHandlers(t *testing.T) {
	s := start(t, "tcp", "127.0.0.1:0", echoLines)
	c := dial(t, s.Addrs()[0])
	roundTrip(t, c, "before\n")
	done := make(chan error, 1)
	go func() { done <- s.Shutdown(testCtx(t, 10*time.Second)) }()
	// Still served while Shutdown waits.
	if got := roundTrip(t, c, "during\n"); got != "during\n" {
		t.Fatalf("got %q", got)
	}
	select {
	case err := <-done:
		t.Fatalf("Shutdown returned %v while a handler was running", err)
	default:
	}
	c.(*net.TCPConn).CloseWrite()
	if err := <-done; err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
}

// TestShutdownDeadline: at ctx's end Shutdown aborts the clients and
// returns ctx's error; the handlers then return.
func TestShutdownDeadline(t *testing.T) {
	s := start(t, "tcp", "127.0.0.1:0", echoLines)
	c := dial(t, s.Addrs()[0])
	roundTrip(t, c, "x\n")
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := s.Shutdown(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Shutdown: got %v, want DeadlineExceeded", err)
	}
	if err := s.WaitClosed(testCtx(t, 5*time.Second)); err != nil {
		t.Fatalf("WaitClosed after Shutdown's deadline: %v", err)
	}
	if _, err := readEOF(c); err != nil {
		t.Fatal(err)
	}
}

func TestWaitClosed(t *testing.T) {
	release := make(chan struct{})
	entered := make(chan struct{})
	s := start(t, "tcp", "127.0.0.1:0", func(ctx context.Context, r *stream.Reader, w *stream.Writer) {
		close(entered)
		<-release
	})
	dial(t, s.Addrs()[0])
	<-entered
	short, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if err := s.WaitClosed(short); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("before Close: got %v, want DeadlineExceeded", err)
	}
	s.Close()
	short2, cancel2 := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel2()
	if err := s.WaitClosed(short2); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("after Close, handler running: got %v, want DeadlineExceeded", err)
	}
	close(release)
	if err := s.WaitClosed(testCtx(t, 5*time.Second)); err != nil {
		t.Fatalf("after the handler returned: %v", err)
	}
	done, cancel3 := context.WithCancel(context.Background())
	cancel3()
	if err := s.WaitClosed(done); err != nil {
		t.Fatalf("finished server, ended ctx: got %v, want nil", err)
	}
}

func TestStartServingLater(t *testing.T) {
	s := start(t, "tcp", "127.0.0.1:0", echoLines, server.WithStartServing(false))
	if s.IsServing() {
		t.Fatal("IsServing before StartServing: got true")
	}
	// The socket is bound: a client connects into the backlog and is
	// served once the server starts accepting.
	c := dial(t, s.Addrs()[0])
	if _, err := io.WriteString(c, "early\n"); err != nil {
		t.Fatal(err)
	}
	if err := s.StartServing(); err != nil {
		t.Fatal(err)
	}
	if err := s.StartServing(); err != nil {
		t.Fatalf("second StartServing: %v", err)
	}
	if !s.IsServing() {
		t.Fatal("IsServing after StartServing: got false")
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil || line != "early\n" {
		t.Fatalf("got %q, %v", line, err)
	}
	s.Close()
	if err := s.StartServing(); !errors.Is(err, server.ErrServerClosed) {
		t.Fatalf("StartServing after Close: got %v, want ErrServerClosed", err)
	}
}

func TestServeForeverErrors(t *testing.T) {
	// Not serving until ServeForever starts, so that IsServing tells when
	// it runs.
	s := start(t, "tcp", "127.0.0.1:0", echoLines, server.WithStartServing(false))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.ServeForever(ctx) }()
	eventually(t, 5*time.Second, "ServeForever running", s.IsServing)
	if err := s.ServeForever(ctx); !errors.Is(err, server.ErrServingForever) {
		t.Fatalf("second ServeForever: got %v, want ErrServingForever", err)
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("ServeForever: got %v, want Canceled", err)
	}
	if err := s.ServeForever(context.Background()); !errors.Is(err, server.ErrServerClosed) {
		t.Fatalf("ServeForever after the close: got %v, want ErrServerClosed", err)
	}

	// Close from another goroutine ends ServeForever with ErrServerClosed.
	s2 := start(t, "tcp", "127.0.0.1:0", echoLines, server.WithStartServing(false))
	go func() { done <- s2.ServeForever(context.Background()) }()
	eventually(t, 5*time.Second, "ServeForever running", s2.IsServing)
	s2.Close()
	if err := <-done; !errors.Is(err, server.ErrServerClosed) {
		t.Fatalf("ServeForever after another's Close: got %v, want ErrServerClosed", err)
	}

	// The cause of the ctx is returned.
	s3 := start(t, "tcp", "127.0.0.1:0", echoLines)
	cause := errors.New("stop now")
	cctx, ccancel := context.WithCancelCause(context.Background())
	ccancel(cause)
	if err := s3.ServeForever(cctx); err != cause {
		t.Fatalf("ServeForever: got %v, want the cause", err)
	}
}

// TestHandlerPanic: a panic is logged with its stack and closes only its
// own connection.
func TestHandlerPanic(t *testing.T) {
	logs := &logBuffer{}
	s := start(t, "tcp", "127.0.0.1:0", func(ctx context.Context, r *stream.Reader, w *stream.Writer) {
		for {
			line, err := r.ReadLine(ctx)
			if err != nil {
				return
			}
			if string(line) == "panic\n" {
				w.Write([]byte("partial"))
				panic("handler exploded")
			}
			w.Write(line)
		}
	}, server.WithLogger(logs.logger()))
	good := dial(t, s.Addrs()[0])
	bad := dial(t, s.Addrs()[0])
	roundTrip(t, good, "a\n")
	io.WriteString(bad, "panic\n")
	b, err := readEOF(bad)
	if err != nil {
		t.Fatalf("panicking handler's connection not closed: %v", err)
	}
	if len(b) != 0 {
		t.Logf("client of the panicking handler got %q before the abort", b)
	}
	if got := roundTrip(t, good, "b\n"); got != "b\n" {
		t.Fatalf("other connection: got %q", got)
	}
	out := logs.String()
	for _, want := range []string{"level=ERROR", "handler exploded", "TestHandlerPanic", "server_test.go"} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q:\n%s", want, out)
		}
	}
}

// logBuffer collects a server's log.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

func (l *logBuffer) logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(l, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

func TestMaxConns(t *testing.T) {
	entered := make(chan struct{}, 10)
	s := start(t, "tcp", "127.0.0.1:0", func(ctx context.Context, r *stream.Reader, w *stream.Writer) {
		entered <- struct{}{}
		echoLines(ctx, r, w)
	}, server.WithMaxConns(2))
	c1 := dial(t, s.Addrs()[0])
	c2 := dial(t, s.Addrs()[0])
	c3 := dial(t, s.Addrs()[0]) // connects into the backlog
	<-entered
	<-entered
	io.WriteString(c3, "third\n")
	select {
	case <-entered:
		t.Fatal("a third connection was served with WithMaxConns(2)")
	case <-time.After(100 * time.Millisecond): // a negative: bounded look
	}
	roundTrip(t, c2, "second\n")
	c1.Close()
	<-entered // c3 is accepted once c1 is over
	line, err := bufio.NewReader(c3).ReadString('\n')
	if err != nil || line != "third\n" {
		t.Fatalf("third client: got %q, %v", line, err)
	}
}

// TestKeepAlive reads the options back from the server's sockets.
func TestKeepAlive(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("reads TCP_KEEPIDLE, Linux only")
	}
	type opts struct{ on, idle int }
	got := make(chan opts, 1)
	h := func(ctx context.Context, r *stream.Reader, w *stream.Writer) {
		got <- keepAliveOf(t, w.Conn())
	}
	check := func(t *testing.T, s *server.Server, want opts) {
		dial(t, s.Addrs()[0])
		if o := <-got; o != want {
			t.Fatalf("got SO_KEEPALIVE=%d TCP_KEEPIDLE=%d, want %d, %d", o.on, o.idle, want.on, want.idle)
		}
	}
	keepIdle := func(t *testing.T, s *server.Server) { check(t, s, opts{1, 7}) }
	cfg := net.KeepAliveConfig{Enable: true, Idle: 7 * time.Second, Interval: 3 * time.Second, Count: 2}
	t.Run("Start", func(t *testing.T) {
		keepIdle(t, start(t, "tcp", "127.0.0.1:0", h, server.WithKeepAlive(cfg)))
	})
	t.Run("Serve", func(t *testing.T) {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		s, err := server.Serve(context.Background(), []net.Listener{l}, h, server.WithKeepAlive(cfg))
		if err != nil {
			t.Fatal(err)
		}
		defer finish(t, s)
		keepIdle(t, s)
	})
	t.Run("off", func(t *testing.T) {
		s := start(t, "tcp", "127.0.0.1:0", h, server.WithKeepAlive(net.KeepAliveConfig{}))
		dial(t, s.Addrs()[0])
		if o := <-got; o.on != 0 {
			t.Fatalf("SO_KEEPALIVE: got %d, want 0", o.on)
		}
	})
}

// TestUnixCleanup: the socket file is removed on Close if it is still
// ours; a stale file is replaced; a live one, or a file that is not a
// socket, is left alone with an error.
func TestUnixCleanup(t *testing.T) {
	t.Run("removed on close", func(t *testing.T) {
		path := unixPath(t)
		s := start(t, "unix", path, echoLines)
		if got := roundTrip(t, dial(t, s.Addrs()[0]), "u\n"); got != "u\n" {
			t.Fatalf("got %q", got)
		}
		s.Close()
		if _, err := os.Lstat(path); !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("socket file after Close: %v", err)
		}
	})
	t.Run("stale replaced", func(t *testing.T) {
		path := unixPath(t)
		makeStale(t, path)
		s := start(t, "unix", path, echoLines)
		if got := roundTrip(t, dial(t, s.Addrs()[0]), "s\n"); got != "s\n" {
			t.Fatalf("got %q", got)
		}
	})
	t.Run("live refused", func(t *testing.T) {
		path := unixPath(t)
		s := start(t, "unix", path, echoLines)
		_, err := server.StartUnix(context.Background(), path, echoLines)
		if !errors.Is(err, syscall.EADDRINUSE) {
			t.Fatalf("second server on a live socket: got %v, want EADDRINUSE", err)
		}
		if got := roundTrip(t, dial(t, s.Addrs()[0]), "still\n"); got != "still\n" {
			t.Fatalf("first server after the refused start: got %q", got)
		}
	})
	t.Run("not a socket", func(t *testing.T) {
		path := unixPath(t)
		if err := os.WriteFile(path, []byte("data"), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := server.StartUnix(context.Background(), path, echoLines); err == nil {
			t.Fatal("started over a regular file")
		}
		if b, err := os.ReadFile(path); err != nil || string(b) != "data" {
			t.Fatalf("regular file changed: %q, %v", b, err)
		}
	})
	t.Run("replaced file not removed", func(t *testing.T) {
		path := unixPath(t)
		s := start(t, "unix", path, echoLines)
		// Another server takes the path over (its owner removed ours).
		os.Remove(path)
		other, err := net.Listen("unix", path)
		if err != nil {
			t.Fatal(err)
		}
		defer other.Close()
		s.Close()
		if _, err := os.Lstat(path); err != nil {
			t.Fatalf("Close removed another server's socket file: %v", err)
		}
	})
	t.Run("abstract", func(t *testing.T) {
		if runtime.GOOS != "linux" {
			t.Skip("abstract sockets are Linux's")
		}
		name := fmt.Sprintf("@aio-test-%d-%d", os.Getpid(), time.Now().UnixNano())
		s := start(t, "unix", name, echoLines)
		if got := roundTrip(t, dial(t, s.Addrs()[0]), "abstract\n"); got != "abstract\n" {
			t.Fatalf("got %q", got)
		}
	})
	t.Run("cleanup off", func(t *testing.T) {
		path := unixPath(t)
		s := start(t, "unix", path, echoLines, server.WithUnixCleanup(false))
		s.Close()
		if _, err := os.Lstat(path); err != nil {
			t.Fatalf("socket file removed with WithUnixCleanup(false): %v", err)
		}
		if _, err := server.StartUnix(context.Background(), path, echoLines, server.WithUnixCleanup(false)); err == nil {
			t.Fatal("bound over an existing file with WithUnixCleanup(false)")
		}
	})
}

// makeStale leaves a socket file at path that nothing listens on.
func makeStale(t *testing.T, path string) {
	t.Helper()
	l, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	l.(*net.UnixListener).SetUnlinkOnClose(false)
	l.Close()
	if _, err := os.Lstat(path); err != nil {
		t.Fatalf("no stale file: %v", err)
	}
}

// TestAcceptErrorBackoff: accept errors are retried after a pause that
// doubles up to a second, the server keeps serving, and Close is prompt
// even during a pause.
func TestAcceptErrorBackoff(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	fl := &failingListener{Listener: l, fails: 4}
	logs := &logBuffer{}
	s, err := server.Serve(context.Background(), []net.Listener{fl}, echoLines, server.WithLogger(logs.logger()))
	if err != nil {
		t.Fatal(err)
	}
	defer finish(t, s)
	start := time.Now()
	c := dial(t, s.Addrs()[0])
	if got := roundTrip(t, c, "after EMFILE\n"); got != "after EMFILE\n" {
		t.Fatalf("got %q", got)
	}
	// 5 + 10 + 20 + 40 ms of pauses before the fifth Accept.
	if d := time.Since(start); d < 75*time.Millisecond {
		t.Errorf("served after %v: the pauses were skipped", d)
	}
	out := logs.String()
	for _, want := range []string{"retry_in=5ms", "retry_in=10ms", "retry_in=20ms", "retry_in=40ms", "too many open files"} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q:\n%s", want, out)
		}
	}

	// The pause is capped at 1 s; Close interrupts it.
	fl.setFails(100)
	// The accept loop is already in the listener's Accept: this client is
	// accepted, and every later Accept fails.
	dial(t, s.Addrs()[0])
	eventually(t, 10*time.Second, "pause reaches 1s", func() bool {
		return strings.Contains(logs.String(), "retry_in=1s")
	})
	var longest time.Duration
	for _, m := range regexp.MustCompile(`retry_in=(\S+)`).FindAllStringSubmatch(logs.String(), -1) {
		d, err := time.ParseDuration(m[1])
		if err != nil {
			t.Fatalf("retry_in=%s: %v", m[1], err)
		}
		longest = max(longest, d)
	}
	if longest != time.Second {
		t.Errorf("longest pause: got %v, want 1s", longest)
	}
	t0 := time.Now()
	s.Close()
	s.AbortClients()
	if err := s.WaitClosed(testCtx(t, 5*time.Second)); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(t0); d > 500*time.Millisecond {
		t.Errorf("Close during a pause took %v", d)
	}
}

// failingListener fails Accept with EMFILE a given number of times.
type failingListener struct {
	net.Listener
	mu    sync.Mutex
	fails int
}

func (l *failingListener) setFails(n int) {
	l.mu.Lock()
	l.fails = n
	l.mu.Unlock()
}

func (l *failingListener) Accept() (net.Conn, error) {
	l.mu.Lock()
	fail := l.fails > 0
	if fail {
		l.fails--
	}
	l.mu.Unlock()
	if fail {
		return nil, &net.OpError{Op: "accept", Net: "tcp", Err: os.NewSyscallError("accept4", syscall.EMFILE)}
	}
	return l.Listener.Accept()
}

// TestManyServersShareNothing: handlers of two servers are independent
// (a sanity check of the per-server state).
func TestManyServersShareNothing(t *testing.T) {
	var servers []*server.Server
	for i := range 3 {
		tag := fmt.Sprint(i)
		servers = append(servers, start(t, "tcp", "127.0.0.1:0", func(ctx context.Context, r *stream.Reader, w *stream.Writer) {
			w.Write([]byte(tag + "\n"))
		}))
	}
	servers[1].AbortClients()
	servers[1].Close()
	for i, s := range servers {
		if i == 1 {
			continue
		}
		b, err := readEOF(dial(t, s.Addrs()[0]))
		if err != nil || string(b) != fmt.Sprint(i)+"\n" {
			t.Fatalf("server %d: got %q, %v", i, b, err)
		}
	}
}
