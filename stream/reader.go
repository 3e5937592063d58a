package stream

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"math"
	"sync/atomic"
	"syscall"

	"github.com/netaio/aio/internal/ctxio"
)

// A Reader buffers input from an io.Reader and reads it by record: a line, a
// record ending in a separator, a frame of exact size. It is asyncio's
// StreamReader.
//
// Every blocking method takes a ctx. When ctx ends, a call waiting on the
// source returns ctx's error promptly if the source has read deadlines
// (net.Conn, pollable *os.File such as os.Pipe's); other sources are read
// without interruption. Either way no byte is lost: what was read stays
// buffered for the next call. A request that the buffer can satisfy is
// answered without looking at ctx.
//
// An error from the source other than ctx's is sticky: it is returned once
// the buffered bytes have been consumed, and by every call after that.
//
// A Reader is used by one goroutine at a time: a read started while another
// is in progress returns ErrConcurrentRead (asyncio raises RuntimeError) and
// leaves the Reader untouched.
//
// The buffer starts at 4 KiB, grows only as far as a record within the
// limit needs, and is given back when it drains: an idle Reader holds no
// buffer. (On a TCP or unix socket a drained 4 KiB buffer is kept until
// the next read, which gives it back if it has to wait for input: a
// Reader waiting on a socket holds none.)
//
// What the copying methods return is the caller's: its capacity ends
// where it does, so appending to it never writes over anything else. But
// short results (up to 512 bytes: lines, most records) from the same
// read of the source share one allocation, as the fields of an
// encoding/csv record share a string: keeping one alive keeps alive the
// block it was cut from, at most 8 times its size and 1 KiB. Clone a
// short result you keep for long while dropping the ones around it.
type Reader struct {
	src   io.Reader
	guard *ctxio.Guard
	limit int

	// buf[head:tail] is the buffered input.
	buf        []byte
	head, tail int
	err        error // sticky error of the source
	empties    int   // successive reads that returned nothing, for io.ErrNoProgress

	// out is the unused end of the block short copies are cut from (see
	// take); dropped when the buffer drains or is reset, so an idle Reader
	// holds none. While outAt == head, out is a copy of buf[head:], made
	// when the block was: no other consumption has come between, since
	// head only grows until a reset.
	out   []byte
	outAt int

	busy atomic.Bool

	// On a socket the Reader waits through the raw descriptor, so that it
	// takes a buffer only once input is there. rawFn is r.readRaw bound
	// once, rawDst the slice it reads into (nil: the buffer's free end).
	raw    syscall.RawConn
	rawFn  func(uintptr) bool
	rawDst []byte
	rawN   int
	rawErr error

	// peer is the Writer of the same connection (Wrap, Open). It holds back
	// replies while this Reader holds unread input (see Writer), so it is
	// told when that changes.
	peer    *Writer
	holding bool
}

// NewReader returns a Reader of r. It accepts the option WithLimit.
func NewReader(r io.Reader, opts ...Option) (*Reader, error) {
	if r == nil {
		return nil, fmt.Errorf("%w: nil io.Reader", ErrInvalidOption)
	}
	c, err := newConfig(readerOpts, opts)
	if err != nil {
		return nil, err
	}
	return newReader(r, c.limit), nil
}

func newReader(src io.Reader, limit int) *Reader {
	r := &Reader{limit: limit}
	r.setSource(src)
	return r
}

// setSource reads from src from now on. A Reader paired with a Writer keeps
// its registration with a ctx between calls (see ctxio.Guard); the Writer
// releases it when it closes.
func (r *Reader) setSource(src io.Reader) {
	if r.guard != nil {
		r.guard.Release()
	}
	r.src = src
	r.guard = ctxio.ForRead(src, r.peer != nil)
	r.raw = rawConnOf(src)
	if r.raw != nil && r.rawFn == nil {
		r.rawFn = r.readRaw
	}
}

// Limit returns the Reader's buffer limit.
func (r *Reader) Limit() int { return r.limit }

func (r *Reader) enter() error {
	if !r.busy.CompareAndSwap(false, true) {
		return ErrConcurrentRead
	}
	return nil
}

// exit ends a read. Copying reads give the buffer back if it drained; views
// keep it, because their slices point into it until the next read.
func (r *Reader) exit(release bool) {
	if r.head == r.tail {
		r.out = nil
		if release && r.buf != nil {
			if r.raw != nil && cap(r.buf) == chunkSize {
				// On a socket the next read gives the chunk back if it
				// has to wait (see readRaw), and reuses it if input is
				// there.
				r.head, r.tail = 0, 0
			} else {
				r.release()
			}
		}
	}
	r.tellPeer(r.head < r.tail, false)
	r.busy.Store(false)
}

func (r *Reader) release() {
	if r.buf != nil {
		putChunk(r.buf)
		r.buf = nil
	}
	r.head, r.tail = 0, 0
	r.out = nil // head went back: out is no longer a copy of what follows it
}

// tellPeer tells the connection's Writer whether this Reader holds input
// its caller has not read, which holds replies back (see Writer). When it
// holds none, held replies leave now if the Reader is about to wait for
// input, and otherwise with the caller's next Write, or soon after: the
// caller may have just taken the last request and not yet replied to it.
//
// It is inlined, so that a Reader without a Writer pays no call for it.
func (r *Reader) tellPeer(holding, now bool) {
	if r.peer != nil {
		r.tellWriter(holding, now)
	}
}

func (r *Reader) tellWriter(holding, now bool) {
	if r.holding != holding {
		r.holding = holding
		r.peer.hold.Store(holding)
	}
	// After the Store: see maybeSendLocked.
	if !holding && r.peer.held.Load() {
		r.peer.release(now)
	}
}

// makeRoom readies the buffer for a read from the source: it can then hold
// at least need bytes from head (and always one more than it holds),
// doubling its size up to ceiling when it grows.
func (r *Reader) makeRoom(need, ceiling int) {
	n := r.tail - r.head
	if n == 0 {
		if need <= chunkSize && cap(r.buf) == chunkSize {
			// Keep the drained chunk for this read rather than trade it
			// for another from the pool (a raw read gives it back if it
			// has to wait).
			r.head, r.tail = 0, 0
			return
		}
		r.release()
		if need > chunkSize {
			r.buf = make([]byte, need)
		} else if r.raw == nil {
			r.buf = getChunk()
		} // a raw read takes a buffer only when input is there
		return
	}
	need = max(need, n+1)
	if need <= len(r.buf) {
		// Slide the data to the front, as bufio does, so the read gets
		// all the free space rather than what is left at the end.
		if r.head > 0 {
			copy(r.buf, r.buf[r.head:r.tail])
			r.head, r.tail = 0, n
		}
		return
	}
	size := min(max(2*len(r.buf), chunkSize), ceiling)
	size = max(size, need)
	var nb []byte
	if size == chunkSize {
		nb = getChunk()
	} else {
		nb = make([]byte, size)
	}
	copy(nb, r.buf[r.head:r.tail])
	putChunk(r.buf)
	r.buf, r.head, r.tail = nb, 0, n
}

// fill reads once from the source into the buffer (see makeRoom for need and
// ceiling). It returns an error only if ctx ended; an error of the source is
// recorded in r.err, which the caller checks when it could not progress.
func (r *Reader) fill(ctx context.Context, need, ceiling int) error {
	// About to wait for input: replies the Writer held back leave now.
	r.tellPeer(false, true)
	r.out = nil // nor does a waiting Reader hold a block (see take)
	r.makeRoom(need, ceiling)
	if err := r.guard.Begin(ctx); err != nil {
		return err
	}
	var n int
	var err error
	if r.raw != nil {
		n, err = r.readRawInto(nil)
	} else {
		n, err = r.src.Read(r.buf[r.tail:])
	}
	err = r.guard.End(ctx, err)
	if n > 0 {
		r.tail += n
		r.empties = 0
		if err == nil {
			return nil // settle's answer, without its call
		}
	}
	return r.settle(ctx, n, err)
}

// settle classifies the error of one read from the source.
func (r *Reader) settle(ctx context.Context, n int, err error) error {
	if err != nil {
		if cerr := ctx.Err(); cerr != nil && err == cerr {
			return err
		}
		r.err = err
		return nil
	}
	if n <= 0 {
		if r.empties++; r.empties >= 100 {
			r.err = io.ErrNoProgress
		}
	}
	return nil
}

// readRawInto reads once through the raw descriptor into dst, or into the
// buffer's free end if dst is nil, waiting for input (and honouring read
// deadlines) as the connection's own Read does.
func (r *Reader) readRawInto(dst []byte) (int, error) {
	r.rawDst, r.rawN, r.rawErr = dst, 0, nil
	err := r.raw.Read(r.rawFn)
	r.rawDst = nil
	if err == nil {
		err = r.rawErr
	}
	return r.rawN, err
}

// readInto reads once from the source straight into p, bypassing the
// buffer, which must be empty. Used for reads larger than a chunk.
func (r *Reader) readInto(ctx context.Context, p []byte) (int, error) {
	r.tellPeer(false, true)
	if err := r.guard.Begin(ctx); err != nil {
		return 0, err
	}
	var n int
	var err error
	if r.raw != nil {
		n, err = r.readRawInto(p)
	} else {
		n, err = r.src.Read(p)
	}
	n = max(n, 0)
	if n > 0 {
		r.empties = 0
	}
	return n, r.settle(ctx, n, r.guard.End(ctx, err))
}

// unread makes p, the only unconsumed input, the buffer again.
func (r *Reader) unread(p []byte) {
	r.release()
	r.buf, r.head, r.tail = p[:cap(p)], 0, len(p)
}

// take returns a copy of the next n buffered bytes and consumes them.
//
// A short copy is cut from r.out, a block allocated for it and the next
// few (see Reader): one allocation for up to cutRatio lines of a batch,
// not one each, is what pays for ReadLine's concurrent-use check and saves
// a server of pipelined lines a few per cent of its CPU. The block is made
// as a copy of the bytes buffered from here, so that while the next reads
// are takes too (a loop of ReadLine) their bytes are copied already: one
// copy of a batch, not one per line, and no zeroing of the block. A
// longer copy costs more to fill than to allocate, and gets its own.
//
// It is not inlined: its callers' frames then stay small, which matters
// for those under which a read waits (see scan). And make then copy from
// a plain variable is what the compiler turns into an allocation without
// zeroing.
//
//go:noinline
func (r *Reader) take(n int) []byte {
	if n <= len(r.out) {
		out := r.out[:n:n]
		r.out = r.out[n:]
		if r.outAt == r.head {
			r.outAt += n
		} else {
			// Something else consumed since the block was made (a view,
			// Discard, a long copy): its room is still good for copies,
			// and outAt, behind head for good, no longer matches it.
			copy(out, r.buf[r.head:])
		}
		r.head += n
		return out
	}
	if n > maxCut {
		src := r.buf[r.head : r.head+n]
		out := make([]byte, len(src))
		copy(out, src)
		r.head += n
		return out
	}
	// Sized to what the buffer holds, so that a batch that is read to its
	// end leaves nothing of the block unused.
	src := r.buf[r.head : r.head+min(r.tail-r.head, cutRatio*n, maxBlock)]
	block := make([]byte, len(src))
	copy(block, src)
	r.out = block[n:]
	r.head += n
	r.outAt = r.head
	return block[:n:n]
}

// Copies of at most maxCut bytes share blocks, each at most cutRatio
// times the size of the copy that allocated it and at most maxBlock (see
// Reader): a Reader left with input unread holds at most maxBlock beside
// its buffer.
const (
	maxCut   = 512
	cutRatio = 8
	maxBlock = 1 << 10
)

// Read reads up to len(p) bytes into p: the buffered bytes if there are any,
// else one read from the source. It implements io.Reader, without a ctx: use
// ReadN to be able to cancel.
func (r *Reader) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	if err := r.enter(); err != nil {
		return 0, err
	}
	defer r.exit(true)
	for r.head == r.tail {
		if r.err != nil {
			return 0, r.err
		}
		if err := r.fill(context.Background(), 1, chunkSize); err != nil {
			return 0, err
		}
	}
	n := copy(p, r.buf[r.head:r.tail])
	r.head += n
	return n, nil
}

// ReadN is asyncio's read(n). With n > 0 it returns as soon as at least one
// byte is available, at most n bytes. With n == 0 it returns an empty slice
// at once. With n < 0 it reads until EOF and returns everything, without
// regard to the limit. At EOF with nothing buffered it returns (nil, io.EOF)
// (asyncio returns b"").
func (r *Reader) ReadN(ctx context.Context, n int) ([]byte, error) {
	if n == 0 {
		return []byte{}, nil
	}
	if err := r.enter(); err != nil {
		return nil, err
	}
	defer r.exit(true)
	if n < 0 {
		return r.readAll(ctx)
	}
	for r.head == r.tail {
		if r.err != nil {
			return nil, r.err
		}
		if err := r.fill(ctx, 1, chunkSize); err != nil {
			return nil, err
		}
	}
	return r.take(min(n, r.tail-r.head)), nil
}

func (r *Reader) readAll(ctx context.Context) ([]byte, error) {
	// Everything stays in the buffer until EOF, so a cancelled call loses
	// nothing.
	for r.err == nil {
		if err := r.fill(ctx, r.tail-r.head+1, math.MaxInt); err != nil {
			return nil, err
		}
	}
	if r.err != io.EOF {
		return nil, r.err
	}
	if r.head == r.tail {
		return nil, io.EOF
	}
	return r.take(r.tail - r.head), nil
}

// ReadExactly reads exactly n bytes (asyncio's readexactly). If the stream
// ends first it returns an *IncompleteReadError holding every byte read,
// and the buffer is left empty. n may exceed the limit: a large frame is
// read straight into the slice returned. n < 0 is ErrNegativeCount.
func (r *Reader) ReadExactly(ctx context.Context, n int) ([]byte, error) {
	if n < 0 {
		return nil, ErrNegativeCount
	}
	if n == 0 {
		return []byte{}, nil
	}
	if err := r.enter(); err != nil {
		return nil, err
	}
	if r.tail-r.head >= n { // fast path: the frame is buffered
		p := r.take(n)
		r.exit(true)
		return p, nil
	}
	defer r.exit(true)
	if n-(r.tail-r.head) <= chunkSize {
		if err := r.waitFor(ctx, n); err != nil {
			return nil, r.incomplete(err, n, true)
		}
		return r.take(n), nil
	}
	out := make([]byte, n)
	got := copy(out, r.buf[r.head:r.tail])
	r.release()
	for got < n {
		if r.err != nil {
			if r.err == io.EOF {
				return nil, &IncompleteReadError{Partial: out[:got], Expected: n}
			}
			r.unread(out[:got])
			return nil, r.err
		}
		m, err := r.readInto(ctx, out[got:])
		got += m
		if err != nil {
			r.unread(out[:got]) // cancelled: the bytes read so far stay buffered
			return nil, err
		}
	}
	return out, nil
}

// waitFor fills the buffer until it holds n bytes. It returns ctx's error,
// or the source's error if the stream stops short.
func (r *Reader) waitFor(ctx context.Context, n int) error {
	for r.tail-r.head < n {
		if r.err != nil {
			return r.err
		}
		if err := r.fill(ctx, n, n); err != nil {
			return err
		}
	}
	return nil
}

// incomplete turns a source EOF met before n bytes into an
// *IncompleteReadError, consuming the buffer; other errors pass unchanged.
// copyOut says whether Partial is copied or is a view into the buffer.
// Not inlined, for the reason given at scan.
//
//go:noinline
func (r *Reader) incomplete(err error, n int, copyOut bool) error {
	if err != io.EOF {
		return err
	}
	var partial []byte
	if copyOut {
		partial = r.take(r.tail - r.head)
	} else {
		partial = r.buf[r.head:r.tail:r.tail]
		r.head = r.tail
	}
	return &IncompleteReadError{Partial: partial, Expected: n}
}

// ReadUntil reads through the first occurrence of a separator and returns
// the data with the separator (asyncio's readuntil). With several
// separators the match that ends first wins, the shortest on a tie, as in
// Python 3.13. A separator split across reads of the source is found.
//
// If no separator starts within the limit it returns a *LimitOverrunError
// and the data STAYS buffered: read it in pieces with ReadN, or drop it with
// Discard. If the stream ends first it returns an *IncompleteReadError
// holding everything buffered, and the buffer is left empty. No separator,
// or an empty one, is ErrSeparator.
func (r *Reader) ReadUntil(ctx context.Context, seps ...[]byte) ([]byte, error) {
	if err := r.enter(); err != nil {
		return nil, err
	}
	defer r.exit(true)
	end, err := r.until(ctx, seps, true, 0)
	if err != nil {
		return nil, err
	}
	return r.take(end), nil
}

// ReadSlice is ReadUntil with one separator, returning a view into the
// buffer instead of a copy: no allocation. The slice, like the Partial of
// an *IncompleteReadError it returns, is valid until the next call on the
// Reader.
func (r *Reader) ReadSlice(ctx context.Context, sep []byte) ([]byte, error) {
	if err := r.enter(); err != nil {
		return nil, err
	}
	line, err := r.readSlice(ctx, sep)
	r.exit(false)
	return line, err
}

// readSlice is ReadSlice for a caller that holds the Reader.
func (r *Reader) readSlice(ctx context.Context, sep []byte) ([]byte, error) {
	// Fast path: a whole record within the limit is buffered.
	offset := 0
	if len(sep) > 0 {
		i := bytes.Index(r.buf[r.head:r.tail], sep)
		if i >= 0 && i <= r.limit {
			end := r.head + i + len(sep)
			line := r.buf[r.head:end:end]
			r.head = end
			return line, nil
		}
		if i < 0 { // the search goes on where a separator could begin
			offset = max(0, r.tail-r.head+1-len(sep))
		}
	}
	return r.sliceFrom(ctx, sep, offset)
}

// sliceFrom is readSlice once the buffer has been searched up to offset.
func (r *Reader) sliceFrom(ctx context.Context, sep []byte, offset int) ([]byte, error) {
	seps := [1][]byte{sep}
	end, err := r.until(ctx, seps[:], false, offset)
	if err != nil {
		return nil, err
	}
	line := r.buf[r.head : r.head+end : r.head+end]
	r.head += end
	return line, nil
}

// Records returns an iterator over the records of the stream that end
// with sep, each a view into the buffer valid until the next iteration:
// the zero-copy way to scan a stream, as fast as bufio.Reader.ReadSlice.
// The last record is yielded even without sep. An error ends the iteration
// after being yielded, except a *LimitOverrunError: then the part of the
// long record that cannot hold sep is dropped (its tail may come as a
// record of its own, as with ReadLine) and the iteration goes on if the
// loop does.
//
// The iterator holds the Reader for the whole loop, which is what spares it
// the per-call cost of the concurrent-use check: inside the loop, other
// calls on the Reader return ErrConcurrentRead. Break out of the loop to
// read differently.
func (r *Reader) Records(ctx context.Context, sep []byte) iter.Seq2[[]byte, error] {
	return func(yield func([]byte, error) bool) {
		if len(sep) == 0 {
			yield(nil, ErrSeparator)
			return
		}
		if err := r.enter(); err != nil {
			yield(nil, err)
			return
		}
		defer r.exit(true)
		// readSlice's fast path is written out in the loops rather than
		// called: a call costs a tenth of what a short record does. A
		// one-byte separator has a loop of its own, whose fast path is a
		// search and a comparison, as in bufio.Reader.ReadSlice; with one
		// loop for both, Records ran at 0.95 of ReadSlice's speed.
		if len(sep) == 1 {
			c := sep[0]
			for {
				var rec []byte
				var err error
				var last bool
				if i := bytes.IndexByte(r.buf[r.head:r.tail], c); i >= 0 && i <= r.limit {
					end := r.head + i + 1
					rec = r.buf[r.head:end:end]
					r.head = end
				} else if i < 0 {
					rec, err, last = r.readOn(ctx, sep, r.tail-r.head)
				} else {
					rec, err, last = r.recordFrom(ctx, sep, 0)
				}
				if (rec != nil || err != nil) && !yield(rec, err) || last {
					return
				}
			}
		}
		for {
			var rec []byte
			var err error
			var last bool
			if i := bytes.Index(r.buf[r.head:r.tail], sep); i >= 0 && i <= r.limit {
				end := r.head + i + len(sep)
				rec = r.buf[r.head:end:end]
				r.head = end
			} else if i < 0 {
				// The search goes on where a separator could begin.
				rec, err, last = r.readOn(ctx, sep, max(0, r.tail-r.head+1-len(sep)))
			} else {
				rec, err, last = r.recordFrom(ctx, sep, 0)
			}
			if (rec != nil || err != nil) && !yield(rec, err) || last {
				return
			}
		}
	}
}

// readOn is recordFrom when no sep begins before offset: it reads on until
// a record is buffered as until would, but without its calls.
func (r *Reader) readOn(ctx context.Context, sep []byte, offset int) (rec []byte, err error, last bool) {
	for offset <= r.limit && r.err == nil {
		if err := r.fill(ctx, r.tail-r.head+1, r.limit+len(sep)); err != nil {
			return nil, err, true
		}
		i := bytes.Index(r.buf[r.head+offset:r.tail], sep)
		if i < 0 {
			offset = max(0, r.tail-r.head+1-len(sep))
			continue
		}
		if i += offset; i <= r.limit {
			end := r.head + i + len(sep)
			rec = r.buf[r.head:end:end]
			r.head = end
			return rec, nil, false
		}
		break
	}
	return r.recordFrom(ctx, sep, offset)
}

// recordFrom reads the next record for Records, the buffer having been
// searched up to offset, in the cases until handles (EOF, an error, a
// record over the limit): what to yield (nothing if both are nil) and
// whether it is the last.
func (r *Reader) recordFrom(ctx context.Context, sep []byte, offset int) (rec []byte, err error, last bool) {
	rec, err = r.sliceFrom(ctx, sep, offset)
	switch e := err.(type) {
	case nil:
		return rec, nil, false
	case *IncompleteReadError:
		if len(e.Partial) > 0 {
			return e.Partial, nil, true
		}
		return nil, nil, true
	case *LimitOverrunError:
		r.skip(e.Consumed)
		return nil, err, false
	}
	return nil, err, true
}

// skip drops up to n buffered bytes.
func (r *Reader) skip(n int) {
	r.head += min(n, r.tail-r.head)
}

var newline = [][]byte{{'\n'}}

// ReadLine reads a line, "\n" included (asyncio's readline). A final line
// without "\n" is returned with io.EOF, as bufio.Reader.ReadBytes does; at
// EOF with nothing buffered it returns (nil, io.EOF).
//
// A line longer than the limit returns a *LimitOverrunError and, as in
// asyncio, is consumed: through its "\n" if that is buffered, else what is
// buffered, so that a loop of ReadLine goes on with the next line (or the
// rest of the long one).
//
// The line is the caller's to keep and change; short lines read together
// share an allocation (see Reader), so clone one you keep for long while
// dropping those around it.
func (r *Reader) ReadLine(ctx context.Context) ([]byte, error) {
	if err := r.enter(); err != nil {
		return nil, err
	}
	// Fast path: a whole line within the limit is buffered.
	if i := bytes.IndexByte(r.buf[r.head:r.tail], '\n'); i >= 0 && i <= r.limit {
		var line []byte
		if n := i + 1; n <= len(r.out) && r.outAt == r.head {
			// take's cut from a copy made already, without its call
			line, r.out = r.out[:n:n], r.out[n:]
			r.head += n
			r.outAt = r.head
		} else {
			line = r.take(n)
		}
		if r.head < r.tail && (r.peer == nil || r.holding) {
			r.busy.Store(false) // all exit would do: input is left, as before
		} else {
			r.exit(true)
		}
		return line, nil
	}
	// The slow path searches the buffer again rather than take where the
	// fast path stopped: the offset would cost the stack of every idle
	// connection more than the rare second search costs.
	line, err := r.readLine(ctx)
	r.exit(true)
	return line, err
}

func (r *Reader) readLine(ctx context.Context) ([]byte, error) {
	end, err := r.until(ctx, newline, true, 0)
	switch e := err.(type) {
	case nil:
		return r.take(end), nil
	case *IncompleteReadError:
		if len(e.Partial) == 0 {
			return nil, io.EOF
		}
		return e.Partial, io.EOF
	case *LimitOverrunError:
		if i := r.head + e.Consumed; i < r.tail && r.buf[i] == '\n' {
			r.head = i + 1
		} else {
			r.head = r.tail
		}
	}
	return nil, err
}

// until finds the end of the first record (see ReadUntil), relative to head,
// searching from offset: the caller has seen that no separator begins
// before it. At EOF it consumes the buffer into an *IncompleteReadError
// whose Partial is a copy or a view as copyOut says.
func (r *Reader) until(ctx context.Context, seps [][]byte, copyOut bool, offset int) (int, error) {
	minLen, maxLen := math.MaxInt, 0
	for _, s := range seps {
		minLen, maxLen = min(minLen, len(s)), max(maxLen, len(s))
	}
	if minLen == 0 || len(seps) == 0 {
		return 0, ErrSeparator
	}
	for {
		if end, err := r.scan(seps, minLen, maxLen, &offset); end >= 0 || err != nil {
			return end, err
		}
		if r.err != nil {
			return 0, r.incomplete(r.err, -1, copyOut)
		}
		if err := r.fill(ctx, r.tail-r.head+1, r.limit+maxLen); err != nil {
			return 0, err
		}
	}
}

// scan is one search of until's: the record's end, or -1 with *offset moved
// to where the next search starts, or a *LimitOverrunError. It is not
// inlined so that until's frame stays small: that frame is on the stack of
// every connection waiting for input, and a few bytes more there double
// the stack of each (see server's TestIdleConnStack).
//
//go:noinline
func (r *Reader) scan(seps [][]byte, minLen, maxLen int, offset *int) (int, error) {
	if *offset > r.limit {
		return -1, &LimitOverrunError{Consumed: *offset}
	}
	n := r.tail - r.head
	if n-*offset < minLen {
		return -1, nil
	}
	start, end := search(r.buf[r.head:r.tail], seps, *offset)
	if end >= 0 {
		if start > r.limit {
			return -1, &LimitOverrunError{Consumed: start}
		}
		return end, nil
	}
	// The next search starts where a separator could still begin.
	*offset = max(0, n+1-maxLen)
	if *offset > r.limit {
		return -1, &LimitOverrunError{Consumed: *offset}
	}
	return -1, nil
}

// search returns the start and end of the match in data[offset:] that ends
// first, the shortest separator on a tie, or (-1, -1).
func search(data []byte, seps [][]byte, offset int) (start, end int) {
	if len(seps) == 1 {
		i := bytes.Index(data[offset:], seps[0])
		if i < 0 {
			return -1, -1
		}
		return offset + i, offset + i + len(seps[0])
	}
	start, end = -1, -1
	for _, s := range seps {
		i := bytes.Index(data[offset:], s)
		if i < 0 {
			continue
		}
		e := offset + i + len(s)
		if end < 0 || e < end || (e == end && len(s) < end-start) {
			start, end = offset+i, e
		}
	}
	return start, end
}

// Lines returns an iterator over the lines of the stream, as asyncio's
// "async for line in reader". Each line is yielded with a nil error, the
// last one also when it lacks "\n". An error ends the iteration after being
// yielded, except a *LimitOverrunError: the long line has been consumed
// (see ReadLine), so the iteration goes on if the loop does.
func (r *Reader) Lines(ctx context.Context) iter.Seq2[[]byte, error] {
	return func(yield func([]byte, error) bool) {
		for {
			line, err := r.ReadLine(ctx)
			if len(line) > 0 && !yield(line, nil) {
				return
			}
			switch {
			case err == nil:
			case err == io.EOF:
				return
			case errors.Is(err, ErrLimitOverrun):
				if !yield(nil, err) {
					return
				}
			default:
				yield(nil, err)
				return
			}
		}
	}
}

// Peek returns a view of the next n bytes without consuming them, waiting
// until they are buffered. If the stream ends first it returns what is
// buffered with the source's error (io.EOF). The slice is valid until the
// next call on the Reader, and is not to be written to: the reads that
// follow may return copies made before. n may not exceed the limit.
func (r *Reader) Peek(ctx context.Context, n int) ([]byte, error) {
	if err := r.viewSize(n); err != nil {
		return nil, err
	}
	if err := r.enter(); err != nil {
		return nil, err
	}
	// Peek consumes nothing, so it leaves the Writer as it was: what it
	// buffered is about to be read, and the read that leaves input
	// buffered tells the Writer. That spares a framed protocol (Peek the
	// header, read the frame) two stores to the Writer a request. Telling
	// the Writer late only costs coalescing, never holds a reply back.
	defer r.busy.Store(false)
	if err := r.waitFor(ctx, n); err != nil {
		return r.buf[r.head:r.tail:r.tail], err
	}
	return r.buf[r.head : r.head+n : r.head+n], nil
}

// Next is ReadExactly returning a view into the buffer instead of a copy:
// no allocation. The slice, like the Partial of an *IncompleteReadError it
// returns, is valid until the next call on the Reader. n may not exceed the
// limit.
func (r *Reader) Next(ctx context.Context, n int) ([]byte, error) {
	if err := r.viewSize(n); err != nil {
		return nil, err
	}
	if err := r.enter(); err != nil {
		return nil, err
	}
	defer r.exit(false)
	if err := r.waitFor(ctx, n); err != nil {
		return nil, r.incomplete(err, n, false)
	}
	p := r.buf[r.head : r.head+n : r.head+n]
	r.head += n
	return p, nil
}

func (r *Reader) viewSize(n int) error {
	if n < 0 {
		return ErrNegativeCount
	}
	if n > r.limit {
		return fmt.Errorf("%w: a view of %d bytes exceeds the limit of %d", ErrLimitOverrun, n, r.limit)
	}
	return nil
}

// Discard skips the next n bytes, reading from the source as needed, and
// returns how many it skipped; fewer than n only with an error (the
// source's, or ctx's).
func (r *Reader) Discard(ctx context.Context, n int) (int, error) {
	if n < 0 {
		return 0, ErrNegativeCount
	}
	if err := r.enter(); err != nil {
		return 0, err
	}
	defer r.exit(true)
	done := 0
	for {
		k := min(n-done, r.tail-r.head)
		r.head += k
		done += k
		if done == n {
			return done, nil
		}
		if r.err != nil {
			return done, r.err
		}
		if err := r.fill(ctx, 1, chunkSize); err != nil {
			return done, err
		}
	}
}

// Buffered returns the number of bytes that can be read without waiting.
// While another goroutine's read is in progress it returns 0.
func (r *Reader) Buffered() int {
	if r.enter() != nil {
		return 0
	}
	defer r.exit(false)
	return r.tail - r.head
}

// AtEOF reports whether the stream has ended and every byte has been read
// (asyncio's at_eof). While another goroutine's read is in progress it
// returns false.
func (r *Reader) AtEOF() bool {
	if r.enter() != nil {
		return false
	}
	defer r.exit(false)
	return r.head == r.tail && r.err == io.EOF
}

// WriteTo writes the rest of the stream to w, until EOF (which is not an
// error) or the first error. It implements io.WriterTo, without a ctx.
func (r *Reader) WriteTo(w io.Writer) (int64, error) {
	if err := r.enter(); err != nil {
		return 0, err
	}
	defer r.exit(true)
	var total int64
	for {
		if r.head < r.tail {
			n, err := w.Write(r.buf[r.head:r.tail])
			r.head += n
			total += int64(n)
			if err != nil {
				return total, err
			}
		}
		if r.err != nil {
			if r.err == io.EOF {
				return total, nil
			}
			return total, r.err
		}
		if err := r.fill(context.Background(), 1, chunkSize); err != nil {
			return total, err
		}
	}
}
