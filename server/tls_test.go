package server_test

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"io"
	"math/big"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/netaio/aio/server"
	"github.com/netaio/aio/stream"
)

var (
	tlsOnce   sync.Once
	tlsServer *tls.Config
	tlsClient *tls.Config
)

// testTLS returns a server config with a self-signed certificate for
// 127.0.0.1, made once per test binary.
func testTLS(t testing.TB) *tls.Config {
	tlsOnce.Do(func() {
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			panic(err)
		}
		tmpl := &x509.Certificate{
			SerialNumber:          big.NewInt(1),
			Subject:               pkix.Name{CommonName: "aio test"},
			NotBefore:             time.Now().Add(-time.Hour),
			NotAfter:              time.Now().Add(time.Hour),
			IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
			KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
			ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
			BasicConstraintsValid: true,
			IsCA:                  true,
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
		if err != nil {
			panic(err)
		}
		cert, err := x509.ParseCertificate(der)
		if err != nil {
			panic(err)
		}
		pool := x509.NewCertPool()
		pool.AddCert(cert)
		tlsServer = &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}
		tlsClient = &tls.Config{RootCAs: pool}
	})
	return tlsServer
}

func tlsClientConfig(t testing.TB) *tls.Config {
	testTLS(t)
	return tlsClient
}

func TestTLSEcho(t *testing.T) {
	s := start(t, "tcp", "127.0.0.1:0", echoLines, server.WithTLS(testTLS(t)))
	ctx := testCtx(t, 10*time.Second)
	r, w, err := stream.Open(ctx, "tcp", s.Addrs()[0].String(), stream.WithTLS(tlsClientConfig(t)))
	if err != nil {
		t.Fatal(err)
	}
	defer w.Abort()
	w.Write([]byte("secret\n"))
	line, err := r.ReadLine(ctx)
	if err != nil || string(line) != "secret\n" {
		t.Fatalf("got %q, %v", line, err)
	}
}

// stalled connects without ever starting the TLS handshake.
func stalled(t *testing.T, s *server.Server) net.Conn {
	t.Helper()
	return dial(t, s.Addrs()[0])
}

// TestHandshakeOffAcceptLoop: a client that never sends its hello does not
// keep the server from accepting and serving others.
func TestHandshakeOffAcceptLoop(t *testing.T) {
	s := start(t, "tcp", "127.0.0.1:0", echoLines, server.WithTLS(testTLS(t)))
	for range 3 {
		stalled(t, s)
	}
	ctx := testCtx(t, 10*time.Second)
	r, w, err := stream.Open(ctx, "tcp", s.Addrs()[0].String(), stream.WithTLS(tlsClientConfig(t)))
	if err != nil {
		t.Fatal(err)
	}
	defer w.Abort()
	w.Write([]byte("ok\n"))
	if line, err := r.ReadLine(ctx); err != nil || string(line) != "ok\n" {
		t.Fatalf("got %q, %v", line, err)
	}
}

func TestHandshakeTimeout(t *testing.T) {
	logs := &logBuffer{}
	s := start(t, "tcp", "127.0.0.1:0", echoLines,
		server.WithTLS(testTLS(t)), server.WithHandshakeTimeout(50*time.Millisecond), server.WithLogger(logs.logger()))
	c := stalled(t, s)
	t0 := time.Now()
	if _, err := readEOF(c); err != nil {
		t.Fatalf("stalled client not closed: %v", err)
	}
	if d := time.Since(t0); d > 3*time.Second {
		t.Fatalf("closed after %v with a 50ms handshake timeout", d)
	}
	eventually(t, 5*time.Second, "handshake failure logged", func() bool {
		return strings.Contains(logs.String(), "TLS handshake failed")
	})
}

// TestCloseDuringHandshake: Close returns at once while handshakes are in
// progress; the half-open clients are clients like any other: Shutdown's
// deadline aborts them, CloseClients cancels them, and a handshake that
// completes after Close is served.
func TestCloseDuringHandshake(t *testing.T) {
	t.Run("Shutdown", func(t *testing.T) {
		s := start(t, "tcp", "127.0.0.1:0", echoLines, server.WithTLS(testTLS(t)))
		c := stalled(t, s)
		waitTracked(t, s)
		t0 := time.Now()
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		if d := time.Since(t0); d > time.Second {
			t.Fatalf("Close took %v during a handshake", d)
		}
		if s.IsServing() {
			t.Fatal("IsServing after Close")
		}
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		if err := s.Shutdown(ctx); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Shutdown: got %v, want DeadlineExceeded (a handshake was pending)", err)
		}
		if err := s.WaitClosed(testCtx(t, 5*time.Second)); err != nil {
			t.Fatal(err)
		}
		if _, err := readEOF(c); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("CloseClients", func(t *testing.T) {
		s := start(t, "tcp", "127.0.0.1:0", echoLines, server.WithTLS(testTLS(t)))
		c := stalled(t, s)
		waitTracked(t, s)
		s.Close()
		s.CloseClients()
		if err := s.WaitClosed(testCtx(t, 5*time.Second)); err != nil {
			t.Fatal(err)
		}
		if _, err := readEOF(c); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("completes after Close", func(t *testing.T) {
		s := start(t, "tcp", "127.0.0.1:0", echoLines, server.WithTLS(testTLS(t)))
		raw := dial(t, s.Addrs()[0])
		waitTracked(t, s)
		s.Close()
		cfg := tlsClientConfig(t).Clone()
		cfg.ServerName = "127.0.0.1"
		tc := tls.Client(raw, cfg)
		tc.SetDeadline(time.Now().Add(10 * time.Second))
		if err := tc.Handshake(); err != nil {
			t.Fatal(err)
		}
		io.WriteString(tc, "late\n")
		line, err := bufio.NewReader(tc).ReadString('\n')
		if err != nil || line != "late\n" {
			t.Fatalf("got %q, %v", line, err)
		}
		tc.CloseWrite()
		if err := s.Shutdown(testCtx(t, 5*time.Second)); err != nil {
			t.Fatal(err)
		}
	})
}

// waitTracked waits until the server has accepted a connection: WaitClosed
// after Close would return at once otherwise. It probes with a second,
// plain connection's round trip... which a TLS server cannot answer; so
// it relies on the accept order instead: a TLS client dialled after the
// stalled one completes its handshake only once the first was accepted.
func waitTracked(t *testing.T, s *server.Server) {
	t.Helper()
	ctx := testCtx(t, 10*time.Second)
	_, w, err := stream.Open(ctx, "tcp", s.Addrs()[0].String(), stream.WithTLS(tlsClientConfig(t)))
	if err != nil {
		t.Fatal(err)
	}
	w.Close()
}
