package proc

import (
	"syscall"
	"unsafe"
)

// lazyReap: here exitedNow tells SendSignal that the child has exited
// without reaping it, so the reaper goroutine need not run from the start.
const lazyReap = true

const pPID = 1 // waitid's P_PID

// waitExit blocks until the child pid has exited, without reaping it, and
// reports whether it could. The child then stays a zombie until exec.Cmd's
// Wait reaps it, so its pid and its process group's number cannot be given
// to another process meanwhile: signals sent before the reap cannot hit a
// stranger. This is what os does itself before reaping (blockUntilWaitable).
func waitExit(pid int) bool {
	return waitid(pid, syscall.WEXITED|syscall.WNOWAIT)
}

// exitedNow reports whether the child pid has exited, without waiting and
// without reaping it.
func exitedNow(pid int) bool {
	return waitid(pid, syscall.WEXITED|syscall.WNOWAIT|syscall.WNOHANG)
}

// waitid reports whether waitid(P_PID, pid) with options found the child
// exited. With WNOHANG and the child running, the kernel leaves siginfo's
// si_pid zero.
func waitid(pid, options int) bool {
	var info [16]uint64 // siginfo_t: 128 bytes; si_pid is the int32 at byte 16
	for {
		_, _, e := syscall.Syscall6(syscall.SYS_WAITID, pPID, uintptr(pid),
			uintptr(unsafe.Pointer(&info)), uintptr(options), 0, 0)
		switch e {
		case 0:
			return *(*int32)(unsafe.Pointer(&info[2])) != 0 // si_pid
		case syscall.EINTR:
			continue
		}
		return false // ENOSYS or ECHILD: exec.Cmd's Wait will tell
	}
}
