// Package stream reads and writes byte streams the way asyncio's streams
// do, over net.Conn, pipes or any io.Reader and io.Writer.
//
// A Reader reads by record: ReadLine, ReadUntil (one or several
// separators), ReadExactly, ReadN, and the zero-copy views ReadSlice, Next,
// Peek and the Records iterator. A record that ends at a separator may be
// at most the limit long (DefaultLimit, 64 KiB), so a peer cannot make the
// buffer grow without end. A Writer never blocks in Write; Drain waits
// while too much is queued (watermark backpressure), and Close sends what
// is queued before closing.
//
//	r, w, err := stream.Open(ctx, "tcp", "127.0.0.1:8888")
//	if err != nil { ... }
//	w.Write([]byte("hello\n"))
//	if err := w.Drain(ctx); err != nil { ... }
//	line, err := r.ReadLine(ctx)
//	w.Close()
//
// # From asyncio
//
// Coroutines become blocking calls that take a context.Context first:
// cancelling the context is cancelling the task, and a call waiting on the
// network returns ctx's error promptly, with nothing read lost.
// asyncio.open_connection is Open, open_unix_connection OpenUnix, sock= and
// connect_accepted_socket are Wrap; limit= is WithLimit, ssl= WithTLS.
// Exceptions become error values: IncompleteReadError and
// LimitOverrunError keep their names and fields, a read at EOF returns
// io.EOF where asyncio returns b"". Where aio differs from asyncio, the
// method's documentation says so.
//
// # Copies and views
//
// The copying reads return slices the caller owns, as asyncio returns new
// bytes objects; the views return slices of the Reader's buffer, valid
// until the next read, and allocate nothing. A server that copies every
// request allocates as fast as it reads, and with a small live heap Go's
// collector then runs every 4 MiB or so: on a loopback echo of 1 KiB
// frames read with ReadExactly, that is about a tenth of the server's CPU
// time, which reading the frame as a view (Peek, then Next) gives back, as
// does a higher GOGC. (A server on a bare net.Conn that reads each frame
// into a new slice pays the same: it is the cost of the allocation, not of
// the Reader.)
//
// # Concurrency
//
// A Writer may be shared by any number of goroutines. A Reader is read by
// one goroutine at a time; a second concurrent read gets ErrConcurrentRead
// rather than corrupted data.
package stream
