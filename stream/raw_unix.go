//go:build unix

package stream

import (
	"io"
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

// readRaw is the Reader's read through the raw descriptor (see
// readRawInto): one read(2) into rawDst, or into the buffer's free end if
// rawDst is nil, taking a buffer only when there is input. The system call
// is made here rather than in a helper: each frame on this path is on the
// stack of every connection, and a few bytes more double that stack.
func (r *Reader) readRaw(fd uintptr) bool {
	dst := r.rawDst
	if dst == nil {
		if r.buf == nil {
			r.buf = getChunk()
		}
		dst = r.buf[r.tail:]
	}
	n, err := syscall.Read(int(fd), dst)
	for err == syscall.EINTR {
		n, err = syscall.Read(int(fd), dst)
	}
	switch {
	case err == syscall.EAGAIN:
		if r.rawDst == nil && r.tail == 0 && cap(r.buf) == chunkSize {
			putChunk(r.buf) // wait for input holding no buffer
			r.buf = nil
		}
		return false
	case err != nil:
		r.rawN, r.rawErr = 0, os.NewSyscallError("read", err)
	case n == 0:
		r.rawN, r.rawErr = 0, io.EOF
	default:
		r.rawN, r.rawErr = n, nil
	}
	return true
}

// rawWrite is one write(2) of p, or writev(2) of rest and p, on a
// non-blocking descriptor; it never blocks. A full socket buffer is n <
// len(rest)+len(p) with a nil error.
func rawWrite(fd uintptr, rest, p []byte) (int, error) {
	for {
		var n int
		var err error
		if len(rest) == 0 {
			n, err = syscall.Write(int(fd), p)
		} else {
			n, err = writev(fd, rest, p)
		}
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
