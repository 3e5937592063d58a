package proc

import (
	"syscall"
	"unsafe"
)

const pPID = 1 // waitid's P_PID

// waitExit blocks until the child pid has exited, without reaping it, and
// reports whether it could. The child then stays a zombie until exec.Cmd's
// Wait reaps it, so its pid and its process group's number cannot be given
// to another process meanwhile: signals sent before the reap cannot hit a
// stranger. This is what os does itself before reaping (blockUntilWaitable).
func waitExit(pid int) bool {
	var info [16]uint64 // siginfo_t: 128 bytes, not read
	for {
		_, _, e := syscall.Syscall6(syscall.SYS_WAITID, pPID, uintptr(pid),
			uintptr(unsafe.Pointer(&info)), syscall.WEXITED|syscall.WNOWAIT, 0, 0)
		switch e {
		case 0:
			return true
		case syscall.EINTR:
			continue
		}
		return false // ENOSYS or ECHILD: exec.Cmd's Wait will tell
	}
}
