//go:build linux

package proc_test

import (
	"errors"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
	"unsafe"
)

const sysPidfdOpen = 434 // pidfd_open(2): the same number on every Linux arch

// waitGone waits until process pid has terminated, up to timeout, and
// reports whether it has. It is notified, not polling: a pidfd becomes
// readable when its process terminates. A process that has terminated but
// is a zombie of some other parent counts as gone (it runs no more, and
// this container's init does not reap orphans).
func waitGone(pid int, timeout time.Duration) (bool, error) {
	fd, _, e := syscall.Syscall(sysPidfdOpen, uintptr(pid), 0, 0)
	if e == syscall.ESRCH {
		return true, nil
	}
	if e != 0 {
		return false, os.NewSyscallError("pidfd_open", e)
	}
	defer syscall.Close(int(fd))
	deadline := time.Now().Add(timeout)
	for {
		left := time.Until(deadline)
		if left < 0 {
			left = 0
		}
		pfd := struct {
			fd             int32
			events, revent int16
		}{int32(fd), 1 /* POLLIN */, 0}
		ts := syscall.NsecToTimespec(int64(left))
		n, _, e := syscall.Syscall6(syscall.SYS_PPOLL, uintptr(unsafe.Pointer(&pfd)), 1,
			uintptr(unsafe.Pointer(&ts)), 0, 0, 0)
		switch {
		case e == syscall.EINTR:
			continue
		case e != 0:
			return false, os.NewSyscallError("ppoll", e)
		case n > 0:
			return true, nil
		case left == 0:
			return false, nil
		}
	}
}

// procStat returns the state letter and parent pid of process pid, from
// /proc/pid/stat.
func procStat(pid int) (state byte, ppid int, err error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, 0, err
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')') // the command name may hold anything
	if i < 0 || i+4 > len(s) {
		return 0, 0, errors.New("bad /proc stat line")
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 2 {
		return 0, 0, errors.New("bad /proc stat line")
	}
	ppid, err = strconv.Atoi(f[1])
	return f[0][0], ppid, err
}

// children returns the pids of this process's children, zombies included.
func children() ([]int, error) {
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return nil, err
	}
	self := os.Getpid()
	var kids []int
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if _, ppid, err := procStat(pid); err == nil && ppid == self {
			kids = append(kids, pid)
		}
	}
	return kids, nil
}

// openFDs counts this process's open descriptors.
func openFDs() (int, error) {
	ents, err := os.ReadDir("/proc/self/fd")
	return len(ents), err
}

// running reports whether pid exists and is not a zombie.
func running(pid int) bool {
	st, _, err := procStat(pid)
	return err == nil && st != 'Z'
}
