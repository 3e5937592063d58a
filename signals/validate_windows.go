package signals

import (
	"fmt"
	"os"
	"syscall"
)

// validate accepts the two signals Windows delivers through os/signal:
// os.Interrupt (syscall.SIGINT: Ctrl-C and Ctrl-Break in a console) and
// syscall.SIGTERM (the console is closed, the user logs off, the system
// shuts down). os.Kill cannot be caught; every other value would never
// arrive, so it is rejected rather than waited for forever.
func validate(sig os.Signal) error {
	s, ok := sig.(syscall.Signal)
	switch {
	case !ok:
		return fmt.Errorf("%w: %v is not a syscall.Signal", ErrInvalidSignal, describe(sig))
	case s == syscall.SIGKILL:
		return fmt.Errorf("%w: %v", ErrUncatchable, s)
	case s != syscall.SIGINT && s != syscall.SIGTERM:
		return fmt.Errorf("%w: %v is never delivered on windows; only os.Interrupt and syscall.SIGTERM are", ErrInvalidSignal, s)
	}
	return nil
}
