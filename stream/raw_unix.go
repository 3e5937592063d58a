//go:build unix

package stream

import (
	"net"
	"os"
	"syscall"
)

// rawConnOf returns the raw descriptor of a stream socket, through which a
// Reader waits for input without holding a buffer and a Writer tries a send
// that cannot block. Other sources (TLS, pipes, net.Pipe) get nil and go
// through their own Read and Write.
func rawConnOf(x any) syscall.RawConn {
	var sc syscall.Conn
	switch c := x.(type) {
	case *net.TCPConn:
		sc = c
	case *net.UnixConn:
		// Only byte streams: a datagram or seqpacket socket would cut
		// messages at our buffer's size.
		if c.LocalAddr() == nil || c.LocalAddr().Network() != "unix" {
			return nil
		}
		sc = c
	default:
		return nil
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return nil
	}
	return rc
}

// rawRead is one read(2) on a non-blocking descriptor. It returns
// errWouldBlock when there is nothing to read.
func rawRead(fd uintptr, p []byte) (int, error) {
	for {
		n, err := syscall.Read(int(fd), p)
		switch err {
		case nil:
			return n, nil
		case syscall.EINTR:
			continue
		case syscall.EAGAIN:
			return 0, errWouldBlock
		}
		return 0, os.NewSyscallError("read", err)
	}
}

// rawWrite is one write(2) on a non-blocking descriptor; it never blocks.
// A full socket buffer is n < len(p) with a nil error.
func rawWrite(fd uintptr, p []byte) (int, error) {
	for {
		n, err := syscall.Write(int(fd), p)
		switch err {
		case nil:
			return n, nil
		case syscall.EINTR:
			continue
		case syscall.EAGAIN:
			return 0, nil
		}
		return 0, os.NewSyscallError("write", err)
	}
}
