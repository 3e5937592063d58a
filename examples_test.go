package aio_test

import (
	"context"
	"fmt"
	"log"
	"net"
	"time"

	"github.com/netaio/aio/server"
	"github.com/netaio/aio/stream"
)

// An echo server and its client, the first example of asyncio's streams
// documentation. server.Start calls the handler on a goroutine of its own
// for each connection; stream.Open connects. (This is the README's quick
// start.)
func Example_echo() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	echo := func(ctx context.Context, r *stream.Reader, w *stream.Writer) {
		for line, err := range r.Lines(ctx) {
			if err != nil {
				return // the Writer is closed when the handler returns
			}
			w.Write(line) // never blocks: what the socket does not take is queued
		}
	}
	srv, err := server.Start(ctx, "tcp", "127.0.0.1:0", echo)
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Shutdown(ctx) // waits for the handlers, as "async with server"

	r, w, err := stream.Open(ctx, "tcp", srv.Addrs()[0].String())
	if err != nil {
		log.Fatal(err)
	}
	defer w.Close()
	w.Write([]byte("Hello World!\n"))
	if err := w.Drain(ctx); err != nil {
		log.Fatal(err)
	}
	reply, err := r.ReadLine(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("Received: %q\n", reply)
	// Output: Received: "Hello World!\n"
}

// What the asyncio examples do with loop.call_soon needs no loop in Go:
// "Hello World with call_soon()" is a go statement, and loop.stop() the end
// of what the caller waits for.
func Example_callSoon() {
	done := make(chan struct{})
	helloWorld := func() {
		fmt.Println("Hello World")
		close(done) // loop.stop()
	}
	go helloWorld() // loop.call_soon(hello_world)
	<-done          // loop.run_forever()
	// Output: Hello World
}

// "Display the current date with call_later()": loop.call_later is
// time.AfterFunc, and the *time.Timer it returns is the TimerHandle, whose
// Stop is cancel. Ticks every 10 ms stand in for the example's seconds.
func Example_callLater() {
	const every = 10 * time.Millisecond
	start := time.Now()
	done := make(chan struct{})

	var displayDate func(n int)
	displayDate = func(n int) {
		// The date changes from run to run: print how late the tick is.
		late := time.Since(start) >= time.Duration(n)*every
		fmt.Printf("tick %d, on time or later: %v\n", n, late)
		if n < 4 {
			time.AfterFunc(every, func() { displayDate(n + 1) }) // loop.call_later
		} else {
			close(done) // loop.stop()
		}
	}
	go displayDate(0) // loop.call_soon(display_date)
	<-done

	// A callback that is no longer wanted is cancelled with Stop.
	never := time.AfterFunc(time.Hour, func() { fmt.Println("never printed") })
	fmt.Println("cancelled:", never.Stop())
	// Output:
	// tick 0, on time or later: true
	// tick 1, on time or later: true
	// tick 2, on time or later: true
	// tick 3, on time or later: true
	// tick 4, on time or later: true
	// cancelled: true
}

// The UDP echo client and server of asyncio's documentation. Datagrams need
// no aio: loop.create_datagram_endpoint(local_addr=...) is net.ListenPacket,
// with remote_addr=... it is net.DialUDP, and the protocol's
// datagram_received is a goroutine reading.
func Example_udpEcho() {
	// The server.
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	defer pc.Close()
	served := make(chan struct{})
	go func() {
		defer close(served)
		buf := make([]byte, 64<<10)
		n, addr, err := pc.ReadFrom(buf) // datagram_received
		if err != nil {
			return
		}
		fmt.Printf("Received %q\n", buf[:n])
		fmt.Printf("Send %q\n", buf[:n])
		pc.WriteTo(buf[:n], addr) // transport.sendto(data, addr)
	}()

	// The client.
	conn, err := net.DialUDP("udp", nil, pc.LocalAddr().(*net.UDPAddr))
	if err != nil {
		log.Fatal(err)
	}
	defer conn.Close()
	message := "Hello World!"
	fmt.Println("Send:", message)
	if _, err := conn.Write([]byte(message)); err != nil {
		log.Fatal(err)
	}
	conn.SetReadDeadline(time.Now().Add(10 * time.Second)) // a datagram may be lost
	buf := make([]byte, 64<<10)
	n, err := conn.Read(buf)
	if err != nil {
		log.Fatal(err)
	}
	<-served // only to keep the two sides' output in order
	fmt.Println("Received:", string(buf[:n]))
	fmt.Println("Close the socket")
	// Output:
	// Send: Hello World!
	// Received "Hello World!"
	// Send "Hello World!"
	// Received: Hello World!
	// Close the socket
}
