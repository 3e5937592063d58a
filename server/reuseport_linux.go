//go:build linux && !(mips || mipsle || mips64 || mips64le)

package server

// soReusePort is SO_REUSEPORT, which package syscall does not name on
// linux/386, amd64 and arm.
const soReusePort = 0xf
