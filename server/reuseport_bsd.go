//go:build (linux && (mips || mipsle || mips64 || mips64le)) || aix || darwin || dragonfly || freebsd || netbsd || openbsd

package server

import "syscall"

const soReusePort = syscall.SO_REUSEPORT
