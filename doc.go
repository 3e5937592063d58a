// Package aio is Python asyncio's high-level toolkit, rebuilt as an
// idiomatic Go library.
//
// Go already has what asyncio builds by hand: goroutines are the tasks,
// context.Context is cancellation, and the runtime's netpoller is the event
// loop, so a blocking call in a goroutine costs what an await costs in
// Python. What Go lacks is the toolkit asyncio puts on top, and that is what
// aio adds, one package a concern:
//
//   - [github.com/netaio/aio/stream]: Reader and Writer over a net.Conn, a
//     pipe or any io.Reader/io.Writer. Bounded ReadLine, ReadUntil,
//     ReadExactly; a Writer that never blocks in Write and applies
//     watermark backpressure in Drain; TLS, StartTLS, SendFile.
//   - [github.com/netaio/aio/server]: start_server. Each connection gets
//     a handler goroutine with a Reader and a Writer, and the server shuts
//     down without hanging and without losing data.
//   - [github.com/netaio/aio/proc]: create_subprocess_exec and _shell. The
//     child's pipes are streams, and cancelling the ctx kills its whole
//     process group.
//   - [github.com/netaio/aio/aqueue]: Queue, LifoQueue, PriorityQueue with
//     TaskDone, Join and Shutdown, safe for any number of goroutines.
//   - [github.com/netaio/aio/signals]: add_signal_handler, and a Context
//     that says which signal ended it.
//   - [github.com/netaio/aio/executor]: Future, gather, wait, as_completed,
//     wait_for, shield, TaskGroup and run_in_executor.
//
// # Translating asyncio code
//
// An async def becomes an ordinary function that takes a ctx first; await
// disappears (the call blocks its goroutine, not the program); create_task
// is the go statement, or executor.Go when the result is wanted. Cancelling
// a task is cancelling its ctx: every blocking call in aio returns ctx's
// error promptly when it ends, even a read already waiting on a socket or a
// pipe, and loses nothing (bytes already read stay buffered, a queue item
// not handed over stays queued). Exceptions become error values, tested
// with errors.Is and errors.As; asyncio's exception names survive where they
// carry data (stream.IncompleteReadError, stream.LimitOverrunError).
//
// Where asyncio's behaviour and Go's idioms disagree, aio follows Go and
// the package documentation says so: for example, ReadLine returns io.EOF
// at the end of the stream instead of an empty bytes object, and a panic in
// a task becomes an *executor.PanicError instead of crashing the program.
//
// Parts of asyncio need no package because the standard library already
// does them well; the table below names what to use instead.
package aio
