package server_test

import (
	"bufio"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/netaio/aio/server"
	"github.com/netaio/aio/stream"
)

// The benchmarks compare a server built with this package against the
// baseline a Go programmer would write by hand: a raw net.Conn, one
// goroutine per connection, a bufio.Reader and one Write per reply (as
// ../shared/bench/servers/goraw). Client and server share the machine, so
// the figures are for comparing the two, not absolute.

// echoFrames is the handler of the echo workload: 4-byte big-endian
// length, then that many bytes; each frame is echoed with one Write.
func echoFrames(ctx context.Context, r *stream.Reader, w *stream.Writer) {
	for {
		hdr, err := r.Peek(ctx, 4)
		if err != nil {
			return
		}
		frame, err := r.ReadExactly(ctx, 4+int(binary.BigEndian.Uint32(hdr)))
		if err != nil {
			return
		}
		w.Write(frame)
		if w.Drain(ctx) != nil {
			return
		}
	}
}

// rawServer is the hand-written baseline: it serves handle on every
// connection of a loopback listener until stop is called.
func rawServer(tb testing.TB, handle func(net.Conn)) (addr string, stop func()) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				handle(c)
			}()
		}
	}()
	return l.Addr().String(), func() { l.Close(); wg.Wait() }
}

func rawEcho(c net.Conn) {
	br := bufio.NewReaderSize(c, 64<<10)
	buf := make([]byte, 64<<10)
	for {
		if _, err := io.ReadFull(br, buf[:4]); err != nil {
			return
		}
		n := 4 + int(binary.BigEndian.Uint32(buf[:4]))
		if _, err := io.ReadFull(br, buf[4:n]); err != nil {
			return
		}
		if _, err := c.Write(buf[:n]); err != nil {
			return
		}
	}
}

// rawEchoAlloc is rawEcho reading each frame into a new slice, as a
// copying read such as ReadExactly returns it: the difference from rawEcho
// is what the allocation costs, whoever makes it.
func rawEchoAlloc(c net.Conn) {
	br := bufio.NewReaderSize(c, 64<<10)
	var hdr [4]byte
	for {
		if _, err := io.ReadFull(br, hdr[:]); err != nil {
			return
		}
		frame := make([]byte, 4+int(binary.BigEndian.Uint32(hdr[:])))
		copy(frame, hdr[:])
		if _, err := io.ReadFull(br, frame[4:]); err != nil {
			return
		}
		if _, err := c.Write(frame); err != nil {
			return
		}
	}
}

func rawLines(c net.Conn) {
	br := bufio.NewReaderSize(c, 64<<10)
	for {
		l, err := br.ReadSlice('\n')
		if err != nil {
			return
		}
		if _, err := c.Write(l); err != nil {
			return
		}
	}
}

// aioServer starts h on a loopback port.
func aioServer(tb testing.TB, h server.Handler) (addr string, stop func()) {
	s, err := server.Start(context.Background(), "tcp", "127.0.0.1:0", h)
	if err != nil {
		tb.Fatal(err)
	}
	return s.Addrs()[0].String(), func() { finish(tb, s) }
}

type serverKind struct {
	name  string
	start func(testing.TB) (string, func())
}

// BenchmarkEcho: conns clients each send a 1 KiB frame and wait for it to
// come back, b.N frames in all.
func BenchmarkEcho(b *testing.B) {
	kinds := []serverKind{
		{"aio", func(tb testing.TB) (string, func()) { return aioServer(tb, echoFrames) }},
		{"raw", func(tb testing.TB) (string, func()) { return rawServer(tb, rawEcho) }},
		{"raw-alloc", func(tb testing.TB) (string, func()) { return rawServer(tb, rawEchoAlloc) }},
	}
	for _, conns := range []int{1, 64} {
		for _, k := range kinds {
			b.Run(fmt.Sprintf("%s/conns=%d", k.name, conns), func(b *testing.B) {
				addr, stop := k.start(b)
				defer stop()
				runClients(b, addr, conns, func(c net.Conn, br *bufio.Reader, left *atomic.Int64) error {
					frame := make([]byte, 1024)
					binary.BigEndian.PutUint32(frame, uint32(len(frame)-4))
					back := make([]byte, len(frame))
					for left.Add(-1) >= 0 {
						if _, err := c.Write(frame); err != nil {
							return err
						}
						if _, err := io.ReadFull(br, back); err != nil {
							return err
						}
					}
					return nil
				})
				b.SetBytes(1024)
			})
		}
	}
}

// BenchmarkPipelinedLines: 64 clients keep 16 lines of 100 bytes in flight
// each; the aio handler is ReadLine + Write, and replies are coalesced by
// the Writer.
func BenchmarkPipelinedLines(b *testing.B) {
	kinds := []serverKind{
		{"aio", func(tb testing.TB) (string, func()) { return aioServer(tb, echoLines) }},
		{"raw", func(tb testing.TB) (string, func()) { return rawServer(tb, rawLines) }},
	}
	const depth, size = 16, 100
	for _, k := range kinds {
		b.Run(k.name, func(b *testing.B) {
			addr, stop := k.start(b)
			defer stop()
			runClients(b, addr, 64, func(c net.Conn, br *bufio.Reader, left *atomic.Int64) error {
				batch := make([]byte, 0, depth*size)
				for range depth {
					batch = append(batch, make([]byte, size-1)...)
					batch = append(batch, '\n')
				}
				for i := range batch {
					if batch[i] == 0 {
						batch[i] = 'x'
					}
				}
				for left.Add(-depth) >= 0 {
					if _, err := c.Write(batch); err != nil {
						return err
					}
					for range depth {
						if _, err := br.ReadSlice('\n'); err != nil {
							return err
						}
					}
				}
				return nil
			})
		})
	}
}

// runClients runs fn on conns connections until b.N operations are done.
func runClients(b *testing.B, addr string, conns int, fn func(net.Conn, *bufio.Reader, *atomic.Int64) error) {
	b.Helper()
	cs := make([]net.Conn, conns)
	for i := range cs {
		c, err := net.DialTimeout("tcp", addr, 5*time.Second)
		if err != nil {
			b.Fatal(err)
		}
		defer c.Close()
		cs[i] = c
	}
	var left atomic.Int64
	left.Store(int64(b.N))
	errs := make(chan error, conns)
	b.ReportAllocs()
	b.ResetTimer()
	for _, c := range cs {
		go func() { errs <- fn(c, bufio.NewReaderSize(c, 64<<10), &left) }()
	}
	for range cs {
		if err := <-errs; err != nil {
			b.Error(err)
		}
	}
	b.StopTimer()
}

// BenchmarkAccept: connect, one echo of a line, close; one connection at a
// time and 64 at once. It measures the cost of accepting and setting up a
// connection, which the echo benchmarks do not.
func BenchmarkAccept(b *testing.B) {
	kinds := []serverKind{
		{"aio", func(tb testing.TB) (string, func()) { return aioServer(tb, echoLines) }},
		{"raw", func(tb testing.TB) (string, func()) { return rawServer(tb, rawLines) }},
	}
	for _, par := range []int{1, 64} {
		for _, k := range kinds {
			b.Run(fmt.Sprintf("%s/par=%d", k.name, par), func(b *testing.B) {
				addr, stop := k.start(b)
				defer stop()
				var left atomic.Int64
				left.Store(int64(b.N))
				errs := make(chan error, par)
				b.ReportAllocs()
				b.ResetTimer()
				for range par {
					go func() {
						buf := make([]byte, 6)
						for left.Add(-1) >= 0 {
							c, err := net.DialTimeout("tcp", addr, 5*time.Second)
							if err != nil {
								errs <- err
								return
							}
							if _, err := c.Write([]byte("hello\n")); err != nil {
								c.Close()
								errs <- err
								return
							}
							_, err = io.ReadFull(c, buf)
							c.Close()
							if err != nil {
								errs <- err
								return
							}
						}
						errs <- nil
					}()
				}
				for range par {
					if err := <-errs; err != nil {
						b.Error(err)
					}
				}
				b.StopTimer()
			})
		}
	}
}
