//go:build !unix

package proc

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"
)

// sigTerm is what Terminate sends: there is no SIGTERM here, and asyncio's
// terminate calls TerminateProcess on Windows, as kill does.
var sigTerm = os.Kill

// prepareGroup: there are no process groups to signal here (Windows'
// console process groups receive only Ctrl+Break), so asking for one is an
// error and the default is none.
func prepareGroup(_ *exec.Cmd, want int8) (int, error) {
	if want > 0 {
		return noGroup, fmt.Errorf("%w: WithProcessGroup(true): process groups are %w on %s",
			ErrInvalidOption, errors.ErrUnsupported, runtime.GOOS)
	}
	return noGroup, nil
}

// signalLocked: only os.Kill (TerminateProcess on Windows) can be sent.
func (p *Process) signalLocked(sig os.Signal) error {
	if sig != os.Kill {
		return fmt.Errorf("proc: signal %v: %w on %s, which can only Kill", sig, errors.ErrUnsupported, runtime.GOOS)
	}
	return p.cmd.Process.Kill()
}

func returnCode(st *os.ProcessState) int { return st.ExitCode() }

// readAvailable cannot read without waiting here (Windows pipes have no
// non-blocking mode): it returns buf as it is.
func readAvailable(_ *os.File, buf []byte) ([]byte, error) { return buf, nil }
