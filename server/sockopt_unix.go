//go:build unix

package server

import (
	"errors"
	"fmt"
	"net"
	"os"
	"syscall"
)

func backlogSupported() error { return nil }

// setBacklog gives the listening socket of l a backlog of n by calling
// listen(2) again: Linux, the BSDs and macOS update the queue length of a
// socket that is already listening. (It cannot be done before net.Listen's
// own listen: ListenConfig.Control runs before bind, and a listen there
// would bind the socket to a random port.)
func setBacklog(l net.Listener, n int) error {
	sc, ok := l.(syscall.Conn)
	if !ok {
		return fmt.Errorf("%w: WithBacklog: a %T has no socket to set the backlog of", ErrInvalidOption, l)
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return err
	}
	var lerr error
	if err := rc.Control(func(fd uintptr) { lerr = syscall.Listen(int(fd), n) }); err != nil {
		return err
	}
	if lerr != nil {
		return os.NewSyscallError("listen", lerr)
	}
	return nil
}

func isConnRefused(err error) bool { return errors.Is(err, syscall.ECONNREFUSED) }
