package proc

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/netaio/aio/stream"
)

// Sentinel errors. Compare with errors.Is.
var (
	// ErrInvalidOption is wrapped by every error about an option's value.
	ErrInvalidOption = errors.New("proc: invalid option")
	// ErrNoStdin is returned by Communicate when given input for a child
	// whose standard input is not a Pipe.
	ErrNoStdin = errors.New("proc: Communicate: input given, but Stdin is not a Pipe")
	// ErrCommunicated is returned by every call of Communicate after the
	// first: the first one consumed the pipes and closed standard input.
	ErrCommunicated = errors.New("proc: Communicate already called")
	// ErrStarted is returned by Start for an exec.Cmd that has been started.
	ErrStarted = errors.New("proc: exec.Cmd already started")
)

// A Process is a running (or finished) child process: asyncio's
// asyncio.subprocess.Process. It is made by Exec, Shell or Start (the zero
// Process is not usable). Its methods may be called from any goroutine.
//
// The child is waited for (reaped) once, by whichever comes first: a Wait
// whose ctx cannot end reaps it in the caller's goroutine, as
// exec.Cmd.Wait does; anything else that needs to know when it exits (a
// Wait whose ctx can end, ReturnCode, Communicate, the end of the ctx given
// to Exec) starts a goroutine of the Process that reaps it as soon as it
// exits. The child of a Process dropped without any of these is reaped
// once the garbage collector finds the Process unreachable, so it does not
// linger as a zombie. (asyncio's child watcher reaps every child as soon
// as it exits. Here the watcher starts only when needed, because on Linux
// a second thread waiting for the child makes a spawn-and-wait about 10%
// slower. On other systems, where the Process learns of the exit only by
// reaping, which SendSignal needs to know, it starts with the child.)
type Process struct {
	// Stdin writes to the child's standard input when it is a Pipe, and is
	// nil otherwise. Close it (or use Communicate) to send EOF. Once the
	// child has been reaped, Stdin is aborted: what is still queued is
	// dropped, since no one will read it. (Before that, a write to a child
	// that has exited fails with a broken pipe, unless a grandchild holds
	// the pipe.)
	Stdin *stream.Writer
	// Stdout reads the child's standard output when it is a Pipe, and is
	// nil otherwise. It reads what the child wrote even after the child has
	// exited, and the pipe is closed when it reaches EOF.
	Stdout *stream.Reader
	// Stderr reads the child's standard error when it is a Pipe, as Stdout.
	Stderr *stream.Reader

	cmd       *exec.Cmd
	pid       int
	pgid      int // > 0: signals go to this process group
	grace     time.Duration
	waitDelay time.Duration

	stdinFile        *os.File
	outPipe, errPipe *pipeReader
	stdinAborted     atomic.Bool // Stdin was aborted because the child exited
	communicated     atomic.Bool

	stopWatch func() bool   // stops the watch of the ctx given to Exec
	watchDone chan struct{} // closed when onCancel returns, if it ran

	// mu orders signals with the child's exit: no signal is sent to a pid or
	// process group once the child has been marked exited, which happens
	// before the reap (see waitExit), so a number the system may reuse is
	// never signalled.
	mu        sync.Mutex
	exited    bool
	cancelled bool  // the ctx of Exec ended before the child exited
	cause     error // context.Cause of that ctx
	exitedCh  chan struct{}

	claim *reapClaim    // taken by whoever reaps the child
	done  chan struct{} // closed once the child has been reaped
	code  int
	err   error
}

// Exec starts the program name with the arguments args (asyncio's
// create_subprocess_exec). name is looked up in PATH as exec.Command does;
// a program that cannot be found gives an error wrapping exec.ErrNotFound.
// The child's standard streams are the parent's unless options say
// otherwise (asyncio's default is None, i.e. inherit).
//
// ctx bounds the child's life, as with exec.CommandContext: when ctx ends
// before the child exits, its process group gets SIGTERM and, if it still
// runs after the kill grace (WithKillGrace), SIGKILL. The child is reaped
// either way. If ctx has already ended, nothing is started.
func Exec(ctx context.Context, name string, args []string, opts ...Option) (*Process, error) {
	c, err := newConfig(opts)
	if err != nil {
		return nil, err
	}
	return start(ctx, exec.Command(name, args...), c, true)
}

// Shell runs command with the platform's shell (asyncio's
// create_subprocess_shell): /bin/sh -c command, or cmd.exe /c "command" on
// Windows. Everything else is as for Exec; PID is the shell's. Quoting is
// the caller's task: a command built from untrusted input is a shell
// injection.
func Shell(ctx context.Context, command string, opts ...Option) (*Process, error) {
	c, err := newConfig(opts)
	if err != nil {
		return nil, err
	}
	return start(ctx, shellCommand(command), c, true)
}

// Start starts cmd, prepared by the caller (exec.Command with Dir, Env,
// SysProcAttr... as needed), and returns its Process; ctx bounds the
// child's life as for Exec. Options override the fields of cmd they
// concern. Standard streams that no option sets keep cmd's setting, where
// nil means the null device, as os/exec has it (not Inherit). cmd's
// WaitDelay is kept if it is non-zero.
//
// The Process owns cmd from now on: do not call its Wait, Run or Output.
// A cmd made by exec.CommandContext also keeps its own context and Cancel.
// Start returns ErrStarted if cmd has been started already.
func Start(ctx context.Context, cmd *exec.Cmd, opts ...Option) (*Process, error) {
	if cmd == nil {
		return nil, fmt.Errorf("%w: nil *exec.Cmd", ErrInvalidOption)
	}
	if cmd.Process != nil {
		return nil, ErrStarted
	}
	c, err := newConfig(opts)
	if err != nil {
		return nil, err
	}
	return start(ctx, cmd, c, false)
}

func start(ctx context.Context, cmd *exec.Cmd, c *config, inheritByDefault bool) (_ *Process, err error) {
	if ctx == nil {
		return nil, errors.New("proc: nil Context")
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("proc: not started: %w", err)
	}
	if c.dirSet {
		cmd.Dir = c.dir
	}
	if c.envSet {
		cmd.Env = c.env
	}
	p := &Process{
		cmd:       cmd,
		grace:     c.grace,
		watchDone: make(chan struct{}),
		exitedCh:  make(chan struct{}),
		done:      make(chan struct{}),
		claim:     &reapClaim{cmd: cmd},
	}
	// The child's ends of pipes are closed in the parent once the child has
	// them; on failure, the parent's ends too.
	var childEnds, parentEnds []*os.File
	defer func() {
		closeFiles(childEnds)
		if err != nil {
			closeFiles(parentEnds)
		}
	}()
	for fd := range 3 {
		s := c.stdio[fd]
		if !s.set {
			if !inheritByDefault {
				continue // keep what cmd has
			}
			s = stdio{set: true, redirect: Inherit}
		}
		var child any // what cmd's field gets
		switch {
		case s.file != nil:
			child = s.file
		case s.reader != nil:
			child = s.reader
		case s.writer != nil:
			child = s.writer
		case s.redirect == Inherit:
			if f := [3]*os.File{os.Stdin, os.Stdout, os.Stderr}[fd]; f != nil {
				child = f
			}
		case s.redirect == DevNull:
			child = nil // os/exec opens the null device
		case s.redirect == ToStdout:
			child = cmd.Stdout
		case s.redirect == Pipe:
			r, w, err := os.Pipe()
			if err != nil {
				return nil, fmt.Errorf("proc: %s pipe: %w", stdioNames[fd], err)
			}
			if fd == fdIn {
				childEnds, parentEnds = append(childEnds, r), append(parentEnds, w)
				child = r
				p.stdinFile = w
				p.Stdin, _ = stream.NewWriter(w)
				break
			}
			childEnds, parentEnds = append(childEnds, w), append(parentEnds, r)
			child = w
			pr := &pipeReader{f: r}
			sr, _ := stream.NewReader(pr, stream.WithLimit(c.limit))
			if fd == fdOut {
				p.outPipe, p.Stdout = pr, sr
			} else {
				p.errPipe, p.Stderr = pr, sr
			}
		}
		setStdio(cmd, fd, child)
	}
	group, err := prepareGroup(cmd, c.group)
	if err != nil {
		return nil, err
	}
	if cmd.WaitDelay == 0 {
		cmd.WaitDelay = max(c.grace, minWaitDelay)
	}
	p.waitDelay = cmd.WaitDelay
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("proc: %w", err)
	}
	p.pid = cmd.Process.Pid
	switch {
	case group > 0:
		p.pgid = group
	case group == ownGroup:
		p.pgid = p.pid
	}
	p.stopWatch = context.AfterFunc(ctx, func() { p.onCancel(ctx) })
	if lazyReap {
		runtime.AddCleanup(p, (*reapClaim).orphaned, p.claim)
	} else {
		p.startReaper()
	}
	return p, nil
}

// A reapClaim says whether someone reaps the child. It is apart from the
// Process so that the cleanup of an unreachable Process can reach it.
type reapClaim struct {
	taken atomic.Bool
	cmd   *exec.Cmd
}

// orphaned reaps the child of a Process that became unreachable without
// anyone reaping it.
func (c *reapClaim) orphaned() {
	if c.taken.CompareAndSwap(false, true) {
		go c.cmd.Wait()
	}
}

// startReaper starts the goroutine that reaps the child, unless someone
// reaps it already.
func (p *Process) startReaper() {
	if p.claim.taken.CompareAndSwap(false, true) {
		go p.reap()
	}
}

// setStdio sets cmd's field for fd to v, which is nil, an *os.File, an
// io.Reader (fd 0) or an io.Writer.
func setStdio(cmd *exec.Cmd, fd int, v any) {
	switch fd {
	case fdIn:
		cmd.Stdin, _ = v.(io.Reader)
	case fdOut:
		cmd.Stdout, _ = v.(io.Writer)
	case fdErr:
		cmd.Stderr, _ = v.(io.Writer)
	}
}

func closeFiles(fs []*os.File) {
	for _, f := range fs {
		f.Close()
	}
}

// onCancel runs when the ctx given to Exec ends: SIGTERM to the group, and
// SIGKILL after the grace unless the child has exited by then.
func (p *Process) onCancel(ctx context.Context) {
	defer close(p.watchDone)
	p.startReaper() // so that the child is reaped, and exitedCh closed
	p.mu.Lock()
	if p.exited || exitedNow(p.pid) { // an exited child was not stopped by ctx
		p.mu.Unlock()
		return
	}
	p.cancelled = true
	p.cause = context.Cause(ctx)
	if p.grace == 0 || sigTerm == os.Kill {
		_ = p.signalLocked(os.Kill)
		p.mu.Unlock()
		return
	}
	_ = p.signalLocked(sigTerm)
	p.mu.Unlock()
	t := time.NewTimer(p.grace)
	defer t.Stop()
	select {
	case <-p.exitedCh:
	case <-t.C:
		p.mu.Lock()
		if !p.exited {
			_ = p.signalLocked(os.Kill)
		}
		p.mu.Unlock()
	}
}

// reap waits for the child and sets its exit status; it runs once, in the
// goroutine that took p.claim.
func (p *Process) reap() {
	// Where the system can say that the child has exited without reaping
	// it, the child is marked exited while its pid, and so its process
	// group's number, still belong to it.
	early := waitExit(p.pid)
	if early {
		p.markExited()
	}
	err := p.cmd.Wait()
	if !early {
		p.markExited()
	}
	if !p.stopWatch() {
		<-p.watchDone // onCancel runs: it returns now that the child exited
	}
	p.code = -1
	if st := p.cmd.ProcessState; st != nil {
		p.code = returnCode(st)
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		err = nil // a status other than 0 is a return code, not an error
	}
	p.mu.Lock()
	if p.cancelled {
		err = p.cause
	}
	p.mu.Unlock()
	p.err = err
	close(p.done)
}

func (p *Process) markExited() {
	p.mu.Lock()
	p.exited = true
	close(p.exitedCh)
	if p.cancelled && p.pgid > 0 {
		// The child has gone: what is left of its group after SIGTERM is
		// not given the rest of the grace, as no one waits for it.
		_ = p.signalLocked(os.Kill)
	}
	p.mu.Unlock()
	if p.Stdin != nil {
		// Input the caller already closed is not "aborted": a write after
		// that stays the caller's mistake (see Communicate).
		if !p.Stdin.IsClosing() {
			p.stdinAborted.Store(true)
		}
		_ = p.Stdin.Abort()
	}
}

// PID returns the child's process ID (the shell's for Shell). The child
// also leads its process group, whose ID is the same, unless
// WithProcessGroup(false) was given.
func (p *Process) PID() int { return p.pid }

// Wait waits until the child has exited and has been reaped, and returns
// its return code (asyncio's wait): the exit status, or -N if signal N
// ended it. ctx bounds only this wait: if ctx ends first, Wait returns -1
// and ctx's error, and the child goes on. When ctx cannot end (its Done is
// nil, as context.Background's) and no one reaps the child yet, Wait reaps
// it itself, without another goroutine (see Process).
//
// err is nil when the child ran to its end, whatever its status. It is the
// cause of the ctx given to Exec (context.Canceled, say) when that ctx
// stopped the child, exec.ErrWaitDelay when the child exited but a
// grandchild kept open the pipe of a copy to an io.Writer (or from an
// io.Reader) beyond the kill grace, or an error of such a copy.
//
// Wait does not wait for Pipe streams to be read: the child can block
// writing to a full pipe that no one reads, so read Stdout and Stderr
// while waiting, or use Communicate.
func (p *Process) Wait(ctx context.Context) (int, error) {
	select {
	case <-p.done:
		return p.code, p.err
	default:
	}
	if ctx == nil {
		return -1, errors.New("proc: nil Context")
	}
	if ctx.Done() == nil && p.claim.taken.CompareAndSwap(false, true) {
		p.reap() // nothing can cut this wait short: no need of another goroutine
		return p.code, p.err
	}
	p.startReaper()
	select {
	case <-p.done:
		return p.code, p.err
	case <-ctx.Done():
		return -1, ctx.Err()
	}
}

// ReturnCode returns the child's return code, as Wait, and true once the
// child has been reaped; before that, 0 and false (asyncio's returncode of
// None). It never blocks; it starts the Process's reaper if nothing did,
// so that polling it sees the child's end.
func (p *Process) ReturnCode() (int, bool) {
	p.startReaper()
	select {
	case <-p.done:
		return p.code, true
	default:
		return 0, false
	}
}

// SendSignal sends sig to the child's process group, or to the child alone
// if it has no group of its own (asyncio's send_signal). Once the child has
// exited it returns os.ErrProcessDone. On Windows only os.Kill can be sent.
func (p *Process) SendSignal(sig os.Signal) error {
	if sig == nil {
		return errors.New("proc: nil signal")
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.exited || exitedNow(p.pid) {
		return os.ErrProcessDone
	}
	return p.signalLocked(sig)
}

// Terminate asks the child (its group) to stop: SIGTERM on Unix, and on
// Windows, which has no SIGTERM, the same as Kill (as in asyncio).
func (p *Process) Terminate() error { return p.SendSignal(sigTerm) }

// Kill stops the child (its group) at once: SIGKILL on Unix,
// TerminateProcess on Windows.
func (p *Process) Kill() error { return p.SendSignal(os.Kill) }
