//go:build unix

package stream_test

import (
	"context"
	"fmt"
	"log"
	"net"
	"os"
	"syscall"
	"time"

	"github.com/netaio/aio/stream"
)

// Wait for data on a socket pair, as asyncio's "register an open socket to
// wait for data using streams" example does with socket.socketpair().
func ExampleWrap_socketpair() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	// Create a pair of connected sockets.
	fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM, 0)
	if err != nil {
		log.Fatal(err)
	}
	rsock, err := fileConn(fds[0], "rsock")
	if err != nil {
		log.Fatal(err)
	}
	wsock, err := fileConn(fds[1], "wsock")
	if err != nil {
		log.Fatal(err)
	}

	// Register the open socket to wait for data.
	reader, writer, err := stream.Wrap(rsock)
	if err != nil {
		log.Fatal(err)
	}

	// Simulate the reception of data from the network.
	go wsock.Write([]byte("abc"))

	// Wait for data.
	data, err := reader.ReadN(ctx, 100)
	if err != nil {
		log.Fatal(err)
	}
	// Got data, we are done: close the socket.
	fmt.Println("Received:", string(data))
	writer.Close()
	writer.WaitClosed(ctx)

	// Close the second socket.
	wsock.Close()
	// Output:
	// Received: abc
}

// fileConn turns a socket descriptor into a net.Conn, which takes a
// duplicate of it.
func fileConn(fd int, name string) (net.Conn, error) {
	f := os.NewFile(uintptr(fd), name)
	defer f.Close()
	return net.FileConn(f)
}
