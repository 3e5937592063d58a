//go:build !unix && !windows

package proc

import (
	"os/exec"
	"runtime"
)

func shellCommand(command string) *exec.Cmd {
	if runtime.GOOS == "plan9" {
		return exec.Command("/bin/rc", "-c", command)
	}
	return exec.Command("/bin/sh", "-c", command)
}

func isBrokenPipe(error) bool { return false }
