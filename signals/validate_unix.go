//go:build unix

package signals

import (
	"fmt"
	"os"
	"runtime"
	"syscall"
)

// maxSignal is the largest signal number that both the operating system
// defines and os/signal can deliver (os/signal stops at 64). The runtime's
// signal tables agree with these numbers.
func maxSignal() syscall.Signal {
	switch runtime.GOOS {
	case "darwin", "ios":
		return 31
	case "freebsd", "openbsd", "netbsd", "dragonfly":
		return 32
	default: // linux, android, solaris, illumos, aix: at least 64
		return 64
	}
}

// validate accepts a syscall.Signal in 1..maxSignal other than SIGKILL and
// SIGSTOP. os.Interrupt is syscall.SIGINT on Unix.
func validate(sig os.Signal) error {
	s, ok := sig.(syscall.Signal)
	switch {
	case !ok:
		return fmt.Errorf("%w: %v is not a syscall.Signal", ErrInvalidSignal, describe(sig))
	case s < 1 || s > maxSignal():
		return fmt.Errorf("%w: number %d is out of range 1..%d on %s", ErrInvalidSignal, int(s), int(maxSignal()), runtime.GOOS)
	case s == syscall.SIGKILL || s == syscall.SIGSTOP:
		return fmt.Errorf("%w: %v", ErrUncatchable, s)
	}
	return nil
}
