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
//
// # asyncio -> aio
//
// Every function, method, class and exception that asyncio's documentation
// names, grouped as that documentation groups them, with what to use in Go:
// the aio API that does it, the standard-library API that already does it,
// or "not provided" and the reason. Go names are written package.Type.Method:
// stream.Reader.ReadUntil is the method ReadUntil of the type Reader in
// package github.com/netaio/aio/stream. On the left, loop is asyncio's event
// loop; on the right, ctx is a context.Context and srv a *server.Server.
//
// Running a program, and the event loop itself:
//
//	asyncio.run(main())                 call main(ctx) from func main, with ctx from signals.Context:
//	                                    Ctrl-C or SIGTERM cancels it, as asyncio.run cancels main. There
//	                                    is no loop to start
//	asyncio.get_running_loop(),         not provided, because there is no loop object: the runtime's
//	asyncio.get_event_loop(),           scheduler and netpoller serve the whole process, always. Code
//	asyncio.set_event_loop(),           that took a loop takes a ctx
//	asyncio.new_event_loop()
//	loop.run_until_complete(f)          call the function; for one already started, executor.Future.Wait
//	loop.run_forever()                  <-ctx.Done(); for a server, server.Server.ServeForever
//	loop.stop()                         cancel the ctx: the cancel function of context.WithCancel
//	loop.is_running(),                  not provided, because the runtime always runs and never closes
//	loop.is_closed()
//	loop.close()                        not provided, because there is no loop to close: close what you
//	                                    started (server.Server.Close, executor.Pool.Shutdown,
//	                                    stream.Writer.Close)
//	loop.shutdown_asyncgens()           not provided, because an iterator (iter.Seq) is a plain
//	                                    function: leaving a range loop runs its cleanup at once
//	loop.shutdown_default_executor()    executor.Pool.Shutdown, its timeout a ctx deadline; executor.Go
//	                                    needs no executor
//	loop.time()                         time.Now (it carries a monotonic reading), time.Since
//	asyncio.EventLoop,                  not provided, because the runtime's netpoller (epoll, kqueue,
//	asyncio.SelectorEventLoop,          IOCP) is the loop on every platform: there is none to choose or
//	asyncio.ProactorEventLoop,          to implement
//	asyncio.AbstractEventLoop
//	loop.set_task_factory(),            not provided, because there is no factory to intercept: wrap the
//	loop.get_task_factory()             function you give to executor.Go
//	loop.get_debug(),                   not provided, because a slow function delays only its own
//	loop.set_debug(),                   goroutine. Use go test -race, runtime/trace (trace.Start) and
//	loop.slow_callback_duration         profiles (pprof.Lookup)
//	loop.set_exception_handler(),       not provided, because no error is left over for a loop: errors
//	loop.get_exception_handler(),       are returned to callers, a task's panic becomes an
//	loop.default_exception_handler(),   executor.PanicError, and what no caller can be told is logged
//	loop.call_exception_handler()       with log/slog (server.WithLogger; signals uses slog.Default)
//
// Callbacks and timers:
//
//	loop.call_soon(cb, *args)           go cb(args...): a goroutine; a closure replaces *args and
//	                                    functools.partial. Callbacks that must run in order: one
//	                                    goroutine receiving funcs from a channel
//	loop.call_soon_threadsafe(cb)       the same: any goroutine may start one
//	loop.call_later(delay, cb)          time.AfterFunc(d, f)
//	loop.call_at(when, cb)              time.AfterFunc(time.Until(t), f)
//	asyncio.Handle,                     the time.Timer that time.AfterFunc returns; nothing for a go
//	asyncio.TimerHandle                 statement
//	Handle.cancel()                     time.Timer.Stop (it reports false if f has started)
//	Handle.cancelled()                  not provided, because time.Timer.Stop reports it: keep its
//	                                    result
//	Handle.get_context()                not provided, because contextvars have no Go twin: pass ctx
//	                                    explicitly, with values from context.WithValue
//	TimerHandle.when()                  not provided, because a time.Timer does not report it: keep the
//	                                    time.Time you computed
//	asyncio.sleep(d)                    select on time.After(d) and ctx.Done()
//
// Tasks and futures:
//
//	asyncio.Future, asyncio.Task         executor.Future
//	asyncio.create_task(),               executor.Go; the go statement when no result is wanted
//	loop.create_task(),
//	asyncio.ensure_future()
//	asyncio.to_thread(func)              executor.Go: a goroutine may block in a system call
//	asyncio.run_coroutine_threadsafe()   nothing needed: every goroutine may call in, executor.Go
//	                                     included
//	loop.create_future(),                not provided, because an executor.Future completes when its
//	Future.set_result(),                 function returns; a value handed over by hand is a channel,
//	Future.set_exception()               make(chan T, 1)
//	Task.cancel()                        executor.Future.Cancel
//	Task.cancelled()                     executor.Future.Cancelled
//	Task.done()                          executor.Future.Done, a channel for select
//	Task.result()                        executor.Future.Result (executor.ErrNotDone while pending);
//	                                     executor.Future.Wait blocks for it
//	Task.exception()                     executor.Future.Err
//	Task.add_done_callback(cb)           executor.Future.OnDone
//	Task.remove_done_callback(cb)        the stop function that executor.Future.OnDone returns
//	Task.get_stack(),                    executor.PanicError.Stack for a panic; the stacks of all
//	Task.print_stack()                   goroutines: runtime.Stack, pprof.Lookup
//	Task.get_coro()                      not provided, because a goroutine keeps no handle to its
//	                                     function
//	Task.get_name(), Task.set_name()     not provided, because goroutines have no names: label them for
//	                                     profiles with pprof.Do, for logs with slog.Logger.With
//	asyncio.current_task(),              not provided, because goroutines have no identity, by design:
//	asyncio.all_tasks()                  pass what a task needs in ctx. runtime.NumGoroutine counts them
//	asyncio.gather(*aws)                 executor.Gather
//	  return_exceptions=True             executor.GatherAll, giving an executor.Result for each
//	asyncio.shield(aw)                   executor.Shield (every wait in aio leaves the future running)
//	asyncio.wait_for(aw, timeout)        executor.WaitFor
//	asyncio.wait(aws, return_when=...)   executor.Wait with executor.AllCompleted,
//	                                     executor.FirstCompleted or executor.FirstError; the timeout is
//	                                     ctx's, from context.WithTimeout
//	asyncio.as_completed(aws)            executor.AsCompleted
//	loop.run_in_executor(pool, func)     executor.Submit with an executor.Pool; with executor None,
//	                                     executor.Go
//	ThreadPoolExecutor,                  executor.NewPool (goroutines compute in parallel: no process
//	ProcessPoolExecutor                  pool is needed)
//	loop.set_default_executor()          not provided, because there is no default executor: pass the
//	                                     executor.Pool to whoever submits
//
// Streams:
//
//	asyncio.open_connection()           stream.Open(ctx, "tcp", "host:port")
//	  limit=                            stream.WithLimit
//	  ssl=, server_hostname=            stream.WithTLS, with tls.Config.ServerName
//	  ssl_handshake_timeout=            stream.WithHandshakeTimeout
//	  ssl_shutdown_timeout=             not provided, because crypto/tls never waits for the peer's
//	                                    close_notify and bounds sending its own (5 s), and
//	                                    stream.Writer.Close does not wait even for that;
//	                                    stream.Writer.WaitClosed does, stream.Writer.Abort cuts it short
//	  local_addr=                       stream.WithLocalAddr
//	  happy_eyeballs_delay=,            stream.WithDialer and net.Dialer.FallbackDelay; net.Dialer
//	  interleave=                       interleaves already
//	  family=, proto=, flags=           the network argument: "tcp4", "tcp6"
//	  sock=                             stream.Wrap
//	asyncio.open_unix_connection()      stream.OpenUnix
//	asyncio.StreamReader                stream.Reader; stream.NewReader reads any io.Reader
//	StreamReader.read(n)                stream.Reader.ReadN; read() to EOF is ReadN(ctx, -1); as an
//	                                    io.Reader, stream.Reader.Read
//	StreamReader.readline()             stream.Reader.ReadLine
//	StreamReader.readexactly(n)         stream.Reader.ReadExactly; stream.Reader.Next without a copy
//	StreamReader.readuntil(sep)         stream.Reader.ReadUntil; stream.Reader.ReadSlice without a copy
//	StreamReader.at_eof()               stream.Reader.AtEOF
//	async for line in reader            stream.Reader.Lines; stream.Reader.Records without a copy
//	StreamReader.feed_eof()             not provided, because a Reader pulls from its source and sees
//	                                    EOF there: to feed one by hand, give it the reader of io.Pipe
//	                                    and close the io.PipeWriter
//	asyncio.StreamWriter                stream.Writer; stream.NewWriter writes to any io.Writer
//	StreamWriter.write(data)            stream.Writer.Write (it never blocks)
//	StreamWriter.writelines(data)       stream.Writer.WriteLines
//	StreamWriter.drain()                stream.Writer.Drain
//	StreamWriter.close()                stream.Writer.Close
//	StreamWriter.wait_closed()          stream.Writer.WaitClosed
//	StreamWriter.can_write_eof()        stream.Writer.CanWriteEOF
//	StreamWriter.write_eof()            stream.Writer.WriteEOF
//	StreamWriter.is_closing()           stream.Writer.IsClosing
//	StreamWriter.start_tls()            stream.Writer.StartTLS
//	StreamWriter.transport              stream.Writer.Conn, the net.Conn
//	StreamWriter.get_extra_info()       stream.Writer.Conn: 'peername' is net.Conn.RemoteAddr,
//	                                    'sockname' net.Conn.LocalAddr, 'socket' the conn itself. After
//	                                    TLS the conn is a tls.Conn ('ssl_object'), whose
//	                                    tls.Conn.ConnectionState holds 'peercert' and 'cipher';
//	                                    'compression' does not exist in crypto/tls. 'pipe' and
//	                                    'subprocess': keep the os.File or proc.Process you made
//	asyncio.IncompleteReadError         stream.IncompleteReadError (partial is Partial); it matches
//	                                    io.ErrUnexpectedEOF
//	asyncio.LimitOverrunError           stream.LimitOverrunError (consumed is Consumed); it matches
//	                                    stream.ErrLimitOverrun
//
// Servers:
//
//	asyncio.start_server()              server.Start(ctx, "tcp", "host:port", h)
//	  client_connected_cb               server.Handler
//	  limit=, ssl=                      server.WithLimit, server.WithTLS
//	  ssl_handshake_timeout=            server.WithHandshakeTimeout
//	  backlog=, reuse_port=             server.WithBacklog, server.WithReusePort
//	  keep_alive=                       server.WithKeepAlive
//	  reuse_address=                    nothing needed: Go sets SO_REUSEADDR on listening sockets on
//	                                    Unix
//	  start_serving=False               server.WithStartServing(false)
//	  host=[h1, h2]                     the address "h1:port,h2:port"
//	  sock=                             server.Serve
//	asyncio.start_unix_server()         server.StartUnix
//	  cleanup_socket=                   server.WithUnixCleanup
//	asyncio.Server                      server.Server
//	Server.close()                      server.Server.Close
//	Server.close_clients()              server.Server.CloseClients
//	Server.abort_clients()              server.Server.AbortClients
//	Server.start_serving()              server.Server.StartServing
//	Server.serve_forever()              server.Server.ServeForever
//	Server.is_serving()                 server.Server.IsServing
//	Server.wait_closed()                server.Server.WaitClosed
//	Server.sockets                      server.Server.Addrs, as net.Addr values; for the sockets
//	                                    themselves, bind your own listeners and pass them to
//	                                    server.Serve
//	asyncio.trsock.TransportSocket      net.Addr (see Server.sockets)
//	Server.get_loop()                   not provided, because there is no loop
//	async with server                   defer srv.Shutdown(ctx): server.Server.Shutdown
//
// Subprocesses:
//
//	asyncio.create_subprocess_exec()    proc.Exec
//	asyncio.create_subprocess_shell()   proc.Shell
//	  stdin=, stdout=, stderr=          proc.Stdin, proc.Stdout, proc.Stderr
//	  asyncio.subprocess.PIPE, DEVNULL  proc.Pipe, proc.DevNull
//	  subprocess.STDOUT, None           proc.ToStdout, proc.Inherit
//	  limit=, cwd=, env=                proc.WithLimit, proc.WithDir, proc.WithEnv
//	  other Popen arguments             proc.Start, with an exec.Cmd prepared by hand
//	asyncio.subprocess.Process          proc.Process
//	Process.wait()                      proc.Process.Wait
//	Process.communicate(input)          proc.Process.Communicate
//	Process.send_signal(sig)            proc.Process.SendSignal
//	Process.terminate()                 proc.Process.Terminate
//	Process.kill()                      proc.Process.Kill
//	Process.stdin, stdout, stderr       proc.Process.Stdin, proc.Process.Stdout, proc.Process.Stderr
//	Process.pid                         proc.Process.PID
//	Process.returncode                  proc.Process.ReturnCode
//	loop.subprocess_exec(),             proc.Exec, proc.Shell: read the pipes rather than implement a
//	loop.subprocess_shell()             SubprocessProtocol
//
// Queues:
//
//	asyncio.Queue(maxsize)              aqueue.New
//	asyncio.LifoQueue                   aqueue.NewLIFO
//	asyncio.PriorityQueue               aqueue.NewPriority, ordered by a less function
//	Queue.put(item), Queue.get()        aqueue.Queue.Put, aqueue.Queue.Get
//	Queue.put_nowait(),                 aqueue.Queue.TryPut, aqueue.Queue.TryGet
//	Queue.get_nowait()
//	Queue.task_done(), Queue.join()     aqueue.Queue.TaskDone, aqueue.Queue.Join
//	Queue.qsize(), Queue.maxsize        aqueue.Queue.Len, aqueue.Queue.Cap
//	Queue.empty(), Queue.full()         aqueue.Queue.Empty, aqueue.Queue.Full
//	asyncio.QueueEmpty,                 aqueue.ErrEmpty, aqueue.ErrFull
//	asyncio.QueueFull
//	wait_for(queue.get(), timeout)      aqueue.Queue.Get with a ctx from context.WithTimeout
//
// Signals:
//
//	loop.add_signal_handler(sig, cb)       signals.Add
//	loop.remove_signal_handler(sig)        signals.Remove
//	Ctrl-C cancelling asyncio.run's main   signals.Context; context.Cause tells the signal, a
//	                                       signals.SignalError
//
// Sockets, pipes and file descriptors (the event loop's low-level methods):
//
//	loop.create_connection()            stream.Open; a bare connection: net.Dialer.DialContext
//	loop.create_unix_connection()       stream.OpenUnix; a bare connection: net.Dialer.DialContext with
//	                                    "unix"
//	loop.create_server(),               server.Start, server.StartUnix; a bare listener:
//	loop.create_unix_server()           net.ListenConfig.Listen
//	loop.connect_accepted_socket()      stream.Wrap
//	loop.create_datagram_endpoint()     net.ListenPacket for local_addr=, net.DialUDP for remote_addr=;
//	                                    socket options (reuse_port=, allow_broadcast=) through
//	                                    net.ListenConfig.Control
//	loop.sendfile(),                    stream.Writer.SendFile; on a bare connection, io.Copy from an
//	loop.sock_sendfile()                os.File uses sendfile(2) (net.TCPConn.ReadFrom)
//	loop.start_tls()                    stream.Writer.StartTLS; on a bare connection, tls.Client or
//	                                    tls.Server
//	loop.add_reader(),                  a goroutine blocked in a Read (os.File.Read, net.Conn.Read) is
//	loop.remove_reader()                add_reader and its callback in one; readiness alone:
//	                                    syscall.RawConn.Read (from os.File.SyscallConn or
//	                                    net.TCPConn.SyscallConn), whose function returns false to wait
//	                                    for readiness again and true to stop, as remove_reader
//	loop.add_writer(),                  likewise, syscall.RawConn.Write
//	loop.remove_writer()
//	loop.connect_read_pipe()            os.Pipe and stream.NewReader
//	loop.connect_write_pipe()           os.Pipe and stream.NewWriter
//	loop.sock_recv(),                   net.Conn.Read (to cancel with a ctx, stream.Reader.ReadN)
//	loop.sock_recv_into()
//	loop.sock_recvfrom(),               net.PacketConn.ReadFrom
//	loop.sock_recvfrom_into()
//	loop.sock_sendall()                 net.Conn.Write: it writes everything or fails
//	loop.sock_sendto()                  net.PacketConn.WriteTo
//	loop.sock_connect()                 net.Dialer.DialContext
//	loop.sock_accept()                  net.Listener.Accept
//	loop.getaddrinfo()                  net.Resolver.LookupHost, net.Resolver.LookupNetIP,
//	                                    net.Resolver.LookupPort (net.DefaultResolver)
//	loop.getnameinfo()                  net.Resolver.LookupAddr
//
// Protocols and transports: a goroutine with a Reader and a Writer replaces each protocol's callbacks:
//
//	asyncio.BaseProtocol, asyncio.Protocol       a goroutine reading a stream.Reader and writing a
//	                                             stream.Writer: a server.Handler, or the code after
//	                                             stream.Open
//	BaseProtocol.connection_made()               the start of the server.Handler
//	BaseProtocol.connection_lost()               a read returning an error (io.EOF at a clean end), then
//	                                             the Handler returning
//	BaseProtocol.pause_writing(),                stream.Writer.Drain, which waits between the watermarks
//	BaseProtocol.resume_writing()                of stream.Writer.SetWriteBufferLimits
//	Protocol.data_received(data)                 stream.Reader.ReadN, stream.Reader.Read
//	Protocol.eof_received()                      io.EOF from a read; the Writer goes on working (our
//	                                             half-close is stream.Writer.WriteEOF)
//	asyncio.BufferedProtocol,                    stream.Reader.Read into a buffer of yours, or the views
//	BufferedProtocol.get_buffer(),               stream.Reader.Peek and stream.Reader.Next
//	BufferedProtocol.buffer_updated()
//	BufferedProtocol.eof_received()              as Protocol.eof_received
//	asyncio.DatagramProtocol,                    a goroutine in a loop of net.PacketConn.ReadFrom, and
//	DatagramProtocol.datagram_received(),        its error
//	DatagramProtocol.error_received()
//	asyncio.SubprocessProtocol,                  reads of proc.Process.Stdout and proc.Process.Stderr
//	SubprocessProtocol.pipe_data_received()
//	SubprocessProtocol.pipe_connection_lost()    io.EOF from them
//	SubprocessProtocol.process_exited()          proc.Process.Wait returning
//	asyncio.BaseTransport, asyncio.Transport,    stream.Reader and stream.Writer; the connection is
//	asyncio.ReadTransport,                       stream.Writer.Conn
//	asyncio.WriteTransport
//	BaseTransport.close(),                       stream.Writer.Close, stream.Writer.IsClosing
//	BaseTransport.is_closing()
//	BaseTransport.get_extra_info()               stream.Writer.Conn (see StreamWriter.get_extra_info)
//	BaseTransport.set_protocol(),                not provided, because there is no protocol object: to
//	BaseTransport.get_protocol()                 switch protocols, hand the Reader and Writer to other
//	                                             code
//	ReadTransport.pause_reading(),               not provided, because a Reader reads only when called:
//	ReadTransport.resume_reading(),              not calling it is pausing, and TCP flow control holds
//	ReadTransport.is_reading()                   the peer back
//	WriteTransport.write(),                      stream.Writer.Write, stream.Writer.WriteLines
//	WriteTransport.writelines()
//	WriteTransport.abort()                       stream.Writer.Abort
//	WriteTransport.can_write_eof(),              stream.Writer.CanWriteEOF, stream.Writer.WriteEOF
//	WriteTransport.write_eof()
//	WriteTransport.get_write_buffer_size()       stream.Writer.Buffered
//	WriteTransport.get_write_buffer_limits(),    stream.Writer.WriteBufferLimits,
//	WriteTransport.set_write_buffer_limits()     stream.Writer.SetWriteBufferLimits,
//	                                             stream.WithWriteBufferLimits
//	asyncio.DatagramTransport,                   net.PacketConn, net.PacketConn.WriteTo,
//	DatagramTransport.sendto(),                  net.PacketConn.Close
//	DatagramTransport.abort()
//	asyncio.SubprocessTransport                  proc.Process
//	SubprocessTransport.get_pid()                proc.Process.PID
//	SubprocessTransport.get_pipe_transport(fd)   proc.Process.Stdin, proc.Process.Stdout,
//	                                             proc.Process.Stderr
//	SubprocessTransport.get_returncode()         proc.Process.ReturnCode
//	SubprocessTransport.send_signal(),           proc.Process.SendSignal, proc.Process.Terminate,
//	SubprocessTransport.terminate(),             proc.Process.Kill
//	SubprocessTransport.kill()
//	SubprocessTransport.close()                  cancel the ctx given to proc.Exec (the child is stopped
//	                                             and reaped), or proc.Process.Kill
//
// Exceptions: error values, tested with errors.Is and errors.As:
//
//	asyncio.CancelledError              context.Canceled
//	asyncio.TimeoutError                context.DeadlineExceeded
//	asyncio.IncompleteReadError         stream.IncompleteReadError
//	asyncio.LimitOverrunError           stream.LimitOverrunError
//	asyncio.QueueEmpty,                 aqueue.ErrEmpty, aqueue.ErrFull
//	asyncio.QueueFull
//	asyncio.SendfileNotAvailableError   not provided, because stream.Writer.SendFile falls back to
//	                                    reading and writing where sendfile(2) is not available
//	                                    (fallback=True is the only mode)
//	RuntimeError                        for a second concurrent read, stream.ErrConcurrentRead; for
//	                                    serve_forever called twice, server.ErrServingForever
//	RuntimeWarning                      of shutdown_default_executor's timeout: executor.Pool.Shutdown
//	                                    returns ctx's error
//	ValueError                          for a bad signal, signals.ErrInvalidSignal or
//	                                    signals.ErrUncatchable; for task_done called too often,
//	                                    aqueue.ErrTaskDone
//	NotImplementedError                 of write_eof without a half-close: stream.ErrCannotWriteEOF
//	BrokenPipeError,                    ignored by proc.Process.Communicate, as by communicate();
//	ConnectionResetError                elsewhere errors.Is with syscall.EPIPE, syscall.ECONNRESET
//	OSError                             the errors of packages net and os: net.OpError, os.PathError
//
// Beyond the reference pages, often asked for:
//
//	asyncio.TaskGroup                   executor.NewGroup; executor.Group.Go is create_task,
//	                                    executor.Group.Wait the end of async with
//	asyncio.timeout(d)                  context.WithTimeout
//	asyncio.Runner                      not provided, because there is no loop to keep between calls
//	Queue.shutdown(),                   aqueue.Queue.Shutdown, aqueue.ErrShutdown
//	asyncio.QueueShutDown
//	a loop of queue.get()               for v := range q.All(ctx): aqueue.Queue.All
//	asyncio.InvalidStateError           executor.ErrNotDone
//	asyncio.Semaphore, asyncio.Lock,    semaphore.Weighted (golang.org/x/sync), sync.Mutex, a channel
//	asyncio.Event                       that is closed
//
// # Changes from the sketch
//
// The API was sketched before it was written (DESIGN.md); these signatures
// were refined on the way, keeping the names:
//
//   - stream.NewReader, stream.NewWriter and stream.Wrap return an error
//     too: their options are validated there, as every constructor's are.
//   - stream.Reader gained the zero-copy views the sketch left open
//     (Peek, Next, ReadSlice, Discard, Records) and Buffered, Limit,
//     WriteTo; stream.Writer gained WriteBufferLimits.
//   - stream.IncompleteReadError.Expected is -1 for ReadUntil, which asks for
//     no size; ReadLine, ReadN and a clean end of stream report io.EOF where
//     asyncio returns b"".
//   - server gained WithCloseGrace (how long ServeForever lets closed clients
//     flush before aborting them), and Start takes several comma-separated
//     addresses, asyncio's sequence of hosts.
//   - proc's stream settings are values of type proc.Redirect (Inherit,
//     Pipe, DevNull, ToStdout) or any io.Reader, io.Writer or *os.File;
//     proc.Process.Wait returns -1 and ctx's error when its own ctx ends.
//   - executor.Future.OnDone returns a stop function (remove_done_callback),
//     and Future gained Result and Err; Wait takes executor.Awaitable values,
//     which any *Future and any context.Context satisfy;
//     FIRST_EXCEPTION is executor.FirstError; executor.Pool gained Shutdown.
//   - signals.Context with no signals listens for SIGINT and SIGTERM, and its
//     cause is a *signals.SignalError.
package aio
