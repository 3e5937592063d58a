package stream_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"runtime"
	"strings"
	"sync"
	"testing"
	"testing/iotest"
	"time"

	"github.com/netaio/aio/stream"
)

func newReader(t testing.TB, r io.Reader, opts ...stream.Option) *stream.Reader {
	t.Helper()
	sr, err := stream.NewReader(r, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return sr
}

// readers is the iotest matrix: each wraps the same data differently.
var readers = []struct {
	name string
	fn   func(io.Reader) io.Reader
}{
	{"plain", func(r io.Reader) io.Reader { return r }},
	{"OneByte", iotest.OneByteReader},
	{"Half", iotest.HalfReader},
	{"DataErr", iotest.DataErrReader},
}

var limits = []int{1, 7, 64, 4096, stream.DefaultLimit}

// readAllBy reads the whole stream with one method in a loop and returns
// the concatenation of what it got.
var methods = []struct {
	name string
	fn   func(ctx context.Context, r *stream.Reader) ([]byte, error)
}{
	{"ReadN", func(ctx context.Context, r *stream.Reader) ([]byte, error) { return r.ReadN(ctx, 5) }},
	{"ReadLine", func(ctx context.Context, r *stream.Reader) ([]byte, error) { return r.ReadLine(ctx) }},
	{"ReadUntil", func(ctx context.Context, r *stream.Reader) ([]byte, error) {
		b, err := r.ReadUntil(ctx, []byte("\n"), []byte(";;"))
		var ie *stream.IncompleteReadError
		if errors.As(err, &ie) {
			return ie.Partial, io.EOF
		}
		return b, err
	}},
	{"ReadExactly", func(ctx context.Context, r *stream.Reader) ([]byte, error) {
		b, err := r.ReadExactly(ctx, 3)
		var ie *stream.IncompleteReadError
		if errors.As(err, &ie) {
			return ie.Partial, io.EOF
		}
		return b, err
	}},
	{"ReadSlice", func(ctx context.Context, r *stream.Reader) ([]byte, error) {
		b, err := r.ReadSlice(ctx, []byte("\n"))
		var ie *stream.IncompleteReadError
		if errors.As(err, &ie) {
			return append([]byte(nil), ie.Partial...), io.EOF
		}
		return append([]byte(nil), b...), err
	}},
	{"Next", func(ctx context.Context, r *stream.Reader) ([]byte, error) {
		b, err := r.Next(ctx, 1)
		var ie *stream.IncompleteReadError
		if errors.As(err, &ie) {
			return nil, io.EOF
		}
		return append([]byte(nil), b...), err
	}},
	{"Read", func(ctx context.Context, r *stream.Reader) ([]byte, error) {
		p := make([]byte, 3)
		n, err := r.Read(p)
		return p[:n], err
	}},
	{"WriteTo", func(ctx context.Context, r *stream.Reader) ([]byte, error) {
		var b bytes.Buffer
		_, err := r.WriteTo(&b)
		if err == nil {
			err = io.EOF
		}
		return b.Bytes(), err
	}},
}

func TestReaderMatrix(t *testing.T) {
	ctx := context.Background()
	// Lines no longer than the smallest limit that lets them through, and
	// records split by both separators of ReadUntil.
	input := []byte("a\nbb\nccc;;dddd\n\n;;e;f\nlast")
	for _, rd := range readers {
		for _, limit := range limits {
			for _, m := range methods {
				name := fmt.Sprintf("%s/limit=%d/%s", rd.name, limit, m.name)
				t.Run(name, func(t *testing.T) {
					r := newReader(t, rd.fn(bytes.NewReader(input)), stream.WithLimit(limit))
					var got []byte
					for i := 0; ; i++ {
						if i > 1000 {
							t.Fatal("no EOF after 1000 reads")
						}
						b, err := m.fn(ctx, r)
						got = append(got, b...)
						if err == io.EOF {
							break
						}
						if errors.Is(err, stream.ErrLimitOverrun) {
							// Small limits overrun on the longer records;
							// drop the record as a caller would.
							var lo *stream.LimitOverrunError
							if errors.As(err, &lo) && m.name != "ReadLine" {
								skip, err := r.ReadN(ctx, lo.Consumed)
								if err != nil {
									t.Fatal(err)
								}
								got = append(got, skip...)
							}
							if m.name == "ReadLine" {
								return // consumed a part we cannot account for
							}
							continue
						}
						if err != nil {
							t.Fatalf("read %d: %v", i, err)
						}
					}
					if !bytes.Equal(got, input) {
						t.Fatalf("got %q, want %q", got, input)
					}
					if !r.AtEOF() {
						t.Fatal("AtEOF() = false at the end")
					}
				})
			}
		}
	}
}

func TestReaderStickyError(t *testing.T) {
	ctx := context.Background()
	r := newReader(t, iotest.TimeoutReader(strings.NewReader("first chunk\nsecond")))
	line, err := r.ReadLine(ctx)
	// TimeoutReader gives the first read whole, then ErrTimeout.
	if err != nil || string(line) != "first chunk\n" {
		t.Fatalf("got (%q, %v), want first line", line, err)
	}
	for i := 0; i < 3; i++ {
		line, err = r.ReadLine(ctx)
		if !errors.Is(err, iotest.ErrTimeout) {
			t.Fatalf("call %d: got (%q, %v), want ErrTimeout", i, line, err)
		}
	}
	// The buffered bytes are still there for a reader that wants them.
	b, err := r.ReadN(ctx, 100)
	if err != nil || string(b) != "second" {
		t.Fatalf("ReadN = (%q, %v), want (\"second\", nil)", b, err)
	}
	if _, err := r.ReadN(ctx, 1); !errors.Is(err, iotest.ErrTimeout) {
		t.Fatalf("after the buffer: %v, want ErrTimeout", err)
	}
	if r.AtEOF() {
		t.Fatal("AtEOF() after an error that is not EOF")
	}
}

func TestReadNSemantics(t *testing.T) {
	ctx := context.Background()
	r := newReader(t, iotest.OneByteReader(strings.NewReader("abcdef")))
	if b, err := r.ReadN(ctx, 0); err != nil || b == nil || len(b) != 0 {
		t.Fatalf("ReadN(0) = (%v, %v)", b, err)
	}
	// n > 0 returns as soon as one byte is there.
	if b, err := r.ReadN(ctx, 4); err != nil || string(b) != "a" {
		t.Fatalf("ReadN(4) = (%q, %v), want (\"a\", nil)", b, err)
	}
	if b, err := r.ReadN(ctx, -1); err != nil || string(b) != "bcdef" {
		t.Fatalf("ReadN(-1) = (%q, %v)", b, err)
	}
	if b, err := r.ReadN(ctx, 4); b != nil || err != io.EOF {
		t.Fatalf("ReadN at EOF = (%q, %v), want (nil, EOF)", b, err)
	}
	if b, err := r.ReadN(ctx, -1); b != nil || err != io.EOF {
		t.Fatalf("ReadN(-1) at EOF = (%q, %v), want (nil, EOF)", b, err)
	}
}

func TestReadUntilSeveralSeparators(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		data string
		seps []string
		want string
	}{
		{"abc\r\ndef", []string{"\r\n", "\n"}, "abc\r\n"},
		{"abcdef", []string{"cd", "b"}, "ab"},        // ends first wins
		{"abcdef", []string{"abc", "bc"}, "abc"},     // same end: same record
		{"xx;yy\n", []string{"\n", ";"}, "xx;"},      // order of arguments does not matter
		{"xx;yy\n", []string{";", "\n"}, "xx;"},      //
		{"aaab", []string{"aab", "ab", "b"}, "aaab"}, // all end together
	}
	for _, tt := range tests {
		for _, rd := range readers {
			r := newReader(t, rd.fn(strings.NewReader(tt.data)))
			var seps [][]byte
			for _, s := range tt.seps {
				seps = append(seps, []byte(s))
			}
			got, err := r.ReadUntil(ctx, seps...)
			if err != nil || string(got) != tt.want {
				t.Errorf("%s: ReadUntil(%q, %q) = (%q, %v), want %q", rd.name, tt.data, tt.seps, got, err, tt.want)
			}
		}
	}
}

func TestReadUntilOverrunKeepsData(t *testing.T) {
	ctx := context.Background()
	data := strings.Repeat("x", 40) + "\nrest"
	r := newReader(t, iotest.HalfReader(strings.NewReader(data)), stream.WithLimit(10))
	_, err := r.ReadUntil(ctx, []byte("\n"))
	var lo *stream.LimitOverrunError
	if !errors.As(err, &lo) || !errors.Is(err, stream.ErrLimitOverrun) {
		t.Fatalf("err = %v, want *LimitOverrunError", err)
	}
	if lo.Consumed < 11 {
		t.Fatalf("Consumed = %d, want > limit", lo.Consumed)
	}
	// Nothing was consumed: the caller reads the long record in pieces.
	var got []byte
	for len(got) < 41 {
		b, err := r.ReadN(ctx, 41-len(got))
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, b...)
	}
	if string(got) != data[:41] {
		t.Fatalf("pieces = %q, want %q", got, data[:41])
	}
	if b, err := r.ReadUntil(ctx, []byte("\n")); !errors.As(err, new(*stream.IncompleteReadError)) || b != nil {
		t.Fatalf("got (%q, %v), want IncompleteReadError", b, err)
	}
}

func TestReadUntilSeparatorFoundPastLimit(t *testing.T) {
	ctx := context.Background()
	r := newReader(t, strings.NewReader("0123456789ABCDEF\n"), stream.WithLimit(10))
	_, err := r.ReadUntil(ctx, []byte("\n"))
	var lo *stream.LimitOverrunError
	if !errors.As(err, &lo) || lo.Consumed != 16 {
		t.Fatalf("err = %v, want LimitOverrunError{Consumed: 16} (the separator's offset)", err)
	}
	// A separator starting exactly at the limit is still accepted.
	r = newReader(t, strings.NewReader("0123456789\n"), stream.WithLimit(10))
	if b, err := r.ReadUntil(ctx, []byte("\n")); err != nil || string(b) != "0123456789\n" {
		t.Fatalf("got (%q, %v)", b, err)
	}
}

func TestReadLineOverrunIsConsumed(t *testing.T) {
	ctx := context.Background()
	data := "short\n" + strings.Repeat("L", 30) + "\nnext\n" + strings.Repeat("M", 100) + "\nend\n"
	for _, rd := range readers {
		r := newReader(t, rd.fn(strings.NewReader(data)), stream.WithLimit(8))
		var lines []string
		overruns := 0
		for i := 0; i < 100; i++ {
			line, err := r.ReadLine(ctx)
			if errors.Is(err, stream.ErrLimitOverrun) {
				overruns++
				continue
			}
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			lines = append(lines, string(line))
		}
		// The long lines are dropped, possibly leaving their tails as
		// lines of their own (as asyncio does), but the short lines all
		// come through.
		if overruns == 0 || lines[0] != "short\n" || !contains(lines, "next\n") || lines[len(lines)-1] != "end\n" {
			t.Errorf("%s: lines %q, %d overruns", rd.name, lines, overruns)
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func TestBadArguments(t *testing.T) {
	ctx := context.Background()
	r := newReader(t, strings.NewReader("data"), stream.WithLimit(4))
	if _, err := r.ReadExactly(ctx, -1); !errors.Is(err, stream.ErrNegativeCount) {
		t.Errorf("ReadExactly(-1): %v", err)
	}
	if _, err := r.ReadUntil(ctx); !errors.Is(err, stream.ErrSeparator) {
		t.Errorf("ReadUntil(): %v", err)
	}
	if _, err := r.ReadUntil(ctx, []byte("a"), nil); !errors.Is(err, stream.ErrSeparator) {
		t.Errorf("ReadUntil(a, nil): %v", err)
	}
	if _, err := r.ReadSlice(ctx, nil); !errors.Is(err, stream.ErrSeparator) {
		t.Errorf("ReadSlice(nil): %v", err)
	}
	n := 0
	for rec, err := range r.Records(ctx, nil) {
		if n++; rec != nil || !errors.Is(err, stream.ErrSeparator) {
			t.Errorf("Records(nil) yielded (%q, %v)", rec, err)
		}
	}
	if n != 1 {
		t.Errorf("Records(nil) yielded %d times, want once", n)
	}
	if _, err := r.Next(ctx, 5); !errors.Is(err, stream.ErrLimitOverrun) {
		t.Errorf("Next over limit: %v", err)
	}
	if _, err := r.Peek(ctx, -1); !errors.Is(err, stream.ErrNegativeCount) {
		t.Errorf("Peek(-1): %v", err)
	}
	if _, err := r.Discard(ctx, -1); !errors.Is(err, stream.ErrNegativeCount) {
		t.Errorf("Discard(-1): %v", err)
	}
	// None of that consumed anything.
	if b, err := r.ReadN(ctx, -1); string(b) != "data" || err != nil {
		t.Errorf("after bad calls: (%q, %v)", b, err)
	}
	if _, err := stream.NewReader(nil); !errors.Is(err, stream.ErrInvalidOption) {
		t.Errorf("NewReader(nil): %v", err)
	}
	for _, n := range []int{0, -1} {
		if _, err := stream.NewReader(strings.NewReader(""), stream.WithLimit(n)); !errors.Is(err, stream.ErrInvalidOption) {
			t.Errorf("WithLimit(%d): %v", n, err)
		}
	}
	if _, err := stream.NewReader(strings.NewReader(""), stream.WithWriteBufferLimits(1, 1)); !errors.Is(err, stream.ErrInvalidOption) {
		t.Errorf("NewReader with a Writer option: %v", err)
	}
}

func TestReadExactlyLargeFrame(t *testing.T) {
	ctx := context.Background()
	frame := bytes.Repeat([]byte("0123456789"), 100_000) // 1 MB, far past the limit
	for _, rd := range readers {
		r := newReader(t, rd.fn(bytes.NewReader(append(frame, "tail"...))), stream.WithLimit(16))
		got, err := r.ReadExactly(ctx, len(frame))
		if err != nil || !bytes.Equal(got, frame) {
			t.Fatalf("%s: ReadExactly(1MB) = %d bytes, %v", rd.name, len(got), err)
		}
		_, err = r.ReadExactly(ctx, 10)
		var ie *stream.IncompleteReadError
		if !errors.As(err, &ie) || string(ie.Partial) != "tail" || ie.Expected != 10 || !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Fatalf("%s: short frame: %v", rd.name, err)
		}
		_, err = r.ReadExactly(ctx, 10)
		if !errors.Is(err, io.EOF) {
			t.Fatalf("%s: at EOF: %v, want an error matching io.EOF", rd.name, err)
		}
	}
}

func TestViews(t *testing.T) {
	ctx := context.Background()
	r := newReader(t, strings.NewReader("key=value;next"))
	p, err := r.Peek(ctx, 3)
	if err != nil || string(p) != "key" {
		t.Fatalf("Peek = (%q, %v)", p, err)
	}
	v, err := r.ReadSlice(ctx, []byte(";"))
	if err != nil || string(v) != "key=value;" {
		t.Fatalf("ReadSlice = (%q, %v)", v, err)
	}
	n, err := r.Next(ctx, 2)
	if err != nil || string(n) != "ne" {
		t.Fatalf("Next = (%q, %v)", n, err)
	}
	if d, err := r.Discard(ctx, 1); d != 1 || err != nil {
		t.Fatalf("Discard = (%d, %v)", d, err)
	}
	if b := r.Buffered(); b != 1 {
		t.Fatalf("Buffered = %d, want 1", b)
	}
	p, err = r.Peek(ctx, 2)
	if err != io.EOF || string(p) != "t" {
		t.Fatalf("short Peek = (%q, %v), want (\"t\", EOF)", p, err)
	}
	if d, err := r.Discard(ctx, 5); d != 1 || err != io.EOF {
		t.Fatalf("short Discard = (%d, %v), want (1, EOF)", d, err)
	}
}

func TestZeroCopyAllocs(t *testing.T) {
	ctx := context.Background()
	line := []byte(strings.Repeat("x", 99) + "\n")
	src := &repeatReader{chunk: bytes.Repeat(line, 41)}
	r := newReader(t, src)
	nl := []byte("\n")
	for i := 0; i < 100; i++ { // warm up the pool
		if _, err := r.ReadSlice(ctx, nl); err != nil {
			t.Fatal(err)
		}
	}
	allocs := testing.AllocsPerRun(10000, func() {
		if _, err := r.ReadSlice(ctx, nl); err != nil {
			t.Fatal(err)
		}
		if _, err := r.Next(ctx, 0); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Fatalf("ReadSlice + Next: %v allocs per call, want 0", allocs)
	}
}

// repeatReader yields chunk over and over, never EOF.
type repeatReader struct {
	chunk []byte
	off   int
}

func (r *repeatReader) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		c := copy(p[n:], r.chunk[r.off:])
		n += c
		r.off = (r.off + c) % len(r.chunk)
	}
	return n, nil
}

func TestLines(t *testing.T) {
	ctx := context.Background()
	r := newReader(t, strings.NewReader("one\n"+strings.Repeat("x", 20)+"\ntwo\nthree"), stream.WithLimit(8))
	var got []string
	var errs int
	for line, err := range r.Lines(ctx) {
		if err != nil {
			if !errors.Is(err, stream.ErrLimitOverrun) {
				t.Fatal(err)
			}
			errs++
			continue
		}
		got = append(got, string(line))
	}
	if errs != 1 || strings.Join(got, "|") != "one\n|two\n|three" {
		t.Fatalf("lines %q, %d errors", got, errs)
	}
	// Breaking out early stops reading.
	r = newReader(t, strings.NewReader("a\nb\nc\n"))
	for line := range r.Lines(ctx) {
		if string(line) != "a\n" {
			t.Fatalf("first line %q", line)
		}
		break
	}
	if rest, _ := r.ReadN(ctx, -1); string(rest) != "b\nc\n" {
		t.Fatalf("after break: %q", rest)
	}
}

// blockingSource blocks every Read until release is closed; it has no
// deadlines, so a read on it cannot be interrupted.
type gateReader struct {
	entered chan struct{}
	release chan struct{}
	data    string
}

func (g *gateReader) Read(p []byte) (int, error) {
	close(g.entered)
	<-g.release
	return copy(p, g.data), io.EOF
}

func TestConcurrentReadIsAnError(t *testing.T) {
	ctx := context.Background()
	g := &gateReader{entered: make(chan struct{}), release: make(chan struct{}), data: "line\n"}
	r := newReader(t, g)
	done := make(chan []byte)
	go func() {
		line, _ := r.ReadLine(ctx)
		done <- line
	}()
	<-g.entered
	for _, call := range []func() error{
		func() error { _, err := r.ReadLine(ctx); return err },
		func() error { _, err := r.ReadN(ctx, 1); return err },
		func() error { _, err := r.ReadExactly(ctx, 1); return err },
		func() error { _, err := r.Read(make([]byte, 1)); return err },
		func() error { _, err := r.Peek(ctx, 1); return err },
	} {
		if err := call(); !errors.Is(err, stream.ErrConcurrentRead) {
			t.Errorf("second reader got %v, want ErrConcurrentRead", err)
		}
	}
	if r.AtEOF() || r.Buffered() != 0 {
		t.Error("AtEOF/Buffered during a read should report false/0")
	}
	close(g.release)
	select {
	case line := <-done:
		if string(line) != "line\n" {
			t.Fatalf("first reader got %q", line)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("first reader did not finish")
	}
}

// TestCancelMidRead: a read blocked on a silent pipe or socket returns
// ctx's error within 50 ms of cancel, and the bytes that had arrived are
// all still there.
func TestCancelMidRead(t *testing.T) {
	type pair struct {
		r io.Reader
		w io.Writer
	}
	sources := map[string]func(t *testing.T) pair{
		"pipe": func(t *testing.T) pair {
			pr, pw, err := os.Pipe()
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { pr.Close(); pw.Close() })
			return pair{pr, pw}
		},
		"tcp": func(t *testing.T) pair {
			c, s := tcpPair(t)
			return pair{c, s}
		},
		"unix": func(t *testing.T) pair {
			c, s := unixPair(t)
			return pair{c, s}
		},
	}
	calls := map[string]func(ctx context.Context, r *stream.Reader) error{
		"ReadLine": func(ctx context.Context, r *stream.Reader) error { _, err := r.ReadLine(ctx); return err },
		"ReadUntil": func(ctx context.Context, r *stream.Reader) error {
			_, err := r.ReadUntil(ctx, []byte("END"))
			return err
		},
		"ReadExactly": func(ctx context.Context, r *stream.Reader) error { _, err := r.ReadExactly(ctx, 100); return err },
		"ReadBig":     func(ctx context.Context, r *stream.Reader) error { _, err := r.ReadExactly(ctx, 100_000); return err },
		"Next":        func(ctx context.Context, r *stream.Reader) error { _, err := r.Next(ctx, 100); return err },
		"ReadN":       func(ctx context.Context, r *stream.Reader) error { _, err := r.ReadN(ctx, -1); return err },
		"Records":     func(ctx context.Context, r *stream.Reader) error { return firstRecordErr(ctx, r, "\n") },
		"RecordsEND":  func(ctx context.Context, r *stream.Reader) error { return firstRecordErr(ctx, r, "END") },
	}
	for sname, mk := range sources {
		for cname, call := range calls {
			t.Run(sname+"/"+cname, func(t *testing.T) {
				p := mk(t)
				r := newReader(t, p.r)
				// Some bytes arrive, then the peer goes silent.
				if _, err := p.w.Write([]byte("partial")); err != nil {
					t.Fatal(err)
				}
				ctx, cancel := context.WithCancel(context.Background())
				errc := make(chan error, 1)
				var returned time.Time
				go func() {
					err := call(ctx, r)
					returned = time.Now()
					errc <- err
				}()
				waitParked(t, "internal/poll.runtime_pollWait")
				cancelled := time.Now()
				cancel()
				select {
				case err := <-errc:
					if !errors.Is(err, context.Canceled) {
						t.Fatalf("got %v, want context.Canceled", err)
					}
				case <-time.After(5 * time.Second):
					t.Fatal("read not woken within 5s of cancel")
				}
				if d := returned.Sub(cancelled); d > 50*time.Millisecond {
					t.Errorf("returned %v after cancel, want <= 50ms", d)
				}
				// Nothing lost: the bytes read before the cancel, then
				// the ones sent after it.
				if _, err := p.w.Write([]byte(" and more\n")); err != nil {
					t.Fatal(err)
				}
				ctx2, cancel2 := context.WithTimeout(context.Background(), 5*time.Second)
				defer cancel2()
				line, err := r.ReadLine(ctx2)
				if err != nil || string(line) != "partial and more\n" {
					t.Fatalf("after cancel: (%q, %v)", line, err)
				}
			})
		}
	}
}

// firstRecordErr runs a Records loop and returns the first error it
// yields; a record is an error too, as none is expected.
func firstRecordErr(ctx context.Context, r *stream.Reader, sep string) error {
	for rec, err := range r.Records(ctx, []byte(sep)) {
		if err == nil {
			err = fmt.Errorf("unexpected record %q", rec)
		}
		return err
	}
	return errors.New("Records ended without an error")
}

func tcpPair(t testing.TB) (client, server net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return acceptPair(t, ln)
}

func unixPair(t testing.TB) (client, server net.Conn) {
	t.Helper()
	ln, err := net.Listen("unix", t.TempDir()+"/s")
	if err != nil {
		t.Fatal(err)
	}
	return acceptPair(t, ln)
}

func acceptPair(t testing.TB, ln net.Listener) (client, server net.Conn) {
	t.Helper()
	defer ln.Close()
	type res struct {
		c   net.Conn
		err error
	}
	ch := make(chan res, 1)
	go func() {
		c, err := ln.Accept()
		ch <- res{c, err}
	}()
	client, err := net.Dial(ln.Addr().Network(), ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	a := <-ch
	if a.err != nil {
		t.Fatal(a.err)
	}
	t.Cleanup(func() { client.Close(); a.c.Close() })
	return client, a.c
}

// TestPeerClosesMidReadExactly: the partial frame is delivered in the
// IncompleteReadError.
func TestPeerClosesMidReadExactly(t *testing.T) {
	c, s := tcpPair(t)
	r := newReader(t, c)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	go func() {
		s.Write([]byte("half a frame"))
		s.Close()
	}()
	_, err := r.ReadExactly(ctx, 100)
	var ie *stream.IncompleteReadError
	if !errors.As(err, &ie) || string(ie.Partial) != "half a frame" || ie.Expected != 100 {
		t.Fatalf("got %v, want IncompleteReadError with the partial frame", err)
	}
	if !r.AtEOF() {
		t.Fatal("AtEOF() = false")
	}
}

// TestReadUntilMemoryBounded: a 1 GiB stream with no separator against
// ReadUntil with the default limit: the Reader's memory stays within 1 MiB
// over the limit while the caller drops the overrun data.
func TestReadUntilMemoryBounded(t *testing.T) {
	total := int64(1 << 30)
	if raceSlowdown > 1 || testing.Short() {
		total = 64 << 20 // the race detector makes each byte ~10x dearer
	}
	ctx := context.Background()
	src := io.LimitReader(&repeatReader{chunk: bytes.Repeat([]byte("no separator here "), 1000)}, total)
	r := newReader(t, src)
	var ms runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms)
	base := ms.HeapAlloc
	var peak uint64
	var dropped int64
	overruns := 0
	for i := 0; ; i++ {
		_, err := r.ReadUntil(ctx, []byte("\n"))
		var lo *stream.LimitOverrunError
		if errors.As(err, &lo) {
			overruns++
			n, err := r.Discard(ctx, lo.Consumed)
			if err != nil {
				t.Fatal(err)
			}
			dropped += int64(n)
			if overruns%1024 == 0 {
				// Live heap: what the Reader keeps, not garbage
				// awaiting collection.
				runtime.GC()
				runtime.ReadMemStats(&ms)
				peak = max(peak, ms.HeapAlloc)
			}
			continue
		}
		var ie *stream.IncompleteReadError
		if errors.As(err, &ie) {
			dropped += int64(len(ie.Partial))
			break
		}
		t.Fatalf("unexpected %v", err)
	}
	if dropped != total {
		t.Fatalf("dropped %d bytes, want %d", dropped, total)
	}
	if peak > base && peak-base > stream.DefaultLimit+1<<20 {
		t.Fatalf("heap grew by %d bytes over %d overruns, want < limit + 1 MiB", peak-base, overruns)
	}
}

// TestIdleReaderHoldsNoBuffer: after reading a long record the buffer is
// given back, so many idle Readers hold little memory.
func TestIdleReaderHoldsNoBuffer(t *testing.T) {
	ctx := context.Background()
	const n = 200
	line := strings.Repeat("y", 60_000) + "\n"
	var ms runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms)
	base := ms.HeapAlloc
	rs := make([]*stream.Reader, n)
	for i := range rs {
		rs[i] = newReader(t, strings.NewReader(line))
		if _, err := rs[i].ReadLine(ctx); err != nil {
			t.Fatal(err)
		}
	}
	runtime.GC()
	runtime.ReadMemStats(&ms)
	per := (int64(ms.HeapAlloc) - int64(base)) / n
	if per > 4<<10 {
		t.Fatalf("%d bytes per idle Reader after a 60 KB line, want <= 4 KiB", per)
	}
	runtime.KeepAlive(rs)
}

// TestShortResultsAreTheCallers: short results share allocations (see
// Reader), yet each is the caller's: writing to one or appending to it
// changes no other.
func TestShortResultsAreTheCallers(t *testing.T) {
	ctx := context.Background()
	var src bytes.Buffer
	for i := range 2000 {
		fmt.Fprintf(&src, "%d %s\n", i, strings.Repeat("z", i%97))
	}
	want := strings.SplitAfter(src.String(), "\n")
	r := newReader(t, iotest.HalfReader(&src))
	var got [][]byte
	for {
		line, err := r.ReadLine(ctx)
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if cap(line) != len(line) {
			t.Fatalf("line %d: cap %d, len %d: an append would write over the next result", len(got), cap(line), len(line))
		}
		if k := len(got); k > 0 {
			got[k-1] = append(got[k-1], "appended"...)
			got[k-1][0] = '#'
		}
		got = append(got, line)
	}
	if len(got) != 2000 {
		t.Fatalf("read %d lines, want 2000", len(got))
	}
	for i, line := range got {
		w := want[i]
		if i < len(got)-1 {
			w = "#" + w[1:] + "appended"
		}
		if string(line) != w {
			t.Fatalf("line %d = %q, want %q", i, line, w)
		}
	}
}

// TestKeptShortResultKeepsLittle: keeping one short line in a hundred
// keeps alive a block at most 8 times its size, the documented bound.
func TestKeptShortResultKeepsLittle(t *testing.T) {
	ctx := context.Background()
	const lines, every = 100_000, 100
	data := bytes.Repeat(line100, lines)
	var ms runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms)
	base := ms.HeapAlloc
	r := newReader(t, bytes.NewReader(data))
	kept := make([][]byte, 0, lines/every)
	for i := range lines {
		line, err := r.ReadLine(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if i%every == 0 {
			kept = append(kept, line)
		}
	}
	runtime.GC()
	runtime.ReadMemStats(&ms)
	grew := int64(ms.HeapAlloc) - int64(base)
	// 8 times, and the allocator's rounding of the block's size.
	if limit := int64(len(kept)*10*len(line100) + 64<<10); grew > limit {
		t.Fatalf("keeping %d lines of %d bytes keeps %d bytes, want <= %d", len(kept), len(line100), grew, limit)
	}
	runtime.KeepAlive(kept)
	runtime.KeepAlive(data) // the source is not what is measured
}

// TestRecordsHoldsReader: inside a Records loop other reads are refused
// and change nothing; after a break they go on from the next record.
func TestRecordsHoldsReader(t *testing.T) {
	ctx := context.Background()
	for _, sep := range []string{"\n", "--"} {
		src := strings.Join([]string{"a", "bb", "ccc", "dddd", ""}, sep)
		r := newReader(t, iotest.OneByteReader(strings.NewReader(src)))
		var got []string
		for rec, err := range r.Records(ctx, []byte(sep)) {
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, string(rec))
			if _, err := r.ReadLine(ctx); !errors.Is(err, stream.ErrConcurrentRead) {
				t.Fatalf("ReadLine inside the loop: %v, want ErrConcurrentRead", err)
			}
			if len(got) == 2 {
				break
			}
		}
		if want := []string{"a" + sep, "bb" + sep}; fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("sep %q: records %q, want %q", sep, got, want)
		}
		rest, err := r.ReadN(ctx, -1)
		if err != nil || string(rest) != "ccc"+sep+"dddd"+sep {
			t.Fatalf("sep %q: after the loop ReadN = %q, %v", sep, rest, err)
		}
	}
}

func TestReadAfterWriterCloseConcurrent(t *testing.T) {
	// Reads and a Close racing: the read ends with an error, never a hang
	// or a race report.
	c, s := tcpPair(t)
	r, w, err := stream.Wrap(c)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		for {
			if _, err := r.ReadLine(ctx); err != nil {
				return
			}
		}
	}()
	s.Write([]byte("x\ny\n"))
	w.Close()
	wg.Wait()
}
