//go:build unix

package proc

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"syscall"
)

// sigTerm is what Terminate sends.
var sigTerm os.Signal = syscall.SIGTERM

func shellCommand(command string) *exec.Cmd {
	return exec.Command("/bin/sh", "-c", command)
}

// prepareGroup sets cmd's SysProcAttr so that the child leads a process
// group of its own, unless want < 0 (WithProcessGroup(false)). It returns
// the group that signals go to: ownGroup, noGroup, or the group a Cmd given
// to Start joins by its own SysProcAttr (Setpgid with Pgid). A Cmd with
// Setsid leads its own session, hence its own group. The caller's
// SysProcAttr is copied, not changed.
func prepareGroup(cmd *exec.Cmd, want int8) (int, error) {
	if want < 0 {
		return noGroup, nil
	}
	attr := new(syscall.SysProcAttr)
	if cmd.SysProcAttr != nil {
		*attr = *cmd.SysProcAttr
	}
	cmd.SysProcAttr = attr
	switch {
	case attr.Setsid:
		return ownGroup, nil
	case attr.Setpgid && attr.Pgid > 0:
		return attr.Pgid, nil
	}
	attr.Setpgid, attr.Pgid = true, 0
	return ownGroup, nil
}

// signalLocked sends sig to the group, or to the child if it has none.
// The caller holds p.mu and has checked that the child has not exited.
func (p *Process) signalLocked(sig os.Signal) error {
	s, ok := sig.(syscall.Signal)
	if !ok {
		return fmt.Errorf("proc: signal %v of type %T: want a syscall.Signal", sig, sig)
	}
	if p.pgid <= 0 {
		return p.cmd.Process.Signal(s)
	}
	if err := syscall.Kill(-p.pgid, s); err != nil {
		if err == syscall.ESRCH {
			return os.ErrProcessDone
		}
		return os.NewSyscallError("kill", err)
	}
	return nil
}

// returnCode is asyncio's returncode: the exit status, or -N after signal N.
func returnCode(st *os.ProcessState) int {
	if ws, ok := st.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return -int(ws.Signal())
	}
	return st.ExitCode()
}

// isBrokenPipe reports whether err is a write to a pipe that no one reads.
func isBrokenPipe(err error) bool { return errors.Is(err, syscall.EPIPE) }

// readAvailable appends to buf what can be read from the pipe f without
// waiting, until EOF (returned as io.EOF) or until the pipe is empty (nil).
// f's read deadline must be clear.
func readAvailable(f *os.File, buf []byte) ([]byte, error) {
	rc, err := f.SyscallConn()
	if err != nil {
		return buf, err
	}
	var rerr error
	err = rc.Read(func(fd uintptr) bool {
		for {
			buf = growRead(buf, minChunk)
			n, e := syscall.Read(int(fd), buf[len(buf):cap(buf)])
			switch {
			case e == syscall.EINTR:
				continue
			case e == syscall.EAGAIN:
			case e != nil:
				rerr = os.NewSyscallError("read", e)
			case n == 0:
				rerr = io.EOF
			default:
				buf = buf[:len(buf)+n]
				continue
			}
			return true // done: never wait for more
		}
	})
	if err != nil {
		return buf, err
	}
	return buf, rerr
}
