// Package server accepts stream connections and serves each one with a
// handler, the way asyncio's start_server and start_unix_server do, and
// shuts down without hanging and without losing data.
//
// In asyncio you write a coroutine that gets a StreamReader and a
// StreamWriter, and start_server calls it for each client. Here the
// handler is an ordinary function, called on a goroutine of its own for
// each connection; a blocking call in it (a read, Drain) blocks only that
// goroutine, as an await suspends only its task:
//
//	func echo(ctx context.Context, r *stream.Reader, w *stream.Writer) {
//		for {
//			line, err := r.ReadLine(ctx)
//			if err != nil {
//				return // EOF, or ctx cancelled: the Writer is closed for us
//			}
//			w.Write(line)
//		}
//	}
//
//	srv, err := server.Start(ctx, "tcp", "127.0.0.1:8888", echo)
//	if err != nil { ... }
//	err = srv.ServeForever(ctx) // until ctx ends (a signal, say)
//
//	asyncio                                      server
//	await asyncio.start_server(cb, host, port)   Start(ctx, "tcp", "host:port", h)
//	await asyncio.start_unix_server(cb, path)    StartUnix(ctx, path, h)
//	start_server(cb, sock=sock)                  Serve(ctx, []net.Listener{l}, h)
//	host=[h1, h2]                                address "h1:port,h2:port"
//	limit=, ssl=, ssl_handshake_timeout=         WithLimit, WithTLS, WithHandshakeTimeout
//	backlog=, reuse_port=, keep_alive=           WithBacklog, WithReusePort, WithKeepAlive
//	start_serving=False                          WithStartServing(false)
//	server.sockets                               Addrs()
//	start_serving(), is_serving()                StartServing(), IsServing()
//	serve_forever()                              ServeForever(ctx)
//	close(), wait_closed()                       Close(), WaitClosed(ctx)
//	close_clients(), abort_clients()             CloseClients(), AbortClients()
//	async with server: ...                       defer srv.Shutdown(ctx)
//
// # Shutting down
//
// Close only stops accepting; connections already accepted go on. To end
// them, pick how hard:
//
//   - Shutdown(ctx) waits for the handlers to finish on their own (their
//     clients leave), and aborts whatever is left when ctx ends. This is
//     net/http's Shutdown, and the way to stop without cutting a client
//     off in the middle of a reply.
//   - CloseClients tells every handler to stop (its ctx is cancelled, so a
//     blocked read or Drain returns) and closes every Writer once what it
//     queued is sent.
//   - AbortClients closes every connection now, dropping queued output.
//   - ServeForever, when its ctx ends, does Close and CloseClients, waits
//     up to the close grace (WithCloseGrace, 500 ms by default) for the
//     queued output to leave, aborts what is still sending (a peer that
//     stopped reading would hold it forever), and returns once every
//     handler has returned.
//
// WaitClosed(ctx) waits until the listeners are closed and every handler
// has returned and its connection is closed. After it (or a Shutdown that
// returned nil, or ServeForever) no goroutine of the server is left.
//
// # Where aio differs from asyncio, and why
//
//   - Every handler runs on its own goroutine, in parallel with the
//     others; asyncio runs all callbacks on one thread. Share state between
//     handlers as between goroutines (a mutex, a channel).
//   - A handler's ctx is cancelled by CloseClients and AbortClients, so a
//     handler blocked in a read or Drain learns that the server is going
//     away; asyncio cancels nothing and only closes the transports.
//   - A handler's panic is recovered, logged with its stack through the
//     server's *slog.Logger (WithLogger) and aborts only its connection;
//     asyncio logs an unhandled exception and leaves the connection open.
//   - When a handler returns, its Writer is closed for it (what it queued
//     is sent first). In asyncio the handler must close the writer.
//   - Errors of accept such as EMFILE (too many open files) pause the
//     accept loop, 5 ms at first and doubling up to 1 s, and the server
//     keeps serving; asyncio pauses a fixed second.
//   - WithMaxConns caps the connections served at once; asyncio has no
//     such limit.
//   - StartUnix replaces a socket file left by a dead server, but refuses a
//     path where a live server listens, or that is not a socket; asyncio
//     removes any socket file at the path, live or not. On Close the file
//     is removed only if it is still the one this server created.
//   - Binding a host name binds the first address it resolves to (as
//     net.Listen does), not every address as asyncio does; list the
//     addresses to bind several.
//   - The handler gets no transport: w.Conn() gives the connection
//     (RemoteAddr, TLS state), asyncio's get_extra_info.
//
// # Cost
//
// A connection costs one goroutine, blocked in its handler, and the
// server's record of it (about 100 bytes, in a list under the server's one
// mutex). The handlers share one cancellation (per CloseClients
// generation) instead of a context.WithCancel each, and an idle
// connection holds no timer. An idle Reader on a socket holds no buffer.
// So an idle connection is its goroutine (2 KiB of stack with a handler
// of modest depth) and the records of the runtime, net and stream (about
// 1.8 KiB): 4.7 KiB of resident memory per idle connection in
// ../shared/bench's idle.sh, where a goroutine-per-connection server with
// a bufio.Reader takes 7.8 KiB. No goroutine polls: the accept loops
// block in Accept, and WaitClosed, Shutdown and ServeForever are woken
// when the last connection ends.
package server
