package server_test

import (
	"context"
	"net"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"github.com/netaio/aio/server"
)

// keepAliveOf reads SO_KEEPALIVE and TCP_KEEPIDLE of c's socket.
func keepAliveOf(t testing.TB, c net.Conn) (o struct{ on, idle int }) {
	rc, err := c.(*net.TCPConn).SyscallConn()
	if err != nil {
		t.Error(err)
		return
	}
	rc.Control(func(fd uintptr) {
		o.on, _ = syscall.GetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_KEEPALIVE)
		o.idle, _ = syscall.GetsockoptInt(int(fd), syscall.IPPROTO_TCP, syscall.TCP_KEEPIDLE)
	})
	return o
}

// TestBacklog shows that WithBacklog reaches the kernel: with a backlog of
// n and nothing accepting, Linux completes n+1 connections and drops the
// SYNs of the next ones (the dial times out), where the default backlog
// takes them all.
func TestBacklog(t *testing.T) {
	count := func(t *testing.T, opts ...server.Option) int {
		s := start(t, "tcp", "127.0.0.1:0", echoLines, append(opts, server.WithStartServing(false))...)
		n := 0
		for range 8 {
			c, err := net.DialTimeout("tcp", s.Addrs()[0].String(), 300*time.Millisecond)
			if err != nil {
				break
			}
			defer c.Close()
			n++
		}
		return n
	}
	if got := count(t); got != 8 {
		t.Fatalf("default backlog: %d of 8 connections completed", got)
	}
	if got := count(t, server.WithBacklog(2)); got != 3 {
		t.Fatalf("WithBacklog(2): %d connections completed, want 3", got)
	}
	// Unix sockets: a full backlog refuses at once (EAGAIN).
	s := start(t, "unix", unixPath(t), echoLines, server.WithBacklog(1), server.WithStartServing(false))
	n := 0
	for range 8 {
		c, err := net.DialTimeout("unix", s.Addrs()[0].String(), 300*time.Millisecond)
		if err != nil {
			break
		}
		defer c.Close()
		n++
	}
	if n != 2 {
		t.Fatalf("unix WithBacklog(1): %d connections completed, want 2", n)
	}
	_ = context.Background
}

// queued returns the bytes waiting in c's socket: unread input (FIONREAD)
// plus output the peer has not acknowledged yet (TIOCOUTQ).
func queued(t testing.TB, c net.Conn) int {
	rc, err := c.(syscall.Conn).SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	var in, out int32
	rc.Control(func(fd uintptr) {
		syscall.Syscall(syscall.SYS_IOCTL, fd, syscall.TIOCINQ, uintptr(unsafe.Pointer(&in)))
		syscall.Syscall(syscall.SYS_IOCTL, fd, syscall.TIOCOUTQ, uintptr(unsafe.Pointer(&out)))
	})
	return int(in + out)
}

const canQueued = true
