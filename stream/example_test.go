package stream_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/netaio/aio/stream"
)

// The TCP echo client and server of asyncio's documentation. The server
// side accepts with net.Listen and wraps each connection (package server
// does the accepting for you).
func Example_echo() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	defer ln.Close()
	served := make(chan struct{})
	go func() { // handle_echo
		defer close(served)
		conn, err := ln.Accept()
		if err != nil {
			return
		}
		reader, writer, err := stream.Wrap(conn)
		if err != nil {
			conn.Close()
			return
		}
		data, err := reader.ReadN(ctx, 100)
		if err != nil {
			writer.Abort()
			return
		}
		fmt.Printf("Received %q\n", data)
		fmt.Printf("Send: %q\n", data)
		writer.Write(data)
		writer.Drain(ctx)
		fmt.Println("Close the connection")
		writer.Close()
		writer.WaitClosed(ctx)
	}()

	// tcp_echo_client
	reader, writer, err := stream.Open(ctx, "tcp", ln.Addr().String())
	if err != nil {
		log.Fatal(err)
	}
	message := "Hello World!"
	fmt.Printf("Send: %q\n", message)
	writer.Write([]byte(message))
	if err := writer.Drain(ctx); err != nil {
		log.Fatal(err)
	}
	data, err := reader.ReadN(ctx, 100)
	if err != nil {
		log.Fatal(err)
	}
	<-served // only to keep the two sides' output in order
	fmt.Printf("Received: %q\n", data)
	fmt.Println("Close the connection")
	writer.Close()
	writer.WaitClosed(ctx)
	// Output:
	// Send: "Hello World!"
	// Received "Hello World!"
	// Send: "Hello World!"
	// Close the connection
	// Received: "Hello World!"
	// Close the connection
}

// Print the headers of an HTTP response, as asyncio's "get HTTP headers"
// example does, against a local server.
func Example_httpHeaders() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("X-Served-By", "aio")
		fmt.Fprintln(w, "hello")
	}))
	defer srv.Close()
	u, err := url.Parse(srv.URL)
	if err != nil {
		log.Fatal(err)
	}

	reader, writer, err := stream.Open(ctx, "tcp", u.Host)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Fprintf(writer, "HEAD %s HTTP/1.0\r\nHost: %s\r\n\r\n", "/", u.Host)
	var status string
	headers := map[string]string{}
	for {
		line, err := reader.ReadLine(ctx)
		if err != nil {
			log.Fatal(err)
		}
		line = bytes.TrimRight(line, "\r\n")
		if len(line) == 0 {
			break // the blank line that ends the headers
		}
		if status == "" {
			status = string(line)
			continue
		}
		name, value, _ := strings.Cut(string(line), ": ")
		headers[name] = value
	}
	// Date and Content-Length vary: print what does not.
	fmt.Println("HTTP header>", status)
	fmt.Println("HTTP header> Content-Type:", headers["Content-Type"])
	fmt.Println("HTTP header> X-Served-By:", headers["X-Served-By"])
	writer.Close() // ignore the body
	writer.WaitClosed(ctx)
	// Output:
	// HTTP header> HTTP/1.0 200 OK
	// HTTP header> Content-Type: text/plain; charset=utf-8
	// HTTP header> X-Served-By: aio
}

// Wait for data on one end of a connected pair (asyncio's
// open_connection(sock=rsock)). net.Pipe is a pair without a kernel
// socket; see the unix example for a real socketpair.
func ExampleWrap_pipe() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	rsock, wsock := net.Pipe()
	reader, writer, err := stream.Wrap(rsock)
	if err != nil {
		log.Fatal(err)
	}
	// Simulate the reception of data from the network.
	go wsock.Write([]byte("abc"))

	data, err := reader.ReadN(ctx, 100)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("Received:", string(data))
	writer.Close()
	writer.WaitClosed(ctx)
	wsock.Close()
	// Output:
	// Received: abc
}

// Watch a file descriptor for reads (asyncio's connect_read_pipe, or
// loop.add_reader): a Reader over the read end of os.Pipe.
func ExampleNewReader_pipe() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	pr, pw, err := os.Pipe()
	if err != nil {
		log.Fatal(err)
	}
	defer pr.Close()
	go func() {
		fmt.Fprintln(pw, "first line")
		fmt.Fprint(pw, "last line, no newline")
		pw.Close()
	}()
	reader, err := stream.NewReader(pr)
	if err != nil {
		log.Fatal(err)
	}
	for line, err := range reader.Lines(ctx) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("%q\n", line)
	}
	fmt.Println("at EOF:", reader.AtEOF())
	// Output:
	// "first line\n"
	// "last line, no newline"
	// at EOF: true
}

// ReadUntil with several separators: each record ends at the separator
// that ends first, here a line ending of either style.
func ExampleReader_ReadUntil() {
	ctx := context.Background()
	src := strings.NewReader("GET / HTTP/1.1\r\nHost: example\nAccept: */*\r\nunterminated")
	reader, err := stream.NewReader(src)
	if err != nil {
		log.Fatal(err)
	}
	for {
		record, err := reader.ReadUntil(ctx, []byte("\r\n"), []byte("\n"))
		var incomplete *stream.IncompleteReadError
		if errors.As(err, &incomplete) {
			fmt.Printf("EOF before a separator, %q left\n", incomplete.Partial)
			break
		}
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("%q\n", record)
	}
	// Output:
	// "GET / HTTP/1.1\r\n"
	// "Host: example\n"
	// "Accept: */*\r\n"
	// EOF before a separator, "unterminated" left
}

// Records scans a stream without copying it: each record is a view into
// the Reader's buffer, valid until the next iteration, so what outlives
// the loop body must be copied (here, only numbers are kept). Breaking
// out of the loop lets go of the Reader, which then reads on from there.
func ExampleReader_Records() {
	ctx := context.Background()
	src := strings.NewReader("GET a 3\r\nGET b 14\r\nPUT c 5\r\nDATA\r\nraw bytes after the records")
	reader, err := stream.NewReader(src)
	if err != nil {
		log.Fatal(err)
	}
	total := 0
	for record, err := range reader.Records(ctx, []byte("\r\n")) {
		if err != nil {
			log.Fatal(err)
		}
		fields := bytes.Fields(record)
		if string(fields[0]) == "DATA" {
			break
		}
		n, err := strconv.Atoi(string(fields[2]))
		if err != nil {
			log.Fatal(err)
		}
		total += n
	}
	rest, err := reader.ReadN(ctx, -1)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("total:", total)
	fmt.Printf("then: %q\n", rest)
	// Output:
	// total: 22
	// then: "raw bytes after the records"
}

// Write never blocks; Drain is where a fast producer waits for a slow
// peer. After Drain returns, no more than the high watermark is queued.
func ExampleWriter_Drain() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	client, server := net.Pipe()
	received := make(chan int64)
	go func() { // a peer that reads slowly
		var total int64
		buf := make([]byte, 1000)
		for {
			n, err := server.Read(buf)
			total += int64(n)
			if err != nil {
				received <- total
				return
			}
		}
	}()

	_, writer, err := stream.Wrap(client, stream.WithWriteBufferLimits(64<<10, 16<<10))
	if err != nil {
		log.Fatal(err)
	}
	chunk := make([]byte, 10<<10)
	most := 0
	for range 100 {
		writer.Write(chunk)
		if err := writer.Drain(ctx); err != nil {
			log.Fatal(err)
		}
		most = max(most, writer.Buffered())
	}
	writer.Close()
	writer.WaitClosed(ctx)
	fmt.Println("the peer received", <-received, "bytes")
	fmt.Println("at most 64 KiB queued after Drain:", most <= 64<<10)
	// Output:
	// the peer received 1024000 bytes
	// at most 64 KiB queued after Drain: true
}

// exampleTLS returns the configurations of a server with a self-signed
// certificate for "aio.test" and of a client that trusts it.
func exampleTLS() (server, client *tls.Config) {
	cert, err := makeCert("aio.test")
	if err != nil {
		log.Fatal(err)
	}
	return cert.server(), &tls.Config{RootCAs: cert.pool, ServerName: "aio.test"}
}

// Upgrade a plain-text connection to TLS once both sides agree, as
// protocols with a STARTTLS command do (asyncio's start_tls).
func ExampleWriter_StartTLS() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	serverTLS, clientTLS := exampleTLS()

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	defer ln.Close()
	served := make(chan struct{})
	go func() {
		defer close(served)
		conn, err := ln.Accept()
		if err != nil {
			return
		}
		reader, writer, err := stream.Wrap(conn)
		if err != nil {
			conn.Close()
			return
		}
		defer writer.Abort()
		if line, err := reader.ReadLine(ctx); err != nil || string(line) != "STARTTLS\n" {
			return
		}
		writer.Write([]byte("OK\n")) // sent in plain text, before the handshake
		if err := writer.StartTLS(ctx, serverTLS, true); err != nil {
			fmt.Println("server:", err)
			return
		}
		line, err := reader.ReadLine(ctx)
		if err != nil {
			return
		}
		fmt.Printf("server got %q over TLS\n", line)
		writer.Write(bytes.ToUpper(line))
		writer.Close()
		writer.WaitClosed(ctx)
	}()

	reader, writer, err := stream.Open(ctx, "tcp", ln.Addr().String())
	if err != nil {
		log.Fatal(err)
	}
	defer writer.Abort()
	writer.Write([]byte("STARTTLS\n"))
	if line, err := reader.ReadLine(ctx); err != nil || string(line) != "OK\n" {
		log.Fatal(line, err)
	}
	if err := writer.StartTLS(ctx, clientTLS, false); err != nil {
		log.Fatal(err)
	}
	state := writer.Conn().(*tls.Conn).ConnectionState()
	fmt.Println("client: TLS handshake complete:", state.HandshakeComplete)
	writer.Write([]byte("secret\n"))
	reply, err := reader.ReadN(ctx, -1) // to EOF: the server closes
	if err != nil && err != io.EOF {
		log.Fatal(err)
	}
	fmt.Printf("client got %q\n", reply)
	writer.Close()
	writer.WaitClosed(ctx)
	<-served
	// Output:
	// client: TLS handshake complete: true
	// server got "secret\n" over TLS
	// client got "SECRET\n"
}

// Length-prefixed frames (a 4-byte big-endian length, then the body), read
// with ReadExactly as asyncio's readexactly reads them. Each result is the
// caller's own slice. A stream that ends inside a frame gives an
// *IncompleteReadError holding what did come. The sender writes header
// and body together with WriteLines.
func ExampleReader_ReadExactly() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	a, b := net.Pipe()
	_, sender, err := stream.Wrap(a)
	if err != nil {
		log.Fatal(err)
	}
	reader, replies, err := stream.Wrap(b)
	if err != nil {
		log.Fatal(err)
	}
	defer replies.Close()
	go func() {
		for _, msg := range []string{"hello", "length-prefixed frames"} {
			sender.WriteLines(binary.BigEndian.AppendUint32(nil, uint32(len(msg))), []byte(msg))
		}
		// A frame cut short: its header promises 9 bytes, 4 come.
		sender.WriteLines(binary.BigEndian.AppendUint32(nil, 9), []byte("trun"))
		sender.Close() // sends what is queued, then closes
	}()
	for {
		hdr, err := reader.ReadExactly(ctx, 4)
		if err != nil {
			log.Fatal(err)
		}
		body, err := reader.ReadExactly(ctx, int(binary.BigEndian.Uint32(hdr)))
		var incomplete *stream.IncompleteReadError
		if errors.As(err, &incomplete) {
			fmt.Printf("cut short: %q of %d bytes (unexpected EOF: %v)\n",
				incomplete.Partial, incomplete.Expected, errors.Is(err, io.ErrUnexpectedEOF))
			break
		}
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("frame: %q\n", body)
	}
	// Output:
	// frame: "hello"
	// frame: "length-prefixed frames"
	// cut short: "trun" of 9 bytes (unexpected EOF: true)
}

// Peek, Next and Discard read frames without copying them: Peek looks at
// a header without consuming it, Next takes a whole frame as a view into
// the Reader's buffer, valid until the next call on the Reader (what must
// outlive it is cloned), and Discard skips a frame unseen. Here each frame
// is a kind byte ('K' to keep, 'S' to skip), a 2-byte length and the body.
func ExampleReader_Next() {
	ctx := context.Background()
	var src bytes.Buffer
	for _, f := range []struct {
		kind byte
		body string
	}{{'K', "first"}, {'S', "padding"}, {'K', "second"}} {
		src.WriteByte(f.kind)
		src.Write(binary.BigEndian.AppendUint16(nil, uint16(len(f.body))))
		src.WriteString(f.body)
	}
	reader, err := stream.NewReader(&src)
	if err != nil {
		log.Fatal(err)
	}
	var kept [][]byte
	for {
		hdr, err := reader.Peek(ctx, 3)
		if err == io.EOF && len(hdr) == 0 {
			break // the stream ended between frames
		}
		if err != nil {
			log.Fatal(err)
		}
		size := 3 + int(binary.BigEndian.Uint16(hdr[1:]))
		if hdr[0] == 'S' {
			if _, err := reader.Discard(ctx, size); err != nil {
				log.Fatal(err)
			}
			continue
		}
		frame, err := reader.Next(ctx, size)
		if err != nil {
			log.Fatal(err)
		}
		kept = append(kept, bytes.Clone(frame[3:]))
	}
	fmt.Printf("%q\n", kept)
	// Output:
	// ["first" "second"]
}

// SendFile sends a file after what was written before it, with the
// kernel's sendfile(2) where the connection is a *net.TCPConn, and reports
// how much it sent (asyncio's sendfile).
func ExampleWriter_SendFile() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	f, err := os.CreateTemp("", "aio-sendfile-*.txt")
	if err != nil {
		log.Fatal(err)
	}
	defer os.Remove(f.Name())
	defer f.Close()
	if _, err := f.WriteString("the file's contents\n"); err != nil {
		log.Fatal(err)
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	defer ln.Close()
	received := make(chan []byte, 1)
	go func() {
		conn, err := ln.Accept()
		if err != nil {
			received <- nil
			return
		}
		defer conn.Close()
		data, _ := io.ReadAll(conn)
		received <- data
	}()

	_, writer, err := stream.Open(ctx, "tcp", ln.Addr().String())
	if err != nil {
		log.Fatal(err)
	}
	writer.Write([]byte("header\n"))
	n, err := writer.SendFile(ctx, f, 0, 0) // from offset 0 to the end
	if err != nil {
		log.Fatal(err)
	}
	writer.Write([]byte("trailer\n"))
	writer.Close()
	fmt.Println("sent from the file:", n, "bytes")
	fmt.Printf("the peer got %q\n", <-received)
	// Output:
	// sent from the file: 20 bytes
	// the peer got "header\nthe file's contents\ntrailer\n"
}
