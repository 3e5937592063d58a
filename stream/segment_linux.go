package stream

import (
	"syscall"
	"unsafe"
)

// segmentSize returns the TCP socket's current send segment size (MSS), or
// 0 if it cannot tell.
func segmentSize(fd uintptr) int {
	n, err := syscall.GetsockoptInt(int(fd), syscall.IPPROTO_TCP, syscall.TCP_MAXSEG)
	if err != nil {
		return 0
	}
	return n
}

// writev sends a and then b in one system call.
func writev(fd uintptr, a, b []byte) (int, error) {
	iov := [2]syscall.Iovec{{Base: unsafe.SliceData(a)}, {Base: unsafe.SliceData(b)}}
	iov[0].SetLen(len(a))
	iov[1].SetLen(len(b))
	n, _, e := syscall.Syscall(syscall.SYS_WRITEV, fd, uintptr(unsafe.Pointer(&iov[0])), uintptr(len(iov)))
	if e != 0 {
		return 0, e
	}
	return int(n), nil
}
