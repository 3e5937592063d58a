package proc

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"syscall"
)

// sigTerm is what Terminate sends: Windows has no SIGTERM, and asyncio's
// terminate calls TerminateProcess there, as kill does.
var sigTerm = os.Kill

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

// prepareGroup: Windows has no process groups to signal (its console
// process groups receive only Ctrl+Break), so asking for one is an error
// and the default is none.
func prepareGroup(_ *exec.Cmd, want int8) (int, error) {
	if want > 0 {
		return noGroup, fmt.Errorf("%w: WithProcessGroup(true): process groups are %w on Windows",
			ErrInvalidOption, errors.ErrUnsupported)
	}
	return noGroup, nil
}

// signalLocked: only os.Kill (TerminateProcess) exists on Windows.
func (p *Process) signalLocked(sig os.Signal) error {
	if sig != os.Kill {
		return fmt.Errorf("proc: signal %v: %w on Windows, which can only Kill", sig, errors.ErrUnsupported)
	}
	return p.cmd.Process.Kill()
}

func returnCode(st *os.ProcessState) int { return st.ExitCode() }

func isBrokenPipe(err error) bool {
	return errors.Is(err, syscall.ERROR_BROKEN_PIPE) || errors.Is(err, errorNoData)
}

// readAvailable cannot read without waiting on Windows, whose pipes have
// no non-blocking mode: it returns buf as it is.
func readAvailable(_ *os.File, buf []byte) ([]byte, error) { return buf, nil }
