// Package proc starts child processes and talks to them through pipes that
// are streams: asyncio's create_subprocess_exec, create_subprocess_shell and
// Process, built on os/exec.
//
//	p, err := proc.Exec(ctx, "ls", []string{"-l"}, proc.Stdout(proc.Pipe))
//	if err != nil { ... }
//	for line, err := range p.Stdout.Lines(ctx) { ... }
//	code, err := p.Wait(ctx)
//
// # From asyncio
//
//	asyncio                                   proc
//	create_subprocess_exec(prog, *args, ...)  Exec(ctx, prog, args, opts...)
//	create_subprocess_shell(cmd, ...)         Shell(ctx, cmd, opts...)
//	**kwds passed on to subprocess.Popen      Start(ctx, cmd) adopts a prepared *exec.Cmd
//	stdin=, stdout=, stderr=                  Stdin(x), Stdout(x), Stderr(x)
//	None, PIPE, DEVNULL, STDOUT               Inherit, Pipe, DevNull, ToStdout
//	limit=, cwd=, env=                        WithLimit, WithDir, WithEnv
//	proc.stdin / stdout / stderr              p.Stdin (*stream.Writer), p.Stdout, p.Stderr (*stream.Reader)
//	await proc.wait()                         p.Wait(ctx)
//	await proc.communicate(input)             p.Communicate(ctx, input)
//	proc.returncode (None while running)      p.ReturnCode() (code, ok)
//	proc.pid                                  p.PID()
//	send_signal, terminate, kill              SendSignal, Terminate, Kill
//
// Return codes are asyncio's: the exit status, or -N when signal N ended
// the child. As in asyncio, a status other than 0 is a return code, not an
// error. A program that cannot be found is an error wrapping
// exec.ErrNotFound.
//
// # Where proc differs from asyncio, and why
//
// The ctx given to Exec, Shell or Start bounds the child's life, as with
// exec.CommandContext: when it ends, the child is stopped (see below) and
// reaped. In asyncio, cancelling the task that created a process leaves the
// process running; in Go a context is how a caller says "no longer", so the
// process honours it. Use context.Background (or context.WithoutCancel) for
// a child that should outlive the caller's context.
//
// The ctx given to Wait and Communicate bounds only that call. When it ends,
// Wait returns ctx's error and the child goes on; Communicate, having
// consumed the pipes, kills the child rather than leave it writing into
// pipes no one reads, and returns the output read so far.
//
// The child runs in a process group of its own (on Unix; WithProcessGroup
// opts out). Stopping it then stops what it started too: a shell's
// pipeline, a build tool's compilers. Without a group, killing a shell
// leaves its commands running, and still holding the pipes. Signals
// (SendSignal, Terminate, Kill) go to the group as well. A child in its own
// group is not in the terminal's foreground group: Ctrl-C at the terminal
// reaches the parent only (which may then cancel the ctx), and a child that
// must read the terminal itself should be started with
// WithProcessGroup(false).
//
// Stopping a child whose ctx ended means SIGTERM to its group, then SIGKILL
// to the group if the child still runs once the kill grace (WithKillGrace,
// default 5 s) has passed. When the child exits before that, whatever is
// left of its group gets SIGKILL at once: nothing it started outlives it.
// Wait reports the stop with the ctx's error (context.Cause) next to the
// return code.
//
// The child is reaped once: by a Wait whose ctx cannot end, in the caller's
// goroutine as exec.Cmd.Wait does, or else by a goroutine of the Process
// that starts when something needs to know of the exit (a Wait whose ctx
// can end, ReturnCode, Communicate, the end of Exec's ctx) and ends with
// the reap. A Process dropped without any of these has its child reaped
// once the garbage collector finds the Process unreachable: no zombie is
// left behind for good (see Process). Wait returns once the child has exited,
// not when its pipes close: a grandchild that keeps them open does not hold
// up Wait (and holds up Communicate and copies to an io.Writer no longer
// than the kill grace, as exec.Cmd.WaitDelay).
//
// Reading from Stdout and Stderr takes a ctx and returns promptly when it
// ends, even while waiting on the pipe, with nothing read lost (see package
// stream). A pipe is closed when its Reader reaches EOF, or by Communicate:
// read it to the end, or call Communicate, so that it holds no descriptor.
// Stdin is closed by its Close (or by Communicate), or aborted when the
// child is reaped.
//
// # Windows
//
// The package builds on Windows (and on other systems without Unix
// processes, such as Plan 9), with these limits: there are no process
// groups (WithProcessGroup(true) is an error wrapping errors.ErrUnsupported,
// and signals reach the child only); SendSignal accepts os.Kill only,
// Terminate is the same as Kill (TerminateProcess, as in asyncio), and a
// cancelled child is killed at once, without grace. Pipe reads cannot be
// interrupted there, so a read waits for its data or EOF even once its ctx
// has ended. Shell runs cmd.exe /c "command".
package proc
