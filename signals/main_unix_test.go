//go:build unix

package signals_test

import (
	"os"
	"os/signal"
	"syscall"
)

// guard keeps the test binary alive when a signal the tests send finds no
// handler of the package installed (after a Remove, between two tests): the
// default action of SIGHUP, SIGUSR1, SIGUSR2, SIGINT and SIGTERM is to end
// the process. The channel is never read and needs no goroutine: os/signal
// drops what does not fit in it.
func guard() {
	signal.Notify(make(chan os.Signal, 1),
		syscall.SIGHUP, syscall.SIGUSR1, syscall.SIGUSR2, syscall.SIGINT, syscall.SIGTERM)
}
