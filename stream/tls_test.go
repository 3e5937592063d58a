package stream_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/netaio/aio/stream"
)

// tlsEchoServer accepts one TLS connection on ln and echoes it.
func tlsEchoServer(t *testing.T, ln net.Listener, cfg *tls.Config) <-chan error {
	t.Helper()
	accepted := acceptOne(t, ln)
	return goErr(func() error {
		c, ok := <-accepted
		if !ok {
			return errors.New("accept failed")
		}
		tc := tls.Server(c, cfg)
		defer tc.Close()
		if err := tc.HandshakeContext(context.Background()); err != nil {
			return err
		}
		_, err := io.Copy(tc, tc)
		return err
	})
}

func TestOpenTLS(t *testing.T) {
	cert := selfSigned(t)
	for _, tc := range []struct {
		name, host, serverName, wantSNI string
	}{
		// ServerName defaults to the host, checked against the
		// certificate's IP SAN (an IP is not sent as SNI).
		{"ip", "127.0.0.1", "", ""},
		// A DNS name given in the config is kept.
		{"dns", "127.0.0.1", "aio.test", "aio.test"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ln := listenTCP(t, "tcp")
			served := tlsEchoServer(t, ln, cert.server())
			_, port, _ := net.SplitHostPort(ln.Addr().String())
			cfg := cert.client()
			cfg.ServerName = tc.serverName
			r, w, err := stream.Open(testCtx(t), "tcp", net.JoinHostPort(tc.host, port), stream.WithTLS(cfg))
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			if cfg.ServerName != tc.serverName {
				t.Fatalf("Open changed the caller's config: ServerName %q", cfg.ServerName)
			}
			conn, ok := w.Conn().(*tls.Conn)
			if !ok {
				t.Fatalf("Conn() is a %T, want *tls.Conn", w.Conn())
			}
			if st := conn.ConnectionState(); !st.HandshakeComplete || len(st.VerifiedChains) == 0 || st.ServerName != tc.wantSNI {
				t.Fatalf("handshake complete %v, %d verified chains, SNI %q; want true, 1, %q",
					st.HandshakeComplete, len(st.VerifiedChains), st.ServerName, tc.wantSNI)
			}
			roundTrip(t, r, w)
			closeAndWait(t, w)
			if err := await(t, served, "server"); err != nil {
				t.Fatalf("server: %v", err)
			}
		})
	}
}

func TestOpenTLSBadCert(t *testing.T) {
	cert := selfSigned(t)
	ln := listenTCP(t, "tcp")
	served := tlsEchoServer(t, ln, cert.server())
	cfg := &tls.Config{RootCAs: x509.NewCertPool()} // trusts nothing
	_, _, err := stream.Open(testCtx(t), "tcp", ln.Addr().String(), stream.WithTLS(cfg))
	var verr *tls.CertificateVerificationError
	if !errors.As(err, &verr) || !strings.Contains(err.Error(), "TLS handshake") {
		t.Fatalf("Open with an untrusted certificate = %v, want a TLS handshake error with a CertificateVerificationError", err)
	}
	// The connection was closed: the server's handshake fails too.
	if err := await(t, served, "server"); err == nil {
		t.Fatal("server handshake succeeded")
	}
}

// silentPeer accepts connections on ln and reads them without ever
// writing, until the test ends.
func silentPeer(t *testing.T, ln net.Listener) {
	t.Helper()
	accepted := acceptOne(t, ln)
	go func() {
		if c, ok := <-accepted; ok {
			io.Copy(io.Discard, c)
			c.Close()
		}
	}()
}

func TestOpenTLSHandshakeTimeout(t *testing.T) {
	ln := listenTCP(t, "tcp")
	silentPeer(t, ln)
	const timeout = 100 * time.Millisecond
	start := time.Now()
	_, _, err := stream.Open(testCtx(t), "tcp", ln.Addr().String(),
		stream.WithTLS(selfSigned(t).client()), stream.WithHandshakeTimeout(timeout))
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Open against a silent server = %v, want DeadlineExceeded", err)
	}
	if d := time.Since(start); d < timeout || d > timeout+promptly {
		t.Fatalf("Open returned after %v, want about %v", d, timeout)
	}
}

// startTLSPair returns a stream client and a stream server on loopback TCP
// that have agreed, in plain text, to start TLS: the client sent
// "STARTTLS\n" and read the server's "OK\n".
func startTLSPair(t *testing.T, network string, opts ...stream.Option) (cr *stream.Reader, cw *stream.Writer, sr *stream.Reader, sw *stream.Writer) {
	t.Helper()
	ctx := testCtx(t)
	var ln net.Listener
	if network == "unix" {
		ln = listenUnix(t)
	} else {
		ln = listenTCP(t, network)
	}
	accepted := acceptOne(t, ln)
	cr, cw, err := stream.Open(ctx, ln.Addr().Network(), ln.Addr().String(), opts...)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { cw.Abort() })
	sr, sw = wrap(t, acceptConn(t, accepted), opts...)
	cw.Write([]byte("STARTTLS\n"))
	if line, err := sr.ReadLine(ctx); err != nil || string(line) != "STARTTLS\n" {
		t.Fatalf("server ReadLine = %q, %v", line, err)
	}
	sw.Write([]byte("OK\n"))
	if line, err := cr.ReadLine(ctx); err != nil || string(line) != "OK\n" {
		t.Fatalf("client ReadLine = %q, %v", line, err)
	}
	return cr, cw, sr, sw
}

// TestStartTLS upgrades both ends, client and server, made by Open and
// Wrap, and talks through the upgraded Reader and Writer.
func TestStartTLS(t *testing.T) {
	ctx := testCtx(t)
	cert := selfSigned(t)
	cr, cw, sr, sw := startTLSPair(t, "tcp")
	serverDone := goErr(func() error {
		if err := sw.StartTLS(ctx, cert.server(), true); err != nil {
			return err
		}
		for {
			p, err := sr.ReadN(ctx, 32<<10)
			if err == io.EOF {
				return sw.Close()
			}
			if err != nil {
				return err
			}
			sw.Write([]byte(strings.ToUpper(string(p))))
			if err := sw.Drain(ctx); err != nil {
				return err
			}
		}
	})
	// ServerName defaults to Open's host, 127.0.0.1: the certificate's IP SAN.
	if err := cw.StartTLS(ctx, cert.client(), false); err != nil {
		t.Fatalf("client StartTLS: %v", err)
	}
	tc, ok := cw.Conn().(*tls.Conn)
	if !ok {
		t.Fatalf("Conn() after StartTLS is a %T, want *tls.Conn", cw.Conn())
	}
	if st := tc.ConnectionState(); !st.HandshakeComplete || len(st.VerifiedChains) == 0 {
		t.Fatalf("handshake complete %v, %d verified chains", st.HandshakeComplete, len(st.VerifiedChains))
	}
	for _, msg := range []string{"hello\n", "world\n", strings.Repeat("x", 100<<10) + "\n"} {
		cw.Write([]byte(msg))
		line, err := cr.ReadExactly(ctx, len(msg))
		if err != nil || string(line) != strings.ToUpper(msg) {
			t.Fatalf("reply of %d bytes, %v; want %d", len(line), err, len(msg))
		}
	}
	// WriteEOF over TLS sends close_notify; the server reads EOF, closes,
	// and our Reader sees its end.
	if !cw.CanWriteEOF() {
		t.Fatal("CanWriteEOF() = false over TLS")
	}
	if err := cw.WriteEOF(); err != nil {
		t.Fatalf("WriteEOF over TLS: %v", err)
	}
	if err := await(t, serverDone, "server"); err != nil {
		t.Fatalf("server: %v", err)
	}
	if _, err := cr.ReadLine(ctx); err != io.EOF {
		t.Fatalf("ReadLine after the server closed = %v, want io.EOF", err)
	}
	closeAndWait(t, cw)
}

func TestStartTLSUnix(t *testing.T) {
	ctx := testCtx(t)
	cert := selfSigned(t)
	_, cw, sr, sw := startTLSPair(t, "unix")
	served := goErr(func() error { return sw.StartTLS(ctx, cert.server(), true) })
	cfg := cert.client()
	cfg.ServerName = "aio.test" // a unix socket has no host to default to
	if err := cw.StartTLS(ctx, cfg, false); err != nil {
		t.Fatalf("client StartTLS: %v", err)
	}
	if err := await(t, served, "server StartTLS"); err != nil {
		t.Fatalf("server StartTLS: %v", err)
	}
	cw.Write([]byte("over unix\n"))
	if line, err := sr.ReadLine(ctx); err != nil || string(line) != "over unix\n" {
		t.Fatalf("server ReadLine = %q, %v", line, err)
	}
	closeAndWait(t, cw)
	closeAndWait(t, sw)
}

// helloConn sends line in front of the first Write: the TLS client's
// ClientHello follows the plain-text STARTTLS request in one segment, so
// the server's Reader reads part of the handshake ahead with the line.
type helloConn struct {
	net.Conn
	once sync.Once
	line string
}

func (c *helloConn) Write(p []byte) (int, error) {
	first := false
	c.once.Do(func() { first = true })
	if !first {
		return c.Conn.Write(p)
	}
	if _, err := c.Conn.Write(append([]byte(c.line), p...)); err != nil {
		return 0, err
	}
	return len(p), nil
}

// TestStartTLSReadAhead: the server's Reader holds the start of the
// ClientHello when StartTLS is called; those bytes must feed the
// handshake.
func TestStartTLSReadAhead(t *testing.T) {
	for _, network := range []string{"tcp", "pipe"} {
		t.Run(network, func(t *testing.T) {
			ctx := testCtx(t)
			cert := selfSigned(t)
			client, server := connPair(t, network)
			cfg := cert.client()
			cfg.ServerName = "aio.test"
			clientDone := goErr(func() error {
				tc := tls.Client(&helloConn{Conn: client, line: "STARTTLS\n"}, cfg)
				defer tc.Close()
				if err := tc.HandshakeContext(ctx); err != nil {
					return err
				}
				if _, err := tc.Write([]byte("hello\n")); err != nil {
					return err
				}
				got, err := io.ReadAll(tc)
				if err != nil {
					return err
				}
				if string(got) != "HELLO\n" {
					return errors.New("client got " + string(got))
				}
				return nil
			})
			r, w := wrap(t, server)
			line, err := r.ReadLine(ctx)
			if err != nil || string(line) != "STARTTLS\n" {
				t.Fatalf("ReadLine = %q, %v", line, err)
			}
			if r.Buffered() == 0 {
				t.Fatal("the ClientHello did not arrive with the STARTTLS line: no read-ahead to test")
			}
			if err := w.StartTLS(ctx, cert.server(), true); err != nil {
				t.Fatalf("server StartTLS with read-ahead: %v", err)
			}
			if line, err := r.ReadLine(ctx); err != nil || string(line) != "hello\n" {
				t.Fatalf("ReadLine over TLS = %q, %v", line, err)
			}
			w.Write([]byte("HELLO\n"))
			closeAndWait(t, w)
			if err := await(t, clientDone, "client"); err != nil {
				t.Fatalf("client: %v", err)
			}
		})
	}
}

// TestStartTLSBadCert: a failed handshake returns a clear error, closes
// the connection, and every later call fails.
func TestStartTLSBadCert(t *testing.T) {
	ctx := testCtx(t)
	cert := selfSigned(t)
	cr, cw, sr, sw := startTLSPair(t, "tcp")
	served := goErr(func() error { return sw.StartTLS(ctx, cert.server(), true) })
	err := cw.StartTLS(ctx, &tls.Config{RootCAs: x509.NewCertPool()}, false)
	var verr *tls.CertificateVerificationError
	if !errors.As(err, &verr) || !strings.Contains(err.Error(), "TLS handshake") {
		t.Fatalf("StartTLS with an untrusted certificate = %v, want a TLS handshake error with a CertificateVerificationError", err)
	}
	if serr := await(t, served, "server StartTLS"); serr == nil {
		t.Fatal("server StartTLS succeeded against a client that rejected it")
	}
	// The connection is closed.
	if !cw.IsClosing() {
		t.Fatal("IsClosing() = false after a failed handshake")
	}
	if werr := cw.WaitClosed(ctx); werr == nil {
		t.Fatal("WaitClosed = nil after a failed handshake, want its error")
	}
	if _, rerr := sr.ReadN(ctx, 1); rerr == nil {
		t.Fatal("the server still reads after the client's handshake failed")
	}
	// Every later call fails, with the handshake's error.
	if _, werr := cw.Write([]byte("x")); !errors.As(werr, &verr) {
		t.Errorf("Write after a failed handshake = %v, want the handshake error", werr)
	}
	if derr := cw.Drain(ctx); !errors.As(derr, &verr) {
		t.Errorf("Drain after a failed handshake = %v, want the handshake error", derr)
	}
	if _, rerr := cr.ReadLine(ctx); !errors.As(rerr, &verr) {
		t.Errorf("ReadLine after a failed handshake = %v, want the handshake error", rerr)
	}
	if serr := cw.StartTLS(ctx, cert.client(), false); serr == nil {
		t.Error("a second StartTLS succeeded")
	}
	if cerr := cw.Close(); cerr != nil {
		t.Errorf("Close after a failed handshake: %v", cerr)
	}
}

// TestStartTLSHandshakeTimeout: a peer that never answers the handshake is
// given up after WithHandshakeTimeout, on either side.
func TestStartTLSHandshakeTimeout(t *testing.T) {
	const timeout = 100 * time.Millisecond
	for _, server := range []bool{false, true} {
		name := "client"
		if server {
			name = "server"
		}
		t.Run(name, func(t *testing.T) {
			ctx := testCtx(t)
			cert := selfSigned(t)
			_, cw, _, sw := startTLSPair(t, "tcp", stream.WithHandshakeTimeout(timeout))
			w, cfg := cw, cert.client()
			if server {
				w, cfg = sw, cert.server()
			}
			start := time.Now()
			err := w.StartTLS(ctx, cfg, server)
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("StartTLS against a silent peer = %v, want DeadlineExceeded", err)
			}
			if d := time.Since(start); d < timeout || d > timeout+promptly {
				t.Fatalf("StartTLS returned after %v, want about %v", d, timeout)
			}
			if !w.IsClosing() {
				t.Fatal("IsClosing() = false after a timed-out handshake")
			}
		})
	}
}

// TestStartTLSCancel: ctx ends a handshake in progress promptly.
func TestStartTLSCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(testCtx(t))
	_, cw, _, _ := startTLSPair(t, "tcp")
	var returned time.Time
	done := goErr(func() error {
		err := cw.StartTLS(ctx, selfSigned(t).client(), false)
		returned = time.Now()
		return err
	})
	waitParked(t, "stream.(*Writer).StartTLS")
	cancelled := time.Now()
	cancel()
	if err := await(t, done, "StartTLS"); !errors.Is(err, context.Canceled) {
		t.Fatalf("StartTLS = %v, want Canceled", err)
	}
	if d := returned.Sub(cancelled); d > promptly {
		t.Fatalf("StartTLS returned %v after cancel, want <= %v", d, promptly)
	}
}

// TestStartTLSAbort: Abort during a handshake wakes it; StartTLS returns
// an error, and the Writer stays closed.
func TestStartTLSAbort(t *testing.T) {
	for _, server := range []bool{false, true} {
		t.Run(map[bool]string{false: "client", true: "server"}[server], func(t *testing.T) {
			ctx := testCtx(t)
			cert := selfSigned(t)
			_, cw, _, sw := startTLSPair(t, "tcp")
			w, cfg := cw, cert.client()
			if server {
				w, cfg = sw, cert.server()
			}
			done := goErr(func() error { return w.StartTLS(ctx, cfg, server) })
			waitParked(t, "stream.(*Writer).StartTLS")
			if err := w.Abort(); err != nil {
				t.Fatalf("Abort: %v", err)
			}
			if err := await(t, done, "StartTLS"); err == nil {
				t.Fatal("StartTLS succeeded on an aborted connection")
			}
			if err := w.WaitClosed(ctx); err != nil {
				t.Fatalf("WaitClosed after Abort: %v", err)
			}
			if _, err := w.Write([]byte("x")); !errors.Is(err, stream.ErrClosed) {
				t.Fatalf("Write after Abort = %v, want ErrClosed", err)
			}
		})
	}
}

func TestStartTLSMisuse(t *testing.T) {
	ctx := testCtx(t)
	cr, cw, _, _ := startTLSPair(t, "tcp")
	if err := cw.StartTLS(ctx, nil, false); !errors.Is(err, stream.ErrInvalidOption) {
		t.Fatalf("StartTLS(nil) = %v, want ErrInvalidOption", err)
	}
	// A read in progress: StartTLS cannot take the Reader's buffer.
	rctx, cancel := context.WithCancel(ctx)
	reading := goErr(func() error { _, err := cr.ReadLine(rctx); return err })
	waitParked(t, "stream.(*Reader).ReadLine")
	if err := cw.StartTLS(ctx, selfSigned(t).client(), false); !errors.Is(err, stream.ErrConcurrentRead) {
		t.Fatalf("StartTLS during a read = %v, want ErrConcurrentRead", err)
	}
	cancel()
	await(t, reading, "ReadLine")
	// A Writer made by NewWriter has no connection to upgrade.
	w, err := stream.NewWriter(io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.StartTLS(ctx, selfSigned(t).client(), false); err == nil {
		t.Fatal("StartTLS on a NewWriter Writer succeeded")
	}
	// Nothing was broken: the connection still works in plain text.
	cw.Write([]byte("still plain\n"))
	if err := cw.Drain(ctx); err != nil {
		t.Fatal(err)
	}
}

// tlsStalledPeer returns a Writer over TLS on net.Pipe whose peer has done
// the handshake and read "hello\n", and then reads no more: any write,
// close_notify included, blocks until the connection is closed.
func tlsStalledPeer(t *testing.T) *stream.Writer {
	t.Helper()
	cert := selfSigned(t)
	c, peer := connPair(t, "pipe")
	cfg := cert.client()
	cfg.ServerName = "aio.test"
	tp := tls.Server(peer, cert.server())
	got := goErr(func() error {
		line := make([]byte, 6)
		_, err := io.ReadFull(tp, line)
		return err
	})
	_, w := wrap(t, tls.Client(c, cfg))
	w.Write([]byte("hello\n"))
	if err := await(t, got, "peer's read"); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the write to return", func() bool { return w.Buffered() == 0 })
	return w
}

// TestTLSCloseDoesNotBlock: Close, WriteEOF and Abort of a TLS Writer
// return at once even when the close_notify alert cannot be sent; Abort
// ends a pending close_notify.
func TestTLSCloseDoesNotBlock(t *testing.T) {
	ctx := testCtx(t)
	timed := func(what string, fn func() error) error {
		t.Helper()
		start := time.Now()
		err := fn()
		if d := time.Since(start); d > promptly {
			t.Errorf("%s took %v, want <= %v", what, d, promptly)
		}
		return err
	}
	t.Run("Close", func(t *testing.T) {
		w := tlsStalledPeer(t)
		timed("Close", w.Close)
		if !w.IsClosing() {
			t.Fatal("IsClosing() = false")
		}
		timed("Abort after Close", w.Abort)
		timed("WaitClosed after Abort", func() error { return w.WaitClosed(ctx) })
	})
	t.Run("WriteEOF", func(t *testing.T) {
		w := tlsStalledPeer(t)
		timed("WriteEOF", w.WriteEOF)
		timed("Buffered", func() error { w.Buffered(); return nil })
		timed("Abort after WriteEOF", w.Abort)
		timed("WaitClosed after Abort", func() error { return w.WaitClosed(ctx) })
	})
	t.Run("Abort", func(t *testing.T) {
		w := tlsStalledPeer(t)
		timed("Abort", w.Abort)
		timed("WaitClosed after Abort", func() error { return w.WaitClosed(ctx) })
	})
}

// TestTLSReadCancelResume: a read over TLS cancelled by its ctx loses
// nothing, and the connection goes on (a read deadline does not break a
// *tls.Conn, unlike a write deadline).
func TestTLSReadCancelResume(t *testing.T) {
	ctx := testCtx(t)
	cert := selfSigned(t)
	cr, cw, sr, sw := startTLSPair(t, "tcp")
	served := goErr(func() error { return sw.StartTLS(ctx, cert.server(), true) })
	if err := cw.StartTLS(ctx, cert.client(), false); err != nil {
		t.Fatal(err)
	}
	if err := await(t, served, "server StartTLS"); err != nil {
		t.Fatal(err)
	}
	sw.Write([]byte("par"))
	if err := sw.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	rctx, cancel := context.WithCancel(ctx)
	var returned time.Time
	reading := goErr(func() error {
		_, err := cr.ReadLine(rctx)
		returned = time.Now()
		return err
	})
	waitParked(t, "stream.(*Reader).ReadLine")
	cancelled := time.Now()
	cancel()
	if err := await(t, reading, "ReadLine"); !errors.Is(err, context.Canceled) {
		t.Fatalf("ReadLine = %v, want Canceled", err)
	}
	if d := returned.Sub(cancelled); d > promptly {
		t.Fatalf("ReadLine returned %v after cancel, want <= %v", d, promptly)
	}
	sw.Write([]byte("tial\n"))
	if line, err := cr.ReadLine(ctx); err != nil || string(line) != "partial\n" {
		t.Fatalf("ReadLine after a cancelled one = %q, %v; want \"partial\\n\"", line, err)
	}
	cw.Write([]byte("and back\n"))
	if line, err := sr.ReadLine(ctx); err != nil || string(line) != "and back\n" {
		t.Fatalf("server ReadLine = %q, %v", line, err)
	}
}

// TestStartTLSAfterCancelledRead: a read under a ctx that has since ended
// leaves nothing behind that breaks the handshake (the Reader keeps its
// ctx registration between reads; when that ctx ends it sets a read
// deadline in the past on the connection).
func TestStartTLSAfterCancelledRead(t *testing.T) {
	ctx := testCtx(t)
	cert := selfSigned(t)
	_, cw, sr, sw := startTLSPair(t, "tcp")
	cw.Write([]byte("one more line\n"))
	rctx, cancel := context.WithCancel(ctx)
	if line, err := sr.ReadLine(rctx); err != nil || string(line) != "one more line\n" {
		t.Fatalf("ReadLine = %q, %v", line, err)
	}
	cancel() // the request is done; its ctx ends
	served := goErr(func() error { return sw.StartTLS(ctx, cert.server(), true) })
	if err := cw.StartTLS(ctx, cert.client(), false); err != nil {
		t.Fatalf("client StartTLS: %v", err)
	}
	if err := await(t, served, "server StartTLS"); err != nil {
		t.Fatalf("server StartTLS after a read whose ctx ended: %v", err)
	}
}
