package server_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/netaio/aio/server"
	"github.com/netaio/aio/stream"
)

// The TCP echo server and client of asyncio's streams documentation.
func Example() {
	ctx := context.Background()

	// async def handle_echo(reader, writer): ...
	handleEcho := func(ctx context.Context, r *stream.Reader, w *stream.Writer) {
		data, err := r.ReadN(ctx, 100)
		if err != nil {
			return
		}
		fmt.Printf("Received %q\n", data) // also: w.Conn().RemoteAddr()
		w.Write(data)
		w.Drain(ctx)
		// Returning closes the writer: what is queued is sent first.
	}

	// server = await asyncio.start_server(handle_echo, '127.0.0.1', 0)
	srv, err := server.Start(ctx, "tcp", "127.0.0.1:0", handleEcho)
	if err != nil {
		fmt.Println(err)
		return
	}
	addr := srv.Addrs()[0].String() // the port the system chose

	// async def tcp_echo_client(message): ...
	r, w, err := stream.Open(ctx, "tcp", addr)
	if err != nil {
		fmt.Println(err)
		return
	}
	message := []byte("Hello World!")
	fmt.Printf("Send: %q\n", message)
	w.Write(message)
	w.Drain(ctx)
	data, err := r.ReadN(ctx, 100)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("Received: %q\n", data)
	fmt.Println("Close the connection")
	w.Close()
	w.WaitClosed(ctx)

	// async with server: ... (leaving the block closes the server)
	if err := srv.Shutdown(ctx); err != nil {
		fmt.Println(err)
	}
	// Output:
	// Send: "Hello World!"
	// Received "Hello World!"
	// Received: "Hello World!"
	// Close the connection
}

// A unix-socket server (asyncio's start_unix_server) that answers each
// line in upper case.
func ExampleStartUnix() {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "aio-example")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "echo.sock")

	upper := func(ctx context.Context, r *stream.Reader, w *stream.Writer) {
		for line, err := range r.Lines(ctx) {
			if err != nil {
				return
			}
			w.Write(bytes.ToUpper(line))
		}
	}
	srv, err := server.StartUnix(ctx, path, upper)
	if err != nil {
		fmt.Println(err)
		return
	}

	r, w, err := stream.OpenUnix(ctx, path)
	if err != nil {
		fmt.Println(err)
		return
	}
	w.Write([]byte("hello\nunix sockets\n"))
	w.WriteEOF() // no more requests: the handler's loop ends, the server closes
	reply, _ := r.ReadN(ctx, -1)
	fmt.Print(string(reply))
	w.Close()

	srv.Shutdown(ctx)
	_, err = os.Stat(path)
	fmt.Println("socket file removed:", errors.Is(err, os.ErrNotExist))
	// Output:
	// HELLO
	// UNIX SOCKETS
	// socket file removed: true
}

// Shutdown stops accepting at once but lets the clients being served
// finish: here a client goes on adding numbers while the server shuts
// down, and gets every answer.
func ExampleServer_Shutdown() {
	ctx := context.Background()
	adder := func(ctx context.Context, r *stream.Reader, w *stream.Writer) {
		total := 0
		for line, err := range r.Lines(ctx) {
			if err != nil {
				return
			}
			n, _ := strconv.Atoi(string(bytes.TrimSpace(line)))
			total += n
			fmt.Fprintf(w, "= %d\n", total)
		}
	}
	srv, err := server.Start(ctx, "tcp", "127.0.0.1:0", adder)
	if err != nil {
		fmt.Println(err)
		return
	}
	r, w, err := stream.Open(ctx, "tcp", srv.Addrs()[0].String())
	if err != nil {
		fmt.Println(err)
		return
	}
	add := func(n string) {
		w.Write([]byte(n + "\n"))
		answer, _ := r.ReadLine(ctx)
		fmt.Print(string(answer))
	}
	add("1") // the server is serving us

	done := make(chan error, 1)
	go func() {
		sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		done <- srv.Shutdown(sctx) // waits for our handler to return
	}()
	add("2")
	add("3")
	w.Close() // the handler sees EOF and returns
	fmt.Println("Shutdown:", <-done)
	// Output:
	// = 1
	// = 3
	// = 6
	// Shutdown: <nil>
}

// ServeForever runs the server until its ctx ends (here a deadline; in a
// program, signals.Context on SIGINT and SIGTERM), then closes it and
// every client.
func ExampleServer_ServeForever() {
	srv, err := server.Start(context.Background(), "tcp", "127.0.0.1:0", echoLines)
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	err = srv.ServeForever(ctx)
	fmt.Println("ServeForever:", err)
	fmt.Println("serving:", srv.IsServing())
	// Output:
	// ServeForever: context deadline exceeded
	// serving: false
}

// Serve listeners the caller has bound (asyncio's sock=, or a sequence of
// hosts): here two, each on a port the system chose. One handler serves
// them all, and Addrs lists them in order.
func ExampleServe() {
	ctx := context.Background()
	var listeners []net.Listener
	for range 2 {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			fmt.Println(err)
			return
		}
		listeners = append(listeners, ln)
	}
	greet := func(ctx context.Context, r *stream.Reader, w *stream.Writer) {
		w.Write([]byte("hello\n"))
	}
	srv, err := server.Serve(ctx, listeners, greet)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer srv.Shutdown(ctx) // closes the listeners too: the Server owns them
	fmt.Println("listening on", len(srv.Addrs()), "addresses")
	for i, addr := range srv.Addrs() {
		r, w, err := stream.Open(ctx, "tcp", addr.String())
		if err != nil {
			fmt.Println(err)
			return
		}
		line, err := r.ReadLine(ctx)
		fmt.Printf("address %d: %q %v\n", i, line, err)
		w.Close()
	}
	// Output:
	// listening on 2 addresses
	// address 0: "hello\n" <nil>
	// address 1: "hello\n" <nil>
}

// A handler that panics loses only its own connection: the server
// recovers, logs the panic and its stack through the *slog.Logger of
// WithLogger, aborts that connection, and goes on serving the others.
func ExampleWithLogger() {
	ctx := context.Background()
	// The logger prints each record's level and message; the stack varies.
	logger := slog.New(levelAndMessage{})
	handler := func(ctx context.Context, r *stream.Reader, w *stream.Writer) {
		line, err := r.ReadLine(ctx)
		if err != nil {
			return
		}
		if string(line) == "panic\n" {
			panic("asked to")
		}
		w.Write(line)
	}
	srv, err := server.Start(ctx, "tcp", "127.0.0.1:0", handler, server.WithLogger(logger))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer srv.Shutdown(ctx)
	for _, msg := range []string{"panic\n", "still serving\n"} {
		r, w, err := stream.Open(ctx, "tcp", srv.Addrs()[0].String())
		if err != nil {
			fmt.Println(err)
			return
		}
		w.Write([]byte(msg))
		if reply, err := r.ReadLine(ctx); err != nil {
			fmt.Printf("%q: connection closed\n", msg)
		} else {
			fmt.Printf("%q: %q\n", msg, reply)
		}
		w.Close()
	}
	// Output:
	// ERROR server: handler panicked; aborting its connection
	// "panic\n": connection closed
	// "still serving\n": "still serving\n"
}

// levelAndMessage is a slog.Handler that prints the level and message of
// records at Info and above.
type levelAndMessage struct{}

func (levelAndMessage) Enabled(_ context.Context, l slog.Level) bool { return l >= slog.LevelInfo }
func (h levelAndMessage) WithAttrs([]slog.Attr) slog.Handler         { return h }
func (h levelAndMessage) WithGroup(string) slog.Handler              { return h }
func (levelAndMessage) Handle(_ context.Context, r slog.Record) error {
	fmt.Println(r.Level, r.Message)
	return nil
}

// A TLS server: each connection's handshake runs on that connection's
// goroutine, never in the accept loop, and is bounded by
// WithHandshakeTimeout (60 s by default, as in asyncio). The handler gets
// the decrypted stream; w.Conn() is the *tls.Conn.
func ExampleWithTLS() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	// A self-signed certificate for 127.0.0.1 and a client that trusts
	// it, made in tls_test.go.
	serverConf, clientConf := testTLS(nil), tlsClientConfig(nil)
	handler := func(ctx context.Context, r *stream.Reader, w *stream.Writer) {
		line, err := r.ReadLine(ctx)
		if err != nil {
			return
		}
		version := tls.VersionName(w.Conn().(*tls.Conn).ConnectionState().Version)
		fmt.Fprintf(w, "%s over %s\n", bytes.ToUpper(bytes.TrimSuffix(line, []byte("\n"))), version)
	}
	srv, err := server.Start(ctx, "tcp", "127.0.0.1:0", handler,
		server.WithTLS(serverConf), server.WithHandshakeTimeout(5*time.Second))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer srv.Shutdown(ctx)
	r, w, err := stream.Open(ctx, "tcp", srv.Addrs()[0].String(), stream.WithTLS(clientConf))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer w.Close()
	w.Write([]byte("hello\n"))
	reply, err := r.ReadN(ctx, -1) // to EOF: the server closes after its reply
	fmt.Printf("%q %v\n", reply, err)
	// Output:
	// "HELLO over TLS 1.3\n" <nil>
}
