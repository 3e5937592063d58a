package stream

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// A Writer sends bytes to an io.Writer without ever blocking its caller,
// queueing what cannot leave at once, and lets the caller wait for the
// queue to shrink with Drain. It is asyncio's StreamWriter.
//
// Write sends at once when nothing is queued: on a TCP or unix socket by a
// write(2) that cannot block, straight from the caller's slice. What the
// socket does not take is copied into the queue, and a goroutine owned by
// the Writer sends the queue, exiting when it is empty. Writes made while a
// send is in flight join the queue and leave together in one call.
//
// On Linux, a Write of more than one TCP segment, on a connection whose
// segments are large (16 KiB or more: loopback, where a segment holds 65483
// bytes), sends the whole segments at once and keeps the rest (less than a
// segment, counted by Buffered). The rest leaves with the next Write in one
// writev(2), or alone as soon as the writing goroutine lets another run
// (with one P: when it blocks), and first thing in Close, WriteEOF,
// SendFile, StartTLS or a Drain that has to wait. A stream of 64 KiB
// writes thus leaves in full segments instead of a full one and a runt of
// 53 bytes each, which on loopback saves the sender a third to a half of
// its CPU per byte. (asyncio's write sends all it can.)
//
// Replies are coalesced by one more rule: while the Reader of the same
// connection (from Wrap or Open) holds input its caller has not read yet,
// Write queues instead of sending. When the caller takes the last of that
// input, the queue leaves with its next Write, so that the reply to the
// last request goes with the others, or, if it writes nothing, as soon as
// its goroutine lets another run. It leaves at once when that Reader has to
// wait for input, when 4 KiB are queued, when Drain has to wait, or at
// WriteEOF or Close. A server answering pipelined requests thus sends one
// segment per batch of requests rather than one per reply (with or without
// a Drain after each), while a lone reply is never held back longer than it
// takes its handler to ask for more input. A handler that stops reading
// while input is still buffered, to wait for something else, should send
// what it wrote first: Drain after SetWriteBufferLimits(0, 0) does, as does
// Close. (asyncio's write() always tries to send at once.)
//
// A Writer is safe for concurrent use: writes are sent in the order Write
// was called, and any number of goroutines may wait in Drain.
//
// Once a send fails (the peer reset, the connection closed), every later
// Write and Drain returns that error.
type Writer struct {
	host             string // for StartTLS's default ServerName
	handshakeTimeout time.Duration
	peer             *Reader

	// Fields used only by the goroutine that owns the destination (see
	// sending): the raw descriptor and the arguments of one raw write.
	raw    syscall.RawConn
	rawFn  func(uintptr) bool
	rawP   []byte
	rawR   []byte // a kept rest sent before rawP (see cutRest)
	rawN   int
	rawErr error

	mu       sync.Mutex
	dst      io.Writer
	q        []byte // bytes not yet handed to dst, in order
	inflight int    // bytes handed to dst and not yet returned
	err      error
	// closedErr is what calls return once closing: ErrClosed, or the
	// error of the failed StartTLS that closed the connection.
	closedErr error
	closeErr  error
	done      chan struct{} // closed when dst is closed; made by the first waiter
	changed   chan struct{} // closed and cleared at every change a waiter may want
	high      int
	low       int
	// hold: the peer Reader holds unread input; held: the queue is being
	// held back because of it. Both are atomics so that the Reader, which
	// changes hold about twice a request, takes no lock to do it (see
	// Reader.tellPeer).
	hold atomic.Bool
	held atomic.Bool
	// sending means some goroutine owns dst: a Write trying the socket, the
	// flush goroutine, SendFile or StartTLS. Only the owner writes to dst.
	sending bool
	cut     uint8 // cutRest, cutPushing
	rawCut  bool  // owned like rawP: see tryRaw
	closing bool  // Close or Abort called, or StartTLS failed
	aborted bool
	eof     bool // WriteEOF called
	eofDone bool
	closed  bool
	isDone  bool // dst is closed
	// (The fields are in this order, bools last, so that a Writer fits
	// the 288-byte size class: it is most of an idle connection's heap.)
}

// Bits of Writer.cut.
const (
	// cutRest: the queue is only the rest of a send cut at a segment
	// boundary, kept for the next Write; no send is in flight.
	cutRest = 1 << iota
	// cutPushing: a push goroutine is on its way.
	cutPushing
)

// NewWriter returns a Writer to w. It accepts the option
// WithWriteBufferLimits. If w is an io.Closer, Close and Abort close it.
func NewWriter(w io.Writer, opts ...Option) (*Writer, error) {
	if w == nil {
		return nil, fmt.Errorf("%w: nil io.Writer", ErrInvalidOption)
	}
	c, err := newConfig(writerOpts, opts)
	if err != nil {
		return nil, err
	}
	return newWriter(w, c), nil
}

func newWriter(dst io.Writer, c *config) *Writer {
	w := &Writer{
		dst:              dst,
		high:             c.high,
		low:              c.low,
		handshakeTimeout: c.handshakeTimeout,
	}
	if w.raw = rawConnOf(dst); w.raw != nil {
		w.rawFn = w.writeRaw
	}
	return w
}

// writableLocked returns why nothing may be written now, or nil.
func (w *Writer) writableLocked() error {
	switch {
	case w.closing:
		return w.closedErr
	case w.err != nil:
		return w.err
	case w.eof:
		return fmt.Errorf("%w: write after WriteEOF", ErrClosed)
	}
	return nil
}

// Write queues p to be sent, or sends it at once; it never blocks and never
// keeps p. It returns len(p), or 0 and the error that ended the stream
// (ErrClosed after Close). Call Drain to wait while the queue is long.
func (w *Writer) Write(p []byte) (int, error) {
	w.mu.Lock()
	if err := w.writableLocked(); err != nil {
		w.mu.Unlock()
		return 0, err
	}
	if len(p) == 0 {
		w.mu.Unlock()
		return 0, nil
	}
	if w.sending || (len(w.q) > 0 && w.cut&cutRest == 0) || w.hold.Load() || w.raw == nil {
		w.enqueueLocked(p)
		w.maybeSendLocked()
		w.mu.Unlock()
		return len(p), nil
	}
	// Nothing queued but perhaps a kept rest: try the socket straight
	// from p, without a copy.
	w.sending = true
	rest := w.q
	w.q = nil
	w.cut &^= cutRest
	w.mu.Unlock()
	n, offered, err := w.tryRaw(rest, p, true)
	w.mu.Lock()
	defer w.mu.Unlock()
	if err != nil {
		putChunk(rest)
		w.failLocked(err)
		w.sending = false
		w.settleLocked()
		return 0, err
	}
	// Keep the rest of a cut send only if nothing else waits: no bytes
	// queued meanwhile, no Close or WriteEOF to finish.
	cut := n == offered && offered < len(rest)+len(p) && len(w.q) == 0 && !w.closing && !w.eof
	if n < len(rest) {
		w.prependLocked(append(rest[n:], p...))
	} else if n-len(rest) < len(p) {
		w.prependLocked(p[n-len(rest):])
	}
	putChunk(rest)
	if cut {
		// The socket took every whole segment: keep the rest for the
		// next Write, and make sure it leaves if none comes.
		w.cut |= cutRest
		w.pushLocked()
	} else if len(w.q) > 0 {
		// The socket is full, or others wrote meanwhile: the flush
		// goroutine takes over (sending stays true).
		go w.flush()
		return len(p), nil
	}
	w.sending = false
	w.notifyLocked()
	w.settleLocked()
	return len(p), nil
}

// WriteLines writes every slice, in order, as one Write of their
// concatenation (asyncio's writelines).
func (w *Writer) WriteLines(lines ...[]byte) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if err := w.writableLocked(); err != nil {
		return err
	}
	for _, l := range lines {
		w.enqueueLocked(l)
	}
	w.maybeSendLocked()
	return nil
}

func (w *Writer) enqueueLocked(p []byte) {
	if len(p) == 0 {
		return
	}
	w.cut &^= cutRest
	if w.q == nil && len(p) <= chunkSize {
		w.q = getChunk()[:0]
	}
	w.q = append(w.q, p...)
}

// prependLocked puts p, the unsent rest of a send, before what was queued
// while the send was in flight.
func (w *Writer) prependLocked(p []byte) {
	if len(w.q) == 0 {
		putChunk(w.q)
		w.q = append(getChunk()[:0], p...)
		return
	}
	q := make([]byte, 0, len(p)+len(w.q))
	q = append(append(q, p...), w.q...)
	putChunk(w.q)
	w.q = q
}

// maybeSendLocked starts sending the queue unless a send is in flight or
// the queue is held back for coalescing (see Writer).
func (w *Writer) maybeSendLocked() {
	if w.sending || len(w.q) == 0 || w.err != nil {
		return
	}
	if len(w.q) < chunkSize && w.hold.Load() {
		if w.held.Load() {
			// Already held before hold was seen set: a Reader letting
			// go after that sees held, and releases the queue.
			return
		}
		w.held.Store(true)
		// The Reader may have let go between the Load and the Store. It
		// clears hold, then looks at held; this sets held, then looks at
		// hold again: one of the two sees the other, so the queue is
		// never left held with no Reader to release it.
		if w.hold.Load() {
			return
		}
	}
	w.sendLocked()
}

// sendLocked sends the queue: one attempt that cannot block on a socket,
// then, if bytes remain, the flush goroutine. It needs !w.sending and a
// non-empty queue; it unlocks w.mu during the attempt.
func (w *Writer) sendLocked() {
	w.sending = true
	w.held.Store(false)
	w.cut &^= cutRest
	if w.raw == nil {
		go w.flush()
		return
	}
	buf := w.q
	w.q = nil
	w.inflight = len(buf)
	w.mu.Unlock()
	n, _, err := w.tryRaw(nil, buf, false)
	w.mu.Lock()
	w.inflight = 0
	switch {
	case err != nil:
		w.failLocked(err)
	case n < len(buf):
		w.prependLocked(buf[n:])
	}
	putChunk(buf)
	if len(w.q) > 0 && w.err == nil {
		go w.flush()
		return
	}
	w.sending = false
	w.notifyLocked()
	w.settleLocked()
}

// flush runs while the queue has bytes, owning dst; the Writer's only
// goroutine. It exits when the queue is empty or a send fails.
func (w *Writer) flush() {
	w.mu.Lock()
	defer w.mu.Unlock()
	for len(w.q) > 0 && w.err == nil {
		buf := w.q
		w.q = nil
		w.inflight = len(buf)
		dst := w.dst
		w.mu.Unlock()
		_, err := dst.Write(buf)
		w.mu.Lock()
		w.inflight = 0
		putChunk(buf)
		if err != nil {
			w.failLocked(err)
		}
		w.notifyLocked()
	}
	w.sending = false
	w.settleLocked()
}

// pushLocked makes sure that push runs soon.
func (w *Writer) pushLocked() {
	if w.cut&cutPushing == 0 {
		w.cut |= cutPushing
		go w.push()
	}
}

// push sends a kept rest (see cutRest), or replies released from their
// hold (see release), that no Write has taken along. It yields first, so
// that with one P it runs once the writing goroutine blocks.
func (w *Writer) push() {
	runtime.Gosched()
	w.mu.Lock()
	defer w.mu.Unlock()
	w.cut &^= cutPushing
	if w.sending || len(w.q) == 0 || w.err != nil {
		return
	}
	if w.cut&cutRest != 0 {
		w.sendLocked()
	} else if w.held.Load() {
		w.maybeSendLocked() // unless the Reader holds input again
	}
}

// tryRaw makes one send of rest and p that cannot block; if cut, only of
// whole TCP segments when more than one (see Writer). It returns the bytes
// sent and how many were offered.
func (w *Writer) tryRaw(rest, p []byte, cut bool) (n, offered int, err error) {
	w.rawR, w.rawP, w.rawN, w.rawErr, w.rawCut = rest, p, 0, nil, cut
	err = w.raw.Write(w.rawFn)
	offered = len(w.rawR) + len(w.rawP)
	w.rawR, w.rawP = nil, nil
	if err == nil {
		err = w.rawErr
	}
	return w.rawN, offered, err
}

func (w *Writer) writeRaw(fd uintptr) bool {
	if w.rawCut {
		if total := len(w.rawR) + len(w.rawP); total > minCutSegment {
			if _, tcp := w.dst.(*net.TCPConn); tcp {
				// Asked each time: a connection's segment size grows as
				// the peer's window opens (on loopback 32 KiB, then 46.5,
				// then 63.9). If it shrank, a kept rest can be longer
				// than a segment: then p is sent whole.
				if m := segmentSize(fd); m >= minCutSegment && total > m && total%m < len(w.rawP) {
					w.rawP = w.rawP[:len(w.rawP)-total%m]
				}
			}
		}
	}
	w.rawN, w.rawErr = rawWrite(fd, w.rawR, w.rawP)
	return true
}

// minCutSegment is the smallest TCP segment size at which a Writer cuts
// sends at segment boundaries (see Writer). Below it, on Ethernet-sized
// segments, a short last segment is one of many.
const minCutSegment = 16 << 10

// failLocked records the error that ends the stream and drops the queue:
// nothing more can be delivered.
func (w *Writer) failLocked(err error) {
	if w.err == nil {
		w.err = err
	}
	putChunk(w.q)
	w.q = nil
	w.notifyLocked()
}

// settleLocked finishes a WriteEOF or Close once nothing is left to send.
func (w *Writer) settleLocked() {
	if w.sending || (len(w.q) > 0 && w.err == nil) {
		return
	}
	if w.eof && !w.eofDone && w.err == nil && !w.closing {
		w.eofDone = true
		if tc := w.tlsConn(); tc != nil {
			// A TLS half-close sends close_notify, a write that blocks
			// while the peer does not read: send it as the queue is
			// sent, from a goroutine that owns dst, not under w.mu.
			w.sending = true
			go w.closeWriteTLS(tc)
			return
		}
		if err := w.closeWrite(); err != nil {
			w.failLocked(err)
		}
	}
	if w.closing && !w.closed {
		w.closeLocked()
	}
}

func (w *Writer) closeWriteTLS(tc *tls.Conn) {
	err := tc.CloseWrite()
	w.mu.Lock()
	defer w.mu.Unlock()
	if err != nil {
		w.failLocked(err)
	}
	w.sending = false
	w.notifyLocked()
	w.settleLocked()
}

// tlsConn returns dst if it is a *tls.Conn, whose Close and CloseWrite
// send an alert and so may block (up to crypto/tls's 5 s) on a peer that
// does not read.
func (w *Writer) tlsConn() *tls.Conn {
	tc, _ := w.dst.(*tls.Conn)
	return tc
}

// closeLocked closes dst, at once for Abort. Close of a TLS connection
// sends close_notify first: a goroutine does that, and closes w.done when
// it is through, so that neither Close nor w.mu waits for the peer; Abort
// cuts it short by closing the connection underneath.
func (w *Writer) closeLocked() {
	w.closed = true
	if w.peer != nil {
		w.peer.guard.Release() // the Reader's ctx registration dies with the connection
	}
	if tc := w.tlsConn(); tc != nil {
		if w.aborted {
			w.closeErr = tc.NetConn().Close()
		} else {
			go func() {
				err := tc.Close()
				w.mu.Lock()
				defer w.mu.Unlock()
				w.closeErr = err
				w.markDoneLocked()
				w.notifyLocked()
			}()
			return
		}
	} else if c, ok := w.dst.(io.Closer); ok {
		if _, isFile := w.dst.(*os.File); !(isFile && w.eofDone) { // WriteEOF closed the file
			w.closeErr = c.Close()
		}
	}
	w.markDoneLocked()
	w.notifyLocked()
}

func (w *Writer) notifyLocked() {
	if w.changed != nil {
		close(w.changed)
		w.changed = nil
	}
}

func (w *Writer) changedLocked() <-chan struct{} {
	if w.changed == nil {
		w.changed = make(chan struct{})
	}
	return w.changed
}

// waitLocked waits, unlocking w.mu meanwhile, until the Writer changes or
// ctx ends.
func (w *Writer) waitLocked(ctx context.Context) error {
	ch := w.changedLocked()
	w.mu.Unlock()
	defer w.mu.Lock()
	select {
	case <-ch:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// release sends replies held back for the peer Reader, which holds no
// unread input now: at once if now, else with the next Write or, if none
// comes, once this goroutine lets another run (see push).
func (w *Writer) release(now bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if now {
		w.maybeSendLocked()
	} else {
		w.pushLocked()
	}
}

// Drain is asyncio's drain: it returns at once while Buffered() <= the high
// watermark; otherwise it sends what is held back for coalescing and waits
// until Buffered() <= the low watermark. It returns the error that
// ended the stream, ErrClosed after Close, or ctx's error if ctx ends
// first. Any number of goroutines may wait in Drain at once.
func (w *Writer) Drain(ctx context.Context) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if err := w.drainableLocked(); err != nil {
		return err
	}
	if w.bufferedLocked() <= w.high {
		// Bytes held back for coalescing stay held: they leave when the
		// Reader needs input, so write-then-drain per reply still sends
		// one segment per batch of requests.
		return nil
	}
	if !w.sending && len(w.q) > 0 {
		w.sendLocked()
	}
	for w.bufferedLocked() > w.low {
		if err := w.waitLocked(ctx); err != nil {
			return err
		}
		if err := w.drainableLocked(); err != nil {
			return err
		}
	}
	return nil
}

func (w *Writer) drainableLocked() error {
	if w.closing {
		return w.closedErr
	}
	return w.err
}

// Buffered returns the number of bytes written and not yet taken by the
// destination (asyncio's transport.get_write_buffer_size).
func (w *Writer) Buffered() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.bufferedLocked()
}

func (w *Writer) bufferedLocked() int { return len(w.q) + w.inflight }

// SetWriteBufferLimits sets the watermarks Drain uses. It returns an error
// wrapping ErrInvalidOption unless 0 <= low <= high. The defaults are
// DefaultHighWater and DefaultLowWater.
func (w *Writer) SetWriteBufferLimits(high, low int) error {
	if err := checkWaterMarks(high, low); err != nil {
		return err
	}
	w.mu.Lock()
	w.high, w.low = high, low
	w.notifyLocked()
	w.mu.Unlock()
	return nil
}

// WriteBufferLimits returns the watermarks Drain uses.
func (w *Writer) WriteBufferLimits() (high, low int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.high, w.low
}

type closeWriter interface{ CloseWrite() error }

// CanWriteEOF reports whether WriteEOF is possible: the destination has a
// half-close (TCP and unix sockets, TLS), or is a file (a pipe), which
// WriteEOF closes.
func (w *Writer) CanWriteEOF() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.canWriteEOFLocked()
}

func (w *Writer) canWriteEOFLocked() bool {
	switch w.dst.(type) {
	case closeWriter, *os.File:
		return true
	}
	return false
}

func (w *Writer) closeWrite() error {
	if cw, ok := w.dst.(closeWriter); ok {
		return cw.CloseWrite()
	}
	return w.dst.(*os.File).Close()
}

// WriteEOF closes the write side once the queue has been sent (a TCP
// half-close); the Reader of the connection goes on working. Later writes
// return ErrClosed. It returns ErrCannotWriteEOF if CanWriteEOF is false.
// A second call does nothing.
func (w *Writer) WriteEOF() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.eof {
		return nil
	}
	if err := w.writableLocked(); err != nil {
		return err
	}
	if !w.canWriteEOFLocked() {
		return ErrCannotWriteEOF
	}
	w.eof = true
	if !w.sending && len(w.q) > 0 {
		w.sendLocked()
	} else {
		w.settleLocked()
	}
	if w.eofDone {
		return w.err
	}
	return nil
}

// Close sends what is queued, then closes the destination (if it is an
// io.Closer; for a connection, both directions; on TLS after a
// close_notify alert, which crypto/tls gives up on after 5 s). It does not
// wait: use WaitClosed for that, and Abort if the peer may never read.
// Close is idempotent; later calls of Write, Drain, WriteEOF return
// ErrClosed.
func (w *Writer) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closing {
		return nil
	}
	w.closing, w.closedErr = true, ErrClosed
	w.notifyLocked()
	if !w.sending && len(w.q) > 0 && w.err == nil {
		w.sendLocked()
	} else {
		w.settleLocked()
	}
	return nil
}

// Abort drops the queue and closes the destination now, waking a send in
// progress (asyncio's transport.abort); on TLS it closes the connection
// underneath without a close_notify alert, so it never waits for the peer,
// and it cuts short the alert of an earlier Close. It returns the error of
// closing, if any; a second call does nothing.
func (w *Writer) Abort() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.aborted || w.doneLocked() {
		return nil
	}
	if !w.closing {
		w.closing, w.closedErr = true, ErrClosed
	}
	w.aborted = true
	putChunk(w.q)
	w.q = nil
	if w.closed {
		// Close's TLS close_notify is pending (see closeLocked): cut it
		// short.
		if tc := w.tlsConn(); tc != nil {
			return tc.NetConn().Close()
		}
		return nil
	}
	w.closeLocked()
	return w.closeErr
}

// doneLocked reports whether dst has been closed.
func (w *Writer) doneLocked() bool { return w.isDone }

func (w *Writer) markDoneLocked() {
	w.isDone = true
	if w.done != nil {
		close(w.done)
	}
}

// closedChan is the done channel of a Writer closed before anyone waited.
var closedChan = func() chan struct{} { c := make(chan struct{}); close(c); return c }()

// doneChanLocked returns a channel closed when dst is closed. It is made
// only for a waiter: most Writers are never waited for, and an idle
// connection should not carry one.
func (w *Writer) doneChanLocked() <-chan struct{} {
	if w.done == nil {
		if w.isDone {
			return closedChan
		}
		w.done = make(chan struct{})
	}
	return w.done
}

// WaitClosed waits until the destination has been closed by Close (after
// the queue was sent) or Abort, or until ctx ends; it always returns. It
// returns ctx's error if ctx ended first, the error that kept the queue
// from being delivered if a Close could not deliver it, else nil.
func (w *Writer) WaitClosed(ctx context.Context) error {
	w.mu.Lock()
	done := w.doneChanLocked()
	w.mu.Unlock()
	select {
	case <-done:
	case <-ctx.Done():
		return ctx.Err()
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.aborted {
		return nil
	}
	return w.err
}

// IsClosing reports whether Close or Abort has been called, or a failed
// StartTLS has closed the connection. (Unlike asyncio's is_closing, a
// connection lost by itself does not count: Write and Drain report it.)
func (w *Writer) IsClosing() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.closing
}

// Conn returns the connection the Writer sends to, or nil if it was made
// by NewWriter over something else. It is asyncio's get_extra_info, typed:
// RemoteAddr, LocalAddr, and after TLS a *tls.Conn with ConnectionState.
// Reading or writing it directly bypasses the Reader and Writer.
func (w *Writer) Conn() net.Conn {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.connLocked()
}

func (w *Writer) connLocked() net.Conn {
	c, _ := w.dst.(net.Conn)
	return c
}

// own waits until no send is in flight and the queue is empty, then takes
// ownership of dst for the caller (SendFile, StartTLS), who gives it back
// with disown. It returns with w.mu held either way.
func (w *Writer) ownLocked(ctx context.Context) error {
	for {
		if err := w.writableLocked(); err != nil {
			return err
		}
		if !w.sending {
			if len(w.q) == 0 {
				w.sending = true
				return nil
			}
			w.sendLocked()
			continue
		}
		if err := w.waitLocked(ctx); err != nil {
			return err
		}
	}
}

func (w *Writer) disownLocked() {
	w.sending = false
	w.notifyLocked()
	if len(w.q) > 0 && w.err == nil {
		w.sendLocked()
	} else {
		w.settleLocked()
	}
}
