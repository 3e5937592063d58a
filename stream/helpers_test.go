package stream_test

// Helpers shared by the Writer, connection, TLS and SendFile tests (and
// free for the Reader's): loopback connection pairs, a self-signed
// certificate, conn wrappers that count or gate writes, and bounded waits.

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"io"
	"math/big"
	"net"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/netaio/aio/stream"
)

// waitLimit bounds every wait in these tests: a broken stream fails the test
// instead of hanging it.
const waitLimit = 10 * time.Second

// promptly is how soon a call blocked on the network must return once its
// ctx ends (the package's promise: 50 ms). Under the race detector on a
// loaded machine a goroutine may take longer to be scheduled, hence the
// scale factor of race_test.go.
const promptly = 50 * time.Millisecond * raceSlowdown

// testCtx returns a context that ends after waitLimit or with the test.
func testCtx(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	t.Cleanup(cancel)
	return ctx
}

// await returns what ch delivers, failing the test after waitLimit.
func await[T any](t testing.TB, ch <-chan T, what string) T {
	t.Helper()
	timer := time.NewTimer(waitLimit)
	defer timer.Stop()
	select {
	case v := <-ch:
		return v
	case <-timer.C:
		t.Fatalf("%s: nothing after %v", what, waitLimit)
		panic("unreachable")
	}
}

// goErr runs fn in a goroutine and returns a channel with its result.
func goErr(fn func() error) <-chan error {
	ch := make(chan error, 1)
	go func() { ch <- fn() }()
	return ch
}

// waitParked waits until a goroutine whose stack contains frame is parked
// on I/O or a channel (not running, not waiting for a mutex), e.g. frame
// "stream.(*Writer).Drain". Goroutine stacks are the only outside view of
// a blocked call; this polls them, bounded by waitLimit.
func waitParked(t testing.TB, frame string) { t.Helper(); waitParkedN(t, frame, 1) }

// waitParkedN waits until at least n goroutines are parked in frame.
func waitParkedN(t testing.TB, frame string, n int) {
	t.Helper()
	buf := make([]byte, 1<<20)
	deadline := time.Now().Add(waitLimit)
	got := 0
	for time.Now().Before(deadline) {
		if got = parked(buf, frame); got >= n {
			return
		}
		runtime.Gosched()
	}
	t.Fatalf("%d goroutines parked in %s after %v, want %d", got, frame, waitLimit, n)
}

func parked(buf []byte, frame string) int {
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	count := 0
	for g := range strings.SplitSeq(string(buf), "\n\n") {
		header, _, _ := strings.Cut(g, "\n")
		if !strings.Contains(g, frame) {
			continue
		}
		for _, state := range []string{"[IO wait", "[select", "[chan receive", "[chan send", "[sync.Cond.Wait"} {
			if strings.Contains(header, state) {
				count++
				break
			}
		}
	}
	return count
}

// eventually polls cond until it holds, failing the test after waitLimit.
func eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(waitLimit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v", what, waitLimit)
		}
		runtime.Gosched()
	}
}

// listenTCP returns a loopback TCP listener closed with the test.
func listenTCP(t testing.TB, network string) net.Listener {
	t.Helper()
	addr := "127.0.0.1:0"
	if network == "tcp6" {
		addr = "[::1]:0"
	}
	ln, err := net.Listen(network, addr)
	if err != nil {
		if network == "tcp6" {
			t.Skipf("no IPv6 loopback: %v", err)
		}
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	return ln
}

// listenUnix returns a unix socket listener in t.TempDir().
func listenUnix(t testing.TB) net.Listener {
	t.Helper()
	ln, err := net.Listen("unix", filepath.Join(t.TempDir(), "s"))
	if err != nil {
		t.Skipf("no unix sockets: %v", err)
	}
	t.Cleanup(func() { ln.Close() })
	return ln
}

// acceptOne accepts one connection in the background; the result is
// closed with the test.
func acceptOne(t testing.TB, ln net.Listener) <-chan net.Conn {
	t.Helper()
	ch := make(chan net.Conn, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			close(ch)
			return
		}
		ch <- c
	}()
	return ch
}

func acceptConn(t testing.TB, ch <-chan net.Conn) net.Conn {
	t.Helper()
	c, ok := <-ch
	if !ok {
		t.Fatal("accept failed")
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// connPair returns both ends of a connection on network: "tcp" (loopback
// TCP), "unix" (a socket in t.TempDir()) or "pipe" (net.Pipe). Both are
// closed with the test.
func connPair(t testing.TB, network string) (client, server net.Conn) {
	t.Helper()
	if network == "pipe" {
		a, b := net.Pipe()
		t.Cleanup(func() { a.Close(); b.Close() })
		return a, b
	}
	var ln net.Listener
	if network == "unix" {
		ln = listenUnix(t)
	} else {
		ln = listenTCP(t, network)
	}
	accepted := acceptOne(t, ln)
	client, err := net.Dial(ln.Addr().Network(), ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Close() })
	return client, acceptConn(t, accepted)
}

// shrinkBuffers makes the kernel buffers between a writer and a peer that
// does not read small, so that a Writer starts queueing after a few
// hundred KiB instead of several MiB.
func shrinkBuffers(w, peer net.Conn) {
	type buffered interface {
		SetWriteBuffer(int) error
		SetReadBuffer(int) error
	}
	if b, ok := w.(buffered); ok {
		b.SetWriteBuffer(32 << 10)
	}
	if b, ok := peer.(buffered); ok {
		b.SetReadBuffer(32 << 10)
	}
}

// fillQueue writes 16 KiB chunks until more than n bytes stay queued in the
// Writer: its send is parked, unable to hand them over (the peer must not
// be reading). It fails the test if Write ever blocks or n is not reached
// within 256 MiB.
func fillQueue(t testing.TB, w *stream.Writer, n int) {
	t.Helper()
	chunk := make([]byte, 16<<10)
	buf := make([]byte, 1<<20)
	deadline := time.Now().Add(waitLimit)
	for i := 0; ; i++ {
		// Over n: done once the send is parked with more than n left,
		// otherwise wait for the send to take it and go on writing.
		for w.Buffered() > n {
			if parked(buf, "stream.(*Writer).flush") > 0 && w.Buffered() > n {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("Buffered() = %d but the Writer's send never blocked", w.Buffered())
			}
			runtime.Gosched()
		}
		if i == 16<<10 {
			t.Fatalf("Buffered() = %d after 256 MiB written, want > %d", w.Buffered(), n)
		}
		if _, err := w.Write(chunk); err != nil {
			t.Fatalf("Write: %v", err)
		}
	}
}

// digest is what a peer received: its length and SHA-256.
type digest struct {
	n   int64
	sum [sha256.Size]byte
	err error
}

func digestOf(p []byte) digest { return digest{n: int64(len(p)), sum: sha256.Sum256(p)} }

// readDigest reads r to EOF in the background and reports what it got.
func readDigest(r io.Reader) <-chan digest {
	ch := make(chan digest, 1)
	go func() {
		h := sha256.New()
		n, err := io.Copy(h, r)
		var d digest
		d.n, d.err = n, err
		h.Sum(d.sum[:0])
		ch <- d
	}()
	return ch
}

// readAllAsync reads r to EOF (or its first error) in the background.
func readAllAsync(r io.Reader) <-chan []byte {
	ch := make(chan []byte, 1)
	go func() {
		b, _ := io.ReadAll(r)
		ch <- b
	}()
	return ch
}

// countingConn is a net.Conn that records every Write call it receives.
// Being no *net.TCPConn, it makes the Writer send through its flush
// goroutine, one conn.Write per batch.
type countingConn struct {
	net.Conn
	mu     sync.Mutex
	writes [][]byte
}

func (c *countingConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	c.writes = append(c.writes, append([]byte(nil), p...))
	c.mu.Unlock()
	return c.Conn.Write(p)
}

func (c *countingConn) Writes() [][]byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([][]byte(nil), c.writes...)
}

// gateWriter is an io.Writer whose every Write announces itself on started
// and then waits for a value on release (true: take the bytes; false: fail
// with errGate). It lets a test hold a Writer's send in flight.
type gateWriter struct {
	started chan []byte
	release chan bool
	mu      sync.Mutex
	got     []byte
}

var errGate = &net.OpError{Op: "write", Net: "gate", Err: io.ErrClosedPipe}

func newGateWriter() *gateWriter {
	return &gateWriter{started: make(chan []byte, 1), release: make(chan bool)}
}

func (g *gateWriter) Write(p []byte) (int, error) {
	g.started <- append([]byte(nil), p...)
	if !<-g.release {
		return 0, errGate
	}
	g.mu.Lock()
	g.got = append(g.got, p...)
	g.mu.Unlock()
	return len(p), nil
}

func (g *gateWriter) Got() []byte {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]byte(nil), g.got...)
}

// testCert is a self-signed ECDSA certificate for 127.0.0.1, ::1 and the
// DNS name "aio.test", and a pool that trusts it.
type testCert struct {
	cert tls.Certificate
	pool *x509.CertPool
}

var (
	certOnce sync.Once
	certVal  testCert
	certErr  error
)

// selfSigned returns the package's test certificate, made once.
func selfSigned(t testing.TB) testCert {
	t.Helper()
	certOnce.Do(func() { certVal, certErr = makeCert("aio.test") })
	if certErr != nil {
		t.Fatal(certErr)
	}
	return certVal
}

func makeCert(dnsName string) (testCert, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return testCert{}, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: dnsName},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		DNSNames:              []string{dnsName},
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return testCert{}, err
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return testCert{}, err
	}
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return testCert{
		cert: tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf},
		pool: pool,
	}, nil
}

func (c testCert) server() *tls.Config {
	return &tls.Config{Certificates: []tls.Certificate{c.cert}}
}

func (c testCert) client() *tls.Config {
	return &tls.Config{RootCAs: c.pool}
}

// wrap is stream.Wrap for tests: it fails the test on error and aborts the
// Writer with the test.
func wrap(t testing.TB, c net.Conn, opts ...stream.Option) (*stream.Reader, *stream.Writer) {
	t.Helper()
	r, w, err := stream.Wrap(c, opts...)
	if err != nil {
		t.Fatalf("Wrap: %v", err)
	}
	t.Cleanup(func() { w.Abort() })
	return r, w
}
