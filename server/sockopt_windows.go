package server

import (
	"errors"
	"fmt"
	"net"
	"syscall"
)

func backlogSupported() error {
	return fmt.Errorf("server: WithBacklog: Windows keeps the backlog of a socket's first listen, which net.Listen has already made: %w", errors.ErrUnsupported)
}

func setBacklog(net.Listener, int) error { return backlogSupported() }

// wsaeconnrefused is WSAECONNREFUSED, which package syscall does not name.
const wsaeconnrefused = syscall.Errno(10061)

func isConnRefused(err error) bool { return errors.Is(err, wsaeconnrefused) }
