package stream_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"io"
	"net"
	"strings"
	"sync"
	"testing"

	"github.com/netaio/aio/internal/benchpair"
	"github.com/netaio/aio/stream"
)

// Each benchmark has a sub-benchmark per implementation (impl=aio and the
// baseline named by the issue), so that one run gives the ratio:
//
//	go test -run '^$' -bench . -benchmem -count 6 ./stream/ > bench.txt
//	benchstat -col /impl bench.txt

var line100 = []byte(strings.Repeat("x", 99) + "\n")

func BenchmarkReadLine(b *testing.B) {
	ctx := context.Background()
	data := bytes.Repeat(line100, 41)
	b.Run("impl=aio", func(b *testing.B) {
		r := newReader(b, &repeatReader{chunk: data})
		b.SetBytes(int64(len(line100)))
		b.ReportAllocs()
		for b.Loop() {
			if _, err := r.ReadLine(ctx); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("impl=bufio", func(b *testing.B) {
		r := bufio.NewReader(&repeatReader{chunk: data})
		b.SetBytes(int64(len(line100)))
		b.ReportAllocs()
		for b.Loop() {
			if _, err := r.ReadBytes('\n'); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkReadLineView(b *testing.B) {
	ctx := context.Background()
	data := bytes.Repeat(line100, 41)
	nl := []byte("\n")
	b.Run("impl=aio", func(b *testing.B) {
		r := newReader(b, &repeatReader{chunk: data})
		b.SetBytes(int64(len(line100)))
		b.ReportAllocs()
		for b.Loop() {
			if _, err := r.ReadSlice(ctx, nl); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("impl=bufio", func(b *testing.B) {
		r := bufio.NewReader(&repeatReader{chunk: data})
		b.SetBytes(int64(len(line100)))
		b.ReportAllocs()
		for b.Loop() {
			if _, err := r.ReadSlice('\n'); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkRecords is the zero-copy loop: Records against ReadSlice.
func BenchmarkRecords(b *testing.B) {
	ctx := context.Background()
	data := bytes.Repeat(line100, 41)
	b.Run("impl=aio", func(b *testing.B) {
		r := newReader(b, &repeatReader{chunk: data})
		b.SetBytes(int64(len(line100)))
		b.ReportAllocs()
		n := 0
		for _, err := range r.Records(ctx, []byte("\n")) {
			if err != nil {
				b.Fatal(err)
			}
			if n++; n >= b.N {
				break
			}
		}
	})
	b.Run("impl=bufio", func(b *testing.B) {
		r := bufio.NewReader(&repeatReader{chunk: data})
		b.SetBytes(int64(len(line100)))
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			if _, err := r.ReadSlice('\n'); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkPaired runs the hot read paths against their baselines in
// turns, a block of records each (see benchpair), and reports aio's
// throughput over the baseline's ("aio/base", above 1 when aio is faster).
//
//	go test -run '^$' -bench Paired -count 6 ./stream/
func BenchmarkPaired(b *testing.B) {
	ctx := context.Background()
	const block = 1024
	lines := bytes.Repeat(line100, 41)
	sep4 := []byte("\r\n\r\n")
	records := bytes.Repeat(append(bytes.Repeat([]byte("k"), 1020), sep4...), 64)
	nl := []byte("\n")
	frames := bytes.Repeat([]byte("0123456789abcdef"), 4096)
	// each returns a function that reads the next block of records.
	cases := []struct {
		name      string
		aio, base func(b *testing.B) func()
	}{{
		name: "ReadLine-vs-ReadBytes",
		aio: func(b *testing.B) func() {
			r := newReader(b, &repeatReader{chunk: lines})
			return func() {
				for range block {
					if _, err := r.ReadLine(ctx); err != nil {
						b.Fatal(err)
					}
				}
			}
		},
		base: func(b *testing.B) func() {
			r := bufio.NewReader(&repeatReader{chunk: lines})
			return func() {
				for range block {
					if _, err := r.ReadBytes('\n'); err != nil {
						b.Fatal(err)
					}
				}
			}
		},
	}, {
		name: "Records-vs-ReadSlice",
		aio: func(b *testing.B) func() {
			r := newReader(b, &repeatReader{chunk: lines})
			return func() { recordBlock(ctx, b, r, nl, block) }
		},
		base: func(b *testing.B) func() {
			r := bufio.NewReader(&repeatReader{chunk: lines})
			return func() {
				for range block {
					if _, err := r.ReadSlice('\n'); err != nil {
						b.Fatal(err)
					}
				}
			}
		},
	}, {
		name: "ReadExactly1K-vs-ReadFull",
		aio: func(b *testing.B) func() {
			r := newReader(b, &repeatReader{chunk: frames})
			return func() {
				for range block {
					if _, err := r.ReadExactly(ctx, 1024); err != nil {
						b.Fatal(err)
					}
				}
			}
		},
		base: func(b *testing.B) func() {
			r := bufio.NewReader(&repeatReader{chunk: frames})
			return func() {
				for range block {
					// The baseline allocates its frame too, as ReadExactly does.
					p := make([]byte, 1024)
					if _, err := io.ReadFull(r, p); err != nil {
						b.Fatal(err)
					}
				}
			}
		},
	}, {
		name: "Records4-vs-bytes.Index",
		aio: func(b *testing.B) func() {
			r := newReader(b, &repeatReader{chunk: records})
			return func() { recordBlock(ctx, b, r, sep4, block) }
		},
		base: func(b *testing.B) func() {
			rest := records
			return func() {
				for range block {
					i := bytes.Index(rest, sep4)
					if i < 0 {
						rest = records
						i = bytes.Index(rest, sep4)
					}
					rest = rest[i+len(sep4):]
				}
			}
		},
	}}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			aio, base := c.aio(b), c.base(b)
			aioT, baseT, n := benchpair.Time(b, aio, base)
			b.ReportMetric(float64(aioT.Nanoseconds())/float64(n*block), "aio-ns/record")
			b.ReportMetric(float64(baseT.Nanoseconds())/float64(n*block), "base-ns/record")
			b.ReportMetric(float64(baseT)/float64(aioT), "aio/base")
		})
	}
}

// recordBlock takes n records from a Records loop, written out as an
// application would (range over a func value would not be inlined).
func recordBlock(ctx context.Context, b *testing.B, r *stream.Reader, sep []byte, n int) {
	for _, err := range r.Records(ctx, sep) {
		if err != nil {
			b.Fatal(err)
		}
		if n--; n == 0 {
			return
		}
	}
	b.Fatal("Records ended")
}

func BenchmarkReadExactly1K(b *testing.B) {
	ctx := context.Background()
	data := bytes.Repeat([]byte("0123456789abcdef"), 4096)
	b.Run("impl=aio", func(b *testing.B) {
		r := newReader(b, &repeatReader{chunk: data})
		b.SetBytes(1024)
		b.ReportAllocs()
		for b.Loop() {
			if _, err := r.ReadExactly(ctx, 1024); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("impl=bufio", func(b *testing.B) {
		r := bufio.NewReader(&repeatReader{chunk: data})
		b.SetBytes(1024)
		b.ReportAllocs()
		for b.Loop() {
			// The baseline allocates its frame too, as ReadExactly does.
			p := make([]byte, 1024)
			if _, err := io.ReadFull(r, p); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkReadUntil4(b *testing.B) {
	ctx := context.Background()
	sep := []byte("\r\n\r\n")
	rec := append(bytes.Repeat([]byte("k"), 1020), sep...)
	data := bytes.Repeat(rec, 64)
	b.Run("impl=aio", func(b *testing.B) {
		r := newReader(b, &repeatReader{chunk: data})
		b.SetBytes(int64(len(rec)))
		b.ReportAllocs()
		for b.Loop() {
			if _, err := r.ReadUntil(ctx, sep); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("impl=aio-records", func(b *testing.B) {
		r := newReader(b, &repeatReader{chunk: data})
		b.SetBytes(int64(len(rec)))
		b.ReportAllocs()
		n := 0
		for _, err := range r.Records(ctx, sep) {
			if err != nil {
				b.Fatal(err)
			}
			if n++; n >= b.N {
				break
			}
		}
	})
	// Not the baseline, but the like-for-like one: a bufio.Scanner
	// over the same source, which copies it into its buffer as the Reader
	// does, splitting with bytes.Index.
	b.Run("impl=bufio.Scanner", func(b *testing.B) {
		s := bufio.NewScanner(&repeatReader{chunk: data})
		s.Split(func(d []byte, atEOF bool) (int, []byte, error) {
			if i := bytes.Index(d, sep); i >= 0 {
				return i + len(sep), d[:i+len(sep)], nil
			}
			return 0, nil, nil
		})
		b.SetBytes(int64(len(rec)))
		b.ReportAllocs()
		for b.Loop() {
			if !s.Scan() {
				b.Fatal(s.Err())
			}
		}
	})
	b.Run("impl=bytes.Index", func(b *testing.B) {
		b.SetBytes(int64(len(rec)))
		b.ReportAllocs()
		rest := data
		for b.Loop() {
			i := bytes.Index(rest, sep)
			if i < 0 {
				rest = data
				i = bytes.Index(rest, sep)
			}
			rest = rest[i+len(sep):]
		}
	})
}

// echoServer runs a goroutine-per-connection echo of 4-byte-length frames,
// either with aio's Reader and Writer or with a raw net.Conn.
func echoServer(b *testing.B, impl string) (addr string, stop func()) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	var mu sync.Mutex
	var conns []net.Conn
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				switch impl {
				case "aio":
					aioEcho(ctx, c)
				case "aio-view":
					aioEchoView(ctx, c)
				default:
					rawEcho(c)
				}
			}()
		}
	}()
	return ln.Addr().String(), func() {
		ln.Close()
		cancel()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	}
}

func aioEcho(ctx context.Context, c net.Conn) {
	r, w, err := stream.Wrap(c)
	if err != nil {
		return
	}
	defer w.Close()
	for {
		hdr, err := r.ReadExactly(ctx, 4)
		if err != nil {
			return
		}
		body, err := r.ReadExactly(ctx, int(binary.BigEndian.Uint32(hdr)))
		if err != nil {
			return
		}
		if w.WriteLines(hdr, body) != nil || w.Drain(ctx) != nil {
			return
		}
	}
}

// aioEchoView is the zero-copy echo: Peek the header, take the frame as a
// view, write it (Write copies what the socket does not take at once).
func aioEchoView(ctx context.Context, c net.Conn) {
	r, w, err := stream.Wrap(c)
	if err != nil {
		return
	}
	defer w.Close()
	for {
		hdr, err := r.Peek(ctx, 4)
		if err != nil {
			return
		}
		frame, err := r.Next(ctx, 4+int(binary.BigEndian.Uint32(hdr)))
		if err != nil {
			return
		}
		if _, err := w.Write(frame); err != nil || w.Drain(ctx) != nil {
			return
		}
	}
}

func rawEcho(c net.Conn) {
	br := bufio.NewReader(c)
	hdr := make([]byte, 4)
	for {
		if _, err := io.ReadFull(br, hdr); err != nil {
			return
		}
		frame := make([]byte, 4+binary.BigEndian.Uint32(hdr))
		copy(frame, hdr)
		if _, err := io.ReadFull(br, frame[4:]); err != nil {
			return
		}
		if _, err := c.Write(frame); err != nil {
			return
		}
	}
}

// BenchmarkEcho: 64 connections, 1 KiB frames, one in flight each.
func BenchmarkEcho(b *testing.B) {
	for _, impl := range []string{"aio", "aio-view", "raw"} {
		b.Run("impl="+impl, func(b *testing.B) {
			addr, stop := echoServer(b, impl)
			defer stop()
			const conns = 64
			frame := make([]byte, 1024)
			binary.BigEndian.PutUint32(frame, 1020)
			clients := make([]net.Conn, conns)
			for i := range clients {
				c, err := net.Dial("tcp", addr)
				if err != nil {
					b.Fatal(err)
				}
				defer c.Close()
				clients[i] = c
			}
			b.SetBytes(int64(len(frame)))
			b.ReportAllocs()
			b.ResetTimer()
			var wg sync.WaitGroup
			per := b.N / conns
			for i, c := range clients {
				n := per
				if i < b.N%conns {
					n++
				}
				wg.Add(1)
				go func() {
					defer wg.Done()
					buf := make([]byte, len(frame))
					for j := 0; j < n; j++ {
						if _, err := c.Write(frame); err != nil {
							b.Error(err)
							return
						}
						if _, err := io.ReadFull(c, buf); err != nil {
							b.Error(err)
							return
						}
					}
				}()
			}
			wg.Wait()
		})
	}
}

// BenchmarkBulk: one connection, 64 KiB chunks, Write + Drain against a
// plain conn.Write; the peer discards.
func BenchmarkBulk(b *testing.B) {
	ctx := context.Background()
	chunk := make([]byte, 64<<10)
	for _, impl := range []string{"aio", "raw"} {
		b.Run("impl="+impl, func(b *testing.B) {
			c, s := tcpPair(b)
			done := make(chan struct{})
			go func() {
				defer close(done)
				io.Copy(io.Discard, s)
			}()
			b.SetBytes(int64(len(chunk)))
			b.ReportAllocs()
			if impl == "aio" {
				_, w, err := stream.Wrap(c)
				if err != nil {
					b.Fatal(err)
				}
				for b.Loop() {
					w.Write(chunk)
					if err := w.Drain(ctx); err != nil {
						b.Fatal(err)
					}
				}
				w.Close()
				w.WaitClosed(ctx)
			} else {
				for b.Loop() {
					if _, err := c.Write(chunk); err != nil {
						b.Fatal(err)
					}
				}
				c.Close()
			}
			<-done
		})
	}
}
