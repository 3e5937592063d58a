package stream_test

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/netaio/aio/stream"
)

// echoLines serves one connection of ln: it echoes lines until EOF.
func echoLines(t *testing.T, ln net.Listener) {
	t.Helper()
	accepted := acceptOne(t, ln)
	go func() {
		c, ok := <-accepted
		if !ok {
			return
		}
		defer c.Close()
		io.Copy(c, c)
	}()
}

// roundTrip writes a line and reads it back.
func roundTrip(t *testing.T, r *stream.Reader, w *stream.Writer) {
	t.Helper()
	ctx := testCtx(t)
	if _, err := w.Write([]byte("ping\n")); err != nil {
		t.Fatalf("Write: %v", err)
	}
	if err := w.Drain(ctx); err != nil {
		t.Fatalf("Drain: %v", err)
	}
	line, err := r.ReadLine(ctx)
	if err != nil || string(line) != "ping\n" {
		t.Fatalf("ReadLine = %q, %v; want \"ping\\n\"", line, err)
	}
}

// closeAndWait closes w and waits until it is closed.
func closeAndWait(t *testing.T, w *stream.Writer) {
	t.Helper()
	if err := w.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := w.WaitClosed(testCtx(t)); err != nil {
		t.Fatalf("WaitClosed: %v", err)
	}
}

func TestOpen(t *testing.T) {
	for _, network := range []string{"tcp", "tcp4", "tcp6", "unix"} {
		t.Run(network, func(t *testing.T) {
			var ln net.Listener
			if network == "unix" {
				ln = listenUnix(t)
			} else {
				ln = listenTCP(t, network)
			}
			echoLines(t, ln)
			r, w, err := stream.Open(testCtx(t), network, ln.Addr().String())
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			if got, want := w.Conn().RemoteAddr().String(), ln.Addr().String(); got != want {
				t.Fatalf("RemoteAddr = %s, want %s", got, want)
			}
			if r.Limit() != stream.DefaultLimit {
				t.Fatalf("Limit() = %d, want DefaultLimit", r.Limit())
			}
			roundTrip(t, r, w)
			closeAndWait(t, w)
			if _, err := r.ReadLine(testCtx(t)); err == nil {
				t.Fatal("ReadLine after Close succeeded")
			}
		})
	}
}

func TestOpenUnix(t *testing.T) {
	ln := listenUnix(t)
	echoLines(t, ln)
	r, w, err := stream.OpenUnix(testCtx(t), ln.Addr().String(), stream.WithLimit(100))
	if err != nil {
		t.Fatalf("OpenUnix: %v", err)
	}
	if r.Limit() != 100 {
		t.Fatalf("Limit() = %d, want 100", r.Limit())
	}
	roundTrip(t, r, w)
	closeAndWait(t, w)
}

func TestOpenErrors(t *testing.T) {
	ctx := testCtx(t)
	// Nothing listens: the dial's error, not an option error.
	ln := listenTCP(t, "tcp")
	addr := ln.Addr().String()
	ln.Close()
	if _, _, err := stream.Open(ctx, "tcp", addr); err == nil || errors.Is(err, stream.ErrInvalidOption) {
		t.Fatalf("Open to a closed port = %v, want a dial error", err)
	}
	if _, _, err := stream.OpenUnix(ctx, t.TempDir()+"/nothing"); err == nil {
		t.Fatal("OpenUnix of a missing socket succeeded")
	}
	// A ctx that has ended: no dial.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	ln = listenTCP(t, "tcp")
	if _, _, err := stream.Open(cctx, "tcp", ln.Addr().String()); !errors.Is(err, context.Canceled) {
		t.Fatalf("Open with a cancelled ctx = %v, want Canceled", err)
	}
}

func TestWrapPipe(t *testing.T) {
	a, b := net.Pipe()
	t.Cleanup(func() { a.Close() })
	go func() { io.Copy(b, b); b.Close() }()
	r, w := wrap(t, a, stream.WithLimit(10), stream.WithWriteBufferLimits(10, 5))
	if h, l := w.WriteBufferLimits(); h != 10 || l != 5 {
		t.Fatalf("WriteBufferLimits() = %d, %d; want 10, 5", h, l)
	}
	if w.Conn() != a {
		t.Fatal("Conn() is not the wrapped pipe")
	}
	roundTrip(t, r, w)
	// The limit applies.
	w.Write([]byte("0123456789abcdef\n"))
	if _, err := r.ReadLine(testCtx(t)); !errors.Is(err, stream.ErrLimitOverrun) {
		t.Fatalf("ReadLine of a line over WithLimit(10) = %v, want ErrLimitOverrun", err)
	}
	closeAndWait(t, w)
}

func TestWrapTLS(t *testing.T) {
	cert := selfSigned(t)
	client, server := connPair(t, "tcp")
	go func() {
		tc := tls.Server(server, cert.server())
		defer tc.Close()
		io.Copy(tc, tc)
	}()
	cfg := cert.client()
	cfg.ServerName = "aio.test"
	tc := tls.Client(client, cfg)
	r, w := wrap(t, tc)
	if w.Conn() != tc {
		t.Fatal("Conn() is not the *tls.Conn")
	}
	roundTrip(t, r, w) // the handshake happens on the first write
	if st := tc.ConnectionState(); !st.HandshakeComplete || st.ServerName != "aio.test" {
		t.Fatalf("ConnectionState: complete %v, server name %q", st.HandshakeComplete, st.ServerName)
	}
	closeAndWait(t, w)
}

// TestOptionErrors: every bad option value, and every option a
// constructor has no use for, is an error wrapping ErrInvalidOption.
func TestOptionErrors(t *testing.T) {
	ctx := testCtx(t)
	ln := listenTCP(t, "tcp")
	addr := ln.Addr().String()
	cfg := selfSigned(t).client()
	c, _ := net.Pipe()
	defer c.Close()
	src := strings.NewReader("")
	open := func(opts ...stream.Option) error { _, _, err := stream.Open(ctx, "tcp", addr, opts...); return err }
	wrapErr := func(opts ...stream.Option) error { _, _, err := stream.Wrap(c, opts...); return err }
	reader := func(opts ...stream.Option) error { _, err := stream.NewReader(src, opts...); return err }
	writer := func(opts ...stream.Option) error { _, err := stream.NewWriter(io.Discard, opts...); return err }
	for _, tc := range []struct {
		name string
		err  error
	}{
		{"WithLimit(0)", reader(stream.WithLimit(0))},
		{"WithLimit(-1)", reader(stream.WithLimit(-1))},
		{"Wrap WithLimit(0)", wrapErr(stream.WithLimit(0))},
		{"Open WithLimit(0)", open(stream.WithLimit(0))},
		{"WithHandshakeTimeout(0)", wrapErr(stream.WithHandshakeTimeout(0))},
		{"WithHandshakeTimeout(-1s)", open(stream.WithHandshakeTimeout(-time.Second))},
		{"WithTLS(nil)", open(stream.WithTLS(nil))},
		{"WithDialer(nil)", open(stream.WithDialer(nil))},
		{"WithLocalAddr(nil)", open(stream.WithLocalAddr(nil))},
		{"WithWriteBufferLimits(1, 2)", writer(stream.WithWriteBufferLimits(1, 2))},
		{"WithWriteBufferLimits(-1, 0)", writer(stream.WithWriteBufferLimits(-1, 0))},
		{"WithWriteBufferLimits(0, -1)", wrapErr(stream.WithWriteBufferLimits(0, -1))},
		{"Open WithWriteBufferLimits(1, 2)", open(stream.WithWriteBufferLimits(1, 2))},
		// Options the constructor has no use for.
		{"NewReader WithTLS", reader(stream.WithTLS(cfg))},
		{"NewReader WithWriteBufferLimits", reader(stream.WithWriteBufferLimits(10, 1))},
		{"NewReader WithHandshakeTimeout", reader(stream.WithHandshakeTimeout(time.Second))},
		{"NewWriter WithLimit", writer(stream.WithLimit(10))},
		{"NewWriter WithTLS", writer(stream.WithTLS(cfg))},
		{"NewWriter WithDialer", writer(stream.WithDialer(&net.Dialer{}))},
		{"Wrap WithTLS", wrapErr(stream.WithTLS(cfg))},
		{"Wrap WithDialer", wrapErr(stream.WithDialer(&net.Dialer{}))},
		{"Wrap WithLocalAddr", wrapErr(stream.WithLocalAddr(&net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)}))},
		// Nil arguments and unknown networks.
		{"NewReader(nil)", func() error { _, err := stream.NewReader(nil); return err }()},
		{"NewWriter(nil)", func() error { _, err := stream.NewWriter(nil); return err }()},
		{"Wrap(nil)", func() error { _, _, err := stream.Wrap(nil); return err }()},
		{"Open udp", func() error { _, _, err := stream.Open(ctx, "udp", addr); return err }()},
		{"Open unixgram", func() error { _, _, err := stream.Open(ctx, "unixgram", "x"); return err }()},
		{"Open empty network", func() error { _, _, err := stream.Open(ctx, "", addr); return err }()},
	} {
		if !errors.Is(tc.err, stream.ErrInvalidOption) {
			t.Errorf("%s: err = %v, want ErrInvalidOption", tc.name, tc.err)
		}
	}
	// Good options pass, nil options are ignored.
	if err := reader(stream.WithLimit(1), nil); err != nil {
		t.Errorf("NewReader(WithLimit(1), nil) = %v", err)
	}
	if err := writer(stream.WithWriteBufferLimits(0, 0)); err != nil {
		t.Errorf("NewWriter(WithWriteBufferLimits(0, 0)) = %v", err)
	}
	if err := wrapErr(stream.WithLimit(1), stream.WithWriteBufferLimits(2, 1), stream.WithHandshakeTimeout(time.Second)); err != nil {
		t.Errorf("Wrap with its three options = %v", err)
	}
}

func TestWithLocalAddr(t *testing.T) {
	ln := listenTCP(t, "tcp")
	accepted := acceptOne(t, ln)
	// 127.0.0.2 is loopback on Linux; elsewhere it may not be configured.
	local := &net.TCPAddr{IP: net.IPv4(127, 0, 0, 2)}
	d := &net.Dialer{Timeout: waitLimit}
	_, w, err := stream.Open(testCtx(t), "tcp", ln.Addr().String(), stream.WithLocalAddr(local), stream.WithDialer(d))
	if err != nil {
		if errors.Is(err, syscall.EADDRNOTAVAIL) {
			t.Skipf("127.0.0.2 is not a local address here: %v", err)
		}
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { w.Abort() })
	peer := acceptConn(t, accepted)
	if ip := peer.RemoteAddr().(*net.TCPAddr).IP; !ip.Equal(local.IP) {
		t.Fatalf("peer sees %v, want the local address %v", ip, local.IP)
	}
	if ip := w.Conn().LocalAddr().(*net.TCPAddr).IP; !ip.Equal(local.IP) {
		t.Fatalf("LocalAddr %v, want %v", ip, local.IP)
	}
	if d.LocalAddr != nil {
		t.Fatal("WithLocalAddr changed the caller's Dialer")
	}
}

func TestWithDialer(t *testing.T) {
	ln := listenTCP(t, "tcp")
	echoLines(t, ln)
	var controlled atomic.Bool
	d := &net.Dialer{Control: func(network, address string, c syscall.RawConn) error {
		controlled.Store(true)
		return nil
	}}
	r, w, err := stream.Open(testCtx(t), "tcp", ln.Addr().String(), stream.WithDialer(d))
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	if !controlled.Load() {
		t.Fatal("Open did not dial with the given Dialer")
	}
	roundTrip(t, r, w)
	closeAndWait(t, w)

	// A Dialer's error comes back as is.
	failing := errors.New("refused by Control")
	d = &net.Dialer{Control: func(string, string, syscall.RawConn) error { return failing }}
	if _, _, err := stream.Open(testCtx(t), "tcp", ln.Addr().String(), stream.WithDialer(d)); !errors.Is(err, failing) {
		t.Fatalf("Open with a failing Dialer = %v, want its error", err)
	}
}
