package stream_test

import (
	"context"
	"fmt"
	"io"
	"testing"

	"github.com/netaio/aio/stream"
)

// chunker serves data in chunks whose sizes come from a script, so a fuzz
// input controls where the source's reads split records and separators.
type chunker struct {
	data   []byte
	sizes  []byte
	i      int
	eofErr bool // return the last chunk with io.EOF, as iotest.DataErrReader
}

func (c *chunker) Read(p []byte) (int, error) {
	if len(c.data) == 0 {
		return 0, io.EOF
	}
	n := 1
	if len(c.sizes) > 0 {
		n = int(c.sizes[c.i%len(c.sizes)])%97 + 1
		c.i++
	}
	n = min(n, len(p), len(c.data))
	copy(p, c.data[:n])
	c.data = c.data[n:]
	if c.eofErr && len(c.data) == 0 {
		return n, io.EOF
	}
	return n, nil
}

// script reads small numbers off the fuzz input.
type script struct {
	b []byte
	i int
}

func (s *script) next() int {
	if s.i >= len(s.b) {
		return 0
	}
	s.i++
	return int(s.b[s.i-1])
}

func (s *script) done() bool { return s.i >= len(s.b) }

// sep makes a separator from a small alphabet, so that it occurs in data
// drawn from the same alphabet.
func (s *script) sep() []byte {
	n := s.next()%3 + 1
	p := make([]byte, n)
	for i := range p {
		p[i] = "ab\n"[s.next()%3]
	}
	return p
}

// runScript drives a Reader over data with the operations of ops and
// checks each answer against the model.
func runScript(t *testing.T, data, ops, sizes []byte, limit int, eofErr bool) {
	ctx := context.Background()
	r, err := stream.NewReader(&chunker{data: data, sizes: sizes, eofErr: eofErr}, stream.WithLimit(limit))
	if err != nil {
		t.Fatal(err)
	}
	m := &model{data: data, limit: limit}
	s := &script{b: ops}
	for step := 0; !s.done() && step < 200; step++ {
		op := s.next() % 10
		var err2 error
		switch op {
		case 0:
			n := s.next()%12 - 2
			got, err := r.ReadN(ctx, n)
			err2 = m.checkReadN(n, got, err)
		case 1:
			n := s.next()%24 - 1
			got, err := r.ReadExactly(ctx, n)
			err2 = m.checkExactly(n, false, got, err)
		case 2:
			seps := [][]byte{s.sep()}
			if s.next()%2 == 0 {
				seps = append(seps, s.sep())
			}
			got, err := r.ReadUntil(ctx, seps...)
			err2 = m.checkUntil(seps, got, err)
		case 3:
			got, err := r.ReadLine(ctx)
			err2 = m.checkLine(got, err)
		case 4:
			sep := s.sep()
			got, err := r.ReadSlice(ctx, sep)
			err2 = m.checkUntil([][]byte{sep}, got, err)
		case 5:
			n := s.next()%24 - 1
			got, err := r.Next(ctx, n)
			err2 = m.checkExactly(n, true, got, err)
		case 6:
			n := s.next()%24 - 1
			got, err := r.Peek(ctx, n)
			err2 = m.checkPeek(n, got, err)
		case 7:
			n := s.next()%16 - 1
			got, err := r.Discard(ctx, n)
			err2 = m.checkDiscard(n, got, err)
		case 8:
			p := make([]byte, s.next()%16)
			n, err := r.Read(p)
			err2 = m.checkRead(len(p), p[:n], err)
		case 9:
			sep := s.sep()
			k, n, broke := s.next()%4+1, 0, false
			for rec, err := range r.Records(ctx, sep) {
				if err2 = m.checkRecord(sep, rec, err); err2 != nil {
					break
				}
				if n++; n >= k {
					broke = true
					break
				}
			}
			if err2 == nil && !broke && len(m.rest()) > 0 {
				err2 = fmt.Errorf("Records(%q) ended with %q unread", sep, m.rest())
			}
		}
		if err2 == errResync {
			if err := m.checkSuffix(r); err != nil {
				t.Fatalf("step %d: %v", step, err)
			}
			return
		}
		if err2 != nil {
			t.Fatalf("step %d (op %d, limit %d): %v", step, op, limit, err2)
		}
	}
	// Whatever is left comes out whole.
	tail, err := r.ReadN(ctx, -1)
	if err := m.checkReadN(-1, tail, err); err != nil {
		t.Fatalf("final ReadN(-1): %v", err)
	}
	if !r.AtEOF() {
		t.Fatal("AtEOF() = false after reading everything")
	}
}

// alphabet maps raw fuzz bytes onto the separators' alphabet plus one
// letter that matches nothing.
func alphabet(raw []byte) []byte {
	out := make([]byte, len(raw))
	for i, b := range raw {
		out[i] = "ab\nx"[b%4]
	}
	return out
}

// FuzzReader checks every read method against the model with random data,
// separators, limits and source chunk boundaries.
func FuzzReader(f *testing.F) {
	f.Add([]byte("hello\nworld\n"), []byte{3, 3, 3}, []byte{1}, uint8(8), false)
	f.Add([]byte("aaaaaaaaaaaaaaaaaaaaaaaaaaab\nxx"), []byte{2, 0, 1, 0, 3, 0, 0, 12}, []byte{3, 5}, uint8(4), true)
	f.Add([]byte("xxabxxbxab\n\nab"), []byte{2, 2, 0, 1, 1, 0, 2, 1, 2, 0, 2}, []byte{0, 1, 2}, uint8(3), false)
	f.Add([]byte("line one\nline two is longer than the limit\nthree\n"), []byte{3, 3, 3, 3}, []byte{7}, uint8(6), false)
	f.Add([]byte("0123456789abcdef"), []byte{1, 5, 5, 3, 6, 7, 7, 2, 8, 9}, []byte{2, 9}, uint8(5), true)
	// Records (op 9) twice, with a short limit.
	f.Add([]byte("one\ntwo\nxxabxxxxxxxxxxxxxxxxabxab"), []byte{9, 0, 2, 1, 9, 1, 0, 1, 3}, []byte{4, 1}, uint8(6), false)
	f.Fuzz(func(t *testing.T, raw, ops, sizes []byte, limit uint8, eofErr bool) {
		if len(raw) > 4096 || len(ops) > 512 {
			return
		}
		runScript(t, alphabet(raw), ops, sizes, int(limit)%40+1, eofErr)
	})
}
