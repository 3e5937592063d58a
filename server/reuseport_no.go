//go:build !(linux || aix || darwin || dragonfly || freebsd || netbsd || openbsd)

package server

import (
	"errors"
	"fmt"
	"runtime"
	"syscall"
)

func reusePortSupported() error {
	return fmt.Errorf("server: WithReusePort: %s has no SO_REUSEPORT: %w", runtime.GOOS, errors.ErrUnsupported)
}

func setReusePort(string, string, syscall.RawConn) error { return reusePortSupported() }
