package proc

import (
	"errors"
	"os"
	"os/exec"
	"syscall"
)

// ERROR_NO_DATA: a write to a pipe whose reading end is being closed.
const errorNoData syscall.Errno = 232

func shellCommand(command string) *exec.Cmd {
	comspec := os.Getenv("ComSpec")
	if comspec == "" {
		comspec = "cmd.exe"
	}
	cmd := exec.Command(comspec)
	// cmd.exe parses its command line itself: pass it as asyncio does,
	// rather than with the quoting os/exec applies to arguments.
	cmd.SysProcAttr = &syscall.SysProcAttr{
		CmdLine: syscall.EscapeArg(comspec) + ` /c "` + command + `"`,
	}
	return cmd
}

func isBrokenPipe(err error) bool {
	return errors.Is(err, syscall.ERROR_BROKEN_PIPE) || errors.Is(err, errorNoData)
}
