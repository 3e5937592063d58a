//go:build linux || aix || darwin || dragonfly || freebsd || netbsd || openbsd

package server

import (
	"os"
	"syscall"
)

func reusePortSupported() error { return nil }

// setReusePort is a net.ListenConfig.Control that sets SO_REUSEPORT before
// the socket is bound.
func setReusePort(_, _ string, c syscall.RawConn) error {
	var serr error
	if err := c.Control(func(fd uintptr) {
		serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, soReusePort, 1)
	}); err != nil {
		return err
	}
	return os.NewSyscallError("setsockopt SO_REUSEPORT", serr)
}
