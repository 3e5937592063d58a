package stream

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/netaio/aio/internal/ctxio"
)

// SendFile sends count bytes of f from offset (count == 0: to the end of
// f) and returns how many it sent (asyncio's sendfile). It first waits for
// the queue to be sent; writes made meanwhile are sent after the file.
// Where io.Copy does (a *net.TCPConn) the kernel copies the file with
// sendfile(2); elsewhere, TLS included, it is a read and write loop. f's
// offset is left just past what was sent, as in asyncio.
//
// ctx ends the call promptly where the connection has write deadlines,
// with what was sent so far counted; the stream then carries part of the
// file, which the protocol must cope with. (On TLS a cancelled write
// breaks the connection for good: crypto/tls cannot resume one.) An error
// reading f (a closed file, a directory) is returned likewise and leaves
// the Writer usable; only an error of the connection ends the stream.
func (w *Writer) SendFile(ctx context.Context, f *os.File, offset, count int64) (int64, error) {
	if f == nil {
		return 0, fmt.Errorf("%w: nil *os.File", ErrInvalidOption)
	}
	if offset < 0 || count < 0 {
		return 0, ErrNegativeCount
	}
	w.mu.Lock()
	if err := w.ownLocked(ctx); err != nil {
		w.mu.Unlock()
		return 0, err
	}
	dst := w.dst
	w.mu.Unlock()

	n, err := sendFile(ctx, dst, f, offset, count)

	w.mu.Lock()
	defer w.mu.Unlock()
	if err != nil && !errors.Is(err, ctx.Err()) && !isFileError(err, f) {
		w.failLocked(err)
	}
	w.disownLocked()
	return n, err
}

func sendFile(ctx context.Context, dst io.Writer, f *os.File, offset, count int64) (int64, error) {
	if _, err := f.Seek(offset, io.SeekStart); err != nil {
		return 0, err
	}
	var src io.Reader = f
	if count > 0 {
		src = io.LimitReader(f, count)
	}
	g := ctxio.ForWrite(dst, false)
	if err := g.Begin(ctx); err != nil {
		return 0, err
	}
	n, err := io.Copy(dst, src)
	err = g.End(ctx, err)
	// A copy loop reads ahead of what it sends, and a write may fail after
	// the read: put the offset where the sent bytes end.
	if _, serr := f.Seek(offset+n, io.SeekStart); serr != nil && err == nil {
		err = serr
	}
	return n, err
}

// isFileError reports whether err comes from reading f rather than from
// the connection. os.File reports every failure as an *os.PathError with
// its name; the net package wraps one it meets in a copy, without hiding
// it from errors.As.
func isFileError(err error, f *os.File) bool {
	var pe *os.PathError
	return errors.As(err, &pe) && pe.Path == f.Name()
}
