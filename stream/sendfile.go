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
// On a TCP or unix socket the kernel copies the file (sendfile(2), as
// io.Copy to a *net.TCPConn does); elsewhere, TLS included, it is a read
// and write loop. f's offset is moved past what was sent, as in asyncio.
//
// ctx ends the call promptly where the connection has write deadlines,
// with what was sent so far counted; the stream then carries part of the
// file, which the protocol must cope with. (On TLS a cancelled write
// breaks the connection for good: crypto/tls cannot resume one.)
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
	if err != nil && !errors.Is(err, ctx.Err()) {
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
	return n, g.End(ctx, err)
}
