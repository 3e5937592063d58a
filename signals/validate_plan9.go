package signals

import (
	"fmt"
	"os"
	"syscall"
)

// validate accepts any non-empty note except os.Kill, which cannot be caught.
func validate(sig os.Signal) error {
	n, ok := sig.(syscall.Note)
	switch {
	case !ok || n == "":
		return fmt.Errorf("%w: %v is not a syscall.Note", ErrInvalidSignal, describe(sig))
	case sig == os.Kill:
		return fmt.Errorf("%w: %v", ErrUncatchable, n)
	}
	return nil
}
