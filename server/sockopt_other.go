//go:build !unix && !windows

package server

import (
	"errors"
	"fmt"
	"net"
	"runtime"
)

func backlogSupported() error {
	return fmt.Errorf("server: WithBacklog: %s has no listen(2) to set it with: %w", runtime.GOOS, errors.ErrUnsupported)
}

func setBacklog(net.Listener, int) error { return backlogSupported() }

func isConnRefused(error) bool { return false }
