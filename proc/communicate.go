package proc

import (
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"slices"
	"sync"
	"time"

	"github.com/netaio/aio/stream"
)

// The values of prepareGroup's result that are not a process group ID.
const (
	ownGroup = 0  // the child leads a group of its own
	noGroup  = -1 // signals go to the child alone
)

// Communicate is asyncio's communicate: it writes input to the child's
// standard input and closes it, reads Stdout and Stderr to EOF, all three at
// once (so a child that writes much before it reads cannot deadlock), then
// waits for the child to exit. It returns what was read, nil for a stream
// that is not a Pipe (empty, not nil, for a Pipe that gave nothing), and the
// error Wait would return. The return code is ReturnCode's.
//
// Bytes already buffered in Stdout and Stderr come first. A child that exits
// without reading all of input is not an error (asyncio ignores the broken
// pipe). Input for a child whose Stdin is not a Pipe is ErrNoStdin. If the
// child has exited and a grandchild keeps Stdout or Stderr open, Communicate
// stops reading after the kill grace (WithKillGrace) and returns what it
// read, with exec.ErrWaitDelay if there is no other error.
//
// If ctx ends first, the child's group is killed (SIGKILL) and reaped, and
// Communicate returns the output the child wrote until then, with ctx's
// error. Communicate reads the pipes to their end, so only the first call
// does anything: later ones return ErrCommunicated. Do not use Stdin, Stdout
// or Stderr while Communicate runs. The output is held in memory: for large
// or endless output, read the streams instead.
func (p *Process) Communicate(ctx context.Context, input []byte) (stdout, stderr []byte, err error) {
	if ctx == nil {
		return nil, nil, errors.New("proc: nil Context")
	}
	if len(input) > 0 {
		if p.Stdin == nil {
			return nil, nil, ErrNoStdin
		}
		// Input after the caller closed Stdin is a mistake; after the
		// child exited (and Stdin was aborted) or closed its end, it is a
		// broken pipe, which asyncio ignores.
		if _, err := p.Stdin.Write(nil); err != nil && !p.ignorableFeedError(err) {
			return nil, nil, err
		}
	}
	if !p.communicated.CompareAndSwap(false, true) {
		return nil, nil, ErrCommunicated
	}
	p.startReaper() // the reads below end a grace after the child exits

	var cols []*collector
	for _, s := range [2]struct {
		pr *pipeReader
		r  *stream.Reader
	}{{p.outPipe, p.Stdout}, {p.errPipe, p.Stderr}} {
		if s.pr == nil {
			cols = append(cols, nil)
			continue
		}
		c := &collector{pr: s.pr}
		if n := s.r.Buffered(); n > 0 {
			c.cur, _ = s.r.ReadN(context.Background(), n)
		}
		cols = append(cols, c)
	}
	finished := make(chan *collector, 2)
	pending := 0
	for _, c := range cols {
		if c != nil {
			pending++
			go c.run(finished)
		}
	}
	var feedErr error
	fed := make(chan struct{})
	if p.Stdin != nil {
		go func() {
			defer close(fed)
			feedErr = p.feed(input)
		}()
	} else {
		close(fed)
	}

	// Read until EOF on both pipes, or until the grace after the child's
	// exit has passed, or until ctx ends; then wait for the child.
	var ctxErr error
	overrun := false
	exited := p.done
	var delay <-chan time.Time
reading:
	for pending > 0 {
		select {
		case <-finished:
			pending--
		case <-exited:
			exited = nil
			t := time.NewTimer(p.waitDelay)
			defer t.Stop()
			delay = t.C
		case <-delay:
			overrun = true
			break reading
		case <-ctx.Done():
			ctxErr = ctx.Err()
			break reading
		}
	}
	if ctxErr == nil && !overrun {
		select {
		case <-p.done:
		case <-ctx.Done():
			ctxErr = ctx.Err()
		}
	}
	if ctxErr != nil {
		if err := p.Kill(); err != nil && !errors.Is(err, os.ErrProcessDone) {
			ctxErr = errors.Join(ctxErr, err)
		}
		<-p.done
	}
	if pending > 0 {
		// Stop the reads that wait on a pipe someone still holds open, and
		// take what the pipe holds: with the group dead, all the child wrote.
		for _, c := range cols {
			if c != nil {
				c.pr.interrupt()
			}
		}
		for ; pending > 0; pending-- {
			<-finished
		}
		for _, c := range cols {
			if c != nil && c.interrupted {
				c.drain()
			}
		}
	}
	<-fed

	var errs []error
	if ctxErr != nil {
		errs = append(errs, ctxErr)
	} else {
		_, werr := p.Wait(context.Background())
		switch {
		case werr != nil:
			errs = append(errs, werr)
		case overrun:
			errs = append(errs, exec.ErrWaitDelay)
		}
	}
	if feedErr != nil && !p.ignorableFeedError(feedErr) {
		errs = append(errs, feedErr)
	}
	var out [2][]byte
	for i, c := range cols {
		if c == nil {
			continue
		}
		c.pr.finish(os.ErrClosed)
		out[i] = c.bytes()
		if c.err != nil {
			errs = append(errs, c.err)
		}
	}
	return out[0], out[1], errors.Join(errs...)
}

// feed writes input to Stdin and closes it.
func (p *Process) feed(input []byte) error {
	w := p.Stdin
	if len(input) > 0 && w.Buffered() == 0 && !w.IsClosing() {
		// Nothing is queued before input: write it from the caller's slice
		// rather than copy it into the Writer's queue.
		_, err := p.stdinFile.Write(input)
		w.Close()
		return err
	}
	if len(input) > 0 {
		if _, err := w.Write(input); err != nil {
			w.Close()
			return err
		}
	}
	w.Close()
	return w.WaitClosed(context.Background())
}

// ignorableFeedError reports whether a failure to write Communicate's input
// comes from the child having gone without reading it all.
func (p *Process) ignorableFeedError(err error) bool {
	if isBrokenPipe(err) {
		return true
	}
	return p.stdinAborted.Load() && (errors.Is(err, os.ErrClosed) || errors.Is(err, stream.ErrClosed))
}

// A collector reads one pipe to EOF for Communicate. It reads into chunks
// of growing size, joined once at the end: a single buffer doubled as it
// fills would cost as much copying, but in moves of up to half the output,
// which the garbage collector cannot interrupt and spins waiting for.
type collector struct {
	pr          *pipeReader
	chunks      [][]byte // full chunks, in order
	cur         []byte   // the chunk being filled
	size        int      // bytes in chunks
	err         error    // a read error other than EOF
	interrupted bool     // stopped by interrupt before EOF
}

const (
	minChunk = 4 << 10
	maxChunk = 1 << 20
)

func (c *collector) run(finished chan<- *collector) {
	for {
		err := c.readOnce()
		switch {
		case err == nil:
			continue
		case err == io.EOF:
		case errors.Is(err, os.ErrDeadlineExceeded):
			c.interrupted = true
		default:
			c.err = err
		}
		finished <- c
		return
	}
}

func (c *collector) readOnce() error {
	if len(c.cur) == cap(c.cur) {
		if len(c.cur) > 0 {
			c.chunks = append(c.chunks, c.cur)
			c.size += len(c.cur)
		}
		c.cur = make([]byte, 0, min(max(2*cap(c.cur), minChunk), maxChunk))
	}
	n, err := c.pr.Read(c.cur[len(c.cur):cap(c.cur)])
	c.cur = c.cur[:len(c.cur)+n]
	return err
}

// drain takes what the pipe holds after an interrupted read.
func (c *collector) drain() {
	if c.pr.finished() != nil || c.pr.f.SetReadDeadline(time.Time{}) != nil {
		return
	}
	var err error
	c.cur, err = readAvailable(c.pr.f, c.cur)
	if err != nil && err != io.EOF && c.err == nil {
		c.err = err
	}
}

// bytes returns all that was read: empty, not nil, if nothing was.
func (c *collector) bytes() []byte {
	if len(c.chunks) == 0 {
		if c.cur == nil {
			return []byte{}
		}
		return c.cur
	}
	out := make([]byte, 0, c.size+len(c.cur))
	for _, b := range c.chunks {
		out = append(out, b...)
	}
	return append(out, c.cur...)
}

// growRead returns b with room for at least n more bytes.
func growRead(b []byte, n int) []byte {
	if cap(b)-len(b) >= n {
		return b
	}
	return slices.Grow(b, max(cap(b), n, minChunk))
}

// pipeReader is the parent's end of a Pipe for Stdout or Stderr, read by
// the stream.Reader and by Communicate. It closes the file as soon as the
// pipe reaches EOF or fails, so that a stream read to its end holds no
// descriptor, and returns that outcome from then on. It passes read
// deadlines through (the file is pollable), which is how a read waiting on
// the pipe is cut short when a ctx ends.
type pipeReader struct {
	f   *os.File
	mu  sync.Mutex
	err error // sticky: io.EOF, or why the file was closed
}

func (r *pipeReader) Read(p []byte) (int, error) {
	if err := r.finished(); err != nil {
		return 0, err
	}
	n, err := r.f.Read(p)
	if err != nil && !errors.Is(err, os.ErrDeadlineExceeded) {
		err = r.finish(err)
	}
	return n, err
}

// SetReadDeadline lets ctxio wake a read when its ctx ends.
func (r *pipeReader) SetReadDeadline(t time.Time) error { return r.f.SetReadDeadline(t) }

func (r *pipeReader) finished() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.err
}

// finish closes the file, recording err as the outcome unless there is one
// already, and returns the outcome.
func (r *pipeReader) finish(err error) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.err == nil {
		r.err = err
		r.f.Close()
	}
	return r.err
}

// interrupt wakes a read waiting on the pipe.
func (r *pipeReader) interrupt() {
	if r.f.SetReadDeadline(time.Unix(1, 0)) != nil {
		// No deadlines here (Windows pipes): closing is what is left.
		r.finish(os.ErrClosed)
	}
}
