//go:build unix

package proc_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/netaio/aio/proc"
	"github.com/netaio/aio/stream"
)

// testCtx bounds a test: nothing in it may wait longer.
func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func exe(t testing.TB) string {
	p, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// start runs the helper program name (see helpers_unix_test.go) and makes
// sure it is gone, and its pipes closed, when the test ends.
func start(t *testing.T, ctx context.Context, name string, args []string, opts ...proc.Option) *proc.Process {
	t.Helper()
	p, err := proc.Exec(ctx, exe(t), append([]string{name}, args...), opts...)
	if err != nil {
		t.Fatalf("Exec %s: %v", name, err)
	}
	cleanup(t, p)
	return p
}

func cleanup(t *testing.T, p *proc.Process) {
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		p.Kill()
		p.Communicate(ctx, nil) // reads the pipes to EOF, which closes them
		if _, err := p.Wait(ctx); err == ctx.Err() && err != nil {
			t.Errorf("cleanup: child %d not reaped: %v", p.PID(), err)
		}
	})
}

func wait(t *testing.T, ctx context.Context, p *proc.Process) (int, error) {
	t.Helper()
	code, err := p.Wait(ctx)
	if ctx.Err() != nil {
		t.Fatalf("Wait: %v", err)
	}
	return code, err
}

func TestExecNotFound(t *testing.T) {
	ctx := testCtx(t)
	_, err := proc.Exec(ctx, "no-such-program-in-path-"+strconv.Itoa(os.Getpid()), nil)
	if !errors.Is(err, exec.ErrNotFound) {
		t.Fatalf("got %v, want an error wrapping exec.ErrNotFound", err)
	}
	_, err = proc.Exec(ctx, "/no/such/program", nil, proc.Stdout(proc.Pipe), proc.Stdin(proc.Pipe))
	if !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("got %v, want an error wrapping os.ErrNotExist", err)
	}
}

func TestInvalidOptions(t *testing.T) {
	ctx := testCtx(t)
	var nilBuf *bytes.Buffer
	cases := []struct {
		name string
		opt  proc.Option
	}{
		{"Stdin(ToStdout)", proc.Stdin(proc.ToStdout)},
		{"Stdout(ToStdout)", proc.Stdout(proc.ToStdout)},
		{"Stdin(nil)", proc.Stdin(nil)},
		{"Stdout(nil *bytes.Buffer)", proc.Stdout(nilBuf)},
		{"Stderr(nil *os.File)", proc.Stderr((*os.File)(nil))},
		{"Stdin(Redirect(9))", proc.Stdin(proc.Redirect(9))},
		{"Stdout(Redirect(-1))", proc.Stdout(proc.Redirect(-1))},
		{"Stdout(io.Reader)", proc.Stdout(strings.NewReader("x"))},
		{"Stdin(io.Writer)", proc.Stdin(io.Discard)},
		{"Stdin(int)", proc.Stdin(0)},
		{"WithLimit(0)", proc.WithLimit(0)},
		{"WithLimit(-1)", proc.WithLimit(-1)},
		{"WithDir(\"\")", proc.WithDir("")},
		{"WithEnv(no =)", proc.WithEnv([]string{"A=1", "B"})},
		{"WithEnv(NUL)", proc.WithEnv([]string{"A=\x00"})},
		{"WithKillGrace(-1)", proc.WithKillGrace(-time.Second)},
	}
	for _, c := range cases {
		for _, fn := range []string{"Exec", "Shell", "Start"} {
			var err error
			switch fn {
			case "Exec":
				_, err = proc.Exec(ctx, "true", nil, c.opt)
			case "Shell":
				_, err = proc.Shell(ctx, "true", c.opt)
			case "Start":
				_, err = proc.Start(ctx, exec.Command("true"), c.opt)
			}
			if !errors.Is(err, proc.ErrInvalidOption) {
				t.Errorf("%s with %s: got %v, want ErrInvalidOption", fn, c.name, err)
			}
		}
	}
	if _, err := proc.Start(ctx, nil); !errors.Is(err, proc.ErrInvalidOption) {
		t.Errorf("Start(nil): got %v, want ErrInvalidOption", err)
	}
	//lint:ignore SA1012 a nil Context must be an error, not a panic
	if _, err := proc.Exec(nil, "true", nil); err == nil { //nolint:staticcheck
		t.Error("Exec(nil ctx): got no error")
	}
}

func TestStartRejectsStartedCmd(t *testing.T) {
	ctx := testCtx(t)
	cmd := exec.Command(exe(t), "exit", "0")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	if _, err := proc.Start(ctx, cmd); !errors.Is(err, proc.ErrStarted) {
		t.Fatalf("got %v, want ErrStarted", err)
	}
}

func TestCancelledBeforeStart(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	p, err := proc.Exec(ctx, exe(t), []string{"exit", "0"})
	if !errors.Is(err, context.Canceled) || p != nil {
		t.Fatalf("got %v, %v; want nil, context.Canceled", p, err)
	}
}

// TestStdio runs each kind of redirection of each stream.
func TestStdio(t *testing.T) {
	ctx := testCtx(t)
	tmp := t.TempDir()
	inFile := filepath.Join(tmp, "in")
	if err := os.WriteFile(inFile, []byte("from a file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	open := func(t *testing.T, name string) *os.File {
		f, err := os.Open(name)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { f.Close() })
		return f
	}
	create := func(t *testing.T) *os.File {
		f, err := os.CreateTemp(tmp, "out")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { f.Close() })
		return f
	}
	readBack := func(t *testing.T, f *os.File) string {
		b, err := os.ReadFile(f.Name())
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}

	t.Run("StdinPipe", func(t *testing.T) {
		p := start(t, ctx, "cat", nil, proc.Stdin(proc.Pipe), proc.Stdout(proc.Pipe))
		if p.Stdin == nil || p.Stdout == nil || p.Stderr != nil {
			t.Fatalf("streams: %v %v %v", p.Stdin, p.Stdout, p.Stderr)
		}
		p.Stdin.Write([]byte("one\n"))
		if line, err := p.Stdout.ReadLine(ctx); string(line) != "one\n" || err != nil {
			t.Fatalf("got %q, %v", line, err)
		}
		p.Stdin.Write([]byte("two"))
		p.Stdin.Close()
		if rest, err := p.Stdout.ReadN(ctx, -1); string(rest) != "two" || err != nil {
			t.Fatalf("got %q, %v", rest, err)
		}
		if code, err := wait(t, ctx, p); code != 0 || err != nil {
			t.Fatalf("got %d, %v", code, err)
		}
	})
	t.Run("StdinReader", func(t *testing.T) {
		p := start(t, ctx, "cat", nil, proc.Stdin(strings.NewReader("from a reader")), proc.Stdout(proc.Pipe))
		if p.Stdin != nil {
			t.Fatal("Stdin set for an io.Reader")
		}
		out, _, err := p.Communicate(ctx, nil)
		if string(out) != "from a reader" || err != nil {
			t.Fatalf("got %q, %v", out, err)
		}
	})
	t.Run("StdinFile", func(t *testing.T) {
		p := start(t, ctx, "cat", nil, proc.Stdin(open(t, inFile)), proc.Stdout(proc.Pipe))
		out, _, err := p.Communicate(ctx, nil)
		if string(out) != "from a file\n" || err != nil {
			t.Fatalf("got %q, %v", out, err)
		}
	})
	t.Run("StdinDevNull", func(t *testing.T) {
		p := start(t, ctx, "count", nil, proc.Stdin(proc.DevNull), proc.Stdout(proc.Pipe))
		out, _, err := p.Communicate(ctx, nil)
		if string(out) != "0\n" || err != nil {
			t.Fatalf("got %q, %v", out, err)
		}
	})
	t.Run("StdoutWriter", func(t *testing.T) {
		var out bytes.Buffer
		p := start(t, ctx, "echo", []string{"to", "a", "writer"}, proc.Stdout(&out))
		if p.Stdout != nil {
			t.Fatal("Stdout set for an io.Writer")
		}
		if code, err := wait(t, ctx, p); code != 0 || err != nil || out.String() != "to a writer\n" {
			t.Fatalf("got %d, %v, %q", code, err, out.String())
		}
	})
	t.Run("StdoutFile", func(t *testing.T) {
		f := create(t)
		p := start(t, ctx, "echo", []string{"to", "a", "file"}, proc.Stdout(f))
		if code, err := wait(t, ctx, p); code != 0 || err != nil {
			t.Fatalf("got %d, %v", code, err)
		}
		if got := readBack(t, f); got != "to a file\n" {
			t.Fatalf("got %q", got)
		}
	})
	t.Run("StdoutDevNull", func(t *testing.T) {
		var errBuf bytes.Buffer
		p := start(t, ctx, "outerr", []string{"out", "err"}, proc.Stdout(proc.DevNull), proc.Stderr(&errBuf))
		if p.Stdout != nil {
			t.Fatal("Stdout set for DevNull")
		}
		if code, err := wait(t, ctx, p); code != 0 || err != nil || errBuf.String() != "err\n" {
			t.Fatalf("got %d, %v, %q", code, err, errBuf.String())
		}
	})
	t.Run("StderrPipe", func(t *testing.T) {
		p := start(t, ctx, "outerr", []string{"out", "err"}, proc.Stdout(proc.Pipe), proc.Stderr(proc.Pipe))
		out, errOut, err := p.Communicate(ctx, nil)
		if string(out) != "out\n" || string(errOut) != "err\n" || err != nil {
			t.Fatalf("got %q, %q, %v", out, errOut, err)
		}
	})
	t.Run("StderrToStdoutPipe", func(t *testing.T) {
		p := start(t, ctx, "outerr", []string{"out", "err"}, proc.Stdout(proc.Pipe), proc.Stderr(proc.ToStdout))
		if p.Stderr != nil {
			t.Fatal("Stderr set for ToStdout")
		}
		out, errOut, err := p.Communicate(ctx, nil)
		if string(out) != "out\nerr\n" || errOut != nil || err != nil {
			t.Fatalf("got %q, %q, %v", out, errOut, err)
		}
	})
	t.Run("StderrToStdoutWriter", func(t *testing.T) {
		var out bytes.Buffer
		p := start(t, ctx, "outerr", []string{"out", "err"}, proc.Stdout(&out), proc.Stderr(proc.ToStdout))
		if code, err := wait(t, ctx, p); code != 0 || err != nil || out.String() != "out\nerr\n" {
			t.Fatalf("got %d, %v, %q", code, err, out.String())
		}
	})
	t.Run("StderrFile", func(t *testing.T) {
		f := create(t)
		p := start(t, ctx, "outerr", []string{"out", "err"}, proc.Stdout(proc.DevNull), proc.Stderr(f))
		if code, err := wait(t, ctx, p); code != 0 || err != nil {
			t.Fatalf("got %d, %v", code, err)
		}
		if got := readBack(t, f); got != "err\n" {
			t.Fatalf("got %q", got)
		}
	})
	t.Run("StderrDevNull", func(t *testing.T) {
		p := start(t, ctx, "outerr", []string{"out", "err"}, proc.Stdout(proc.Pipe), proc.Stderr(proc.DevNull))
		out, errOut, err := p.Communicate(ctx, nil)
		if string(out) != "out\n" || errOut != nil || err != nil {
			t.Fatalf("got %q, %q, %v", out, errOut, err)
		}
	})
	// Inherit is the default: the child gets os.Stdin, os.Stdout and
	// os.Stderr as they are when it starts.
	t.Run("Inherit", func(t *testing.T) {
		stdin, stdout, stderr := os.Stdin, os.Stdout, os.Stderr
		defer func() { os.Stdin, os.Stdout, os.Stderr = stdin, stdout, stderr }()
		for _, explicit := range []bool{false, true} {
			os.Stdin = open(t, inFile)
			out, errOut := create(t), create(t)
			os.Stdout, os.Stderr = out, errOut
			var opts []proc.Option
			if explicit {
				opts = []proc.Option{proc.Stdin(proc.Inherit), proc.Stdout(proc.Inherit), proc.Stderr(proc.Inherit)}
			}
			p, err := proc.Shell(ctx, strconv.Quote(exe(t))+" cat && echo err >&2", opts...)
			os.Stdin, os.Stdout, os.Stderr = stdin, stdout, stderr
			if err != nil {
				t.Fatal(err)
			}
			if p.Stdin != nil || p.Stdout != nil || p.Stderr != nil {
				t.Fatal("streams set for Inherit")
			}
			if code, err := wait(t, ctx, p); code != 0 || err != nil {
				t.Fatalf("got %d, %v", code, err)
			}
			if got := readBack(t, out); got != "from a file\n" {
				t.Errorf("stdout: got %q", got)
			}
			if got := readBack(t, errOut); got != "err\n" {
				t.Errorf("stderr: got %q", got)
			}
		}
	})
}

func TestWithDir(t *testing.T) {
	ctx := testCtx(t)
	dir, err := filepath.EvalSymlinks(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	p := start(t, ctx, "pwd", nil, proc.Stdout(proc.Pipe), proc.WithDir(dir))
	out, _, err := p.Communicate(ctx, nil)
	if string(out) != dir+"\n" || err != nil {
		t.Fatalf("got %q, %v; want %q", out, err, dir)
	}
	_, err = proc.Exec(ctx, exe(t), []string{"pwd"}, proc.WithDir(filepath.Join(dir, "missing")))
	if !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("missing dir: got %v", err)
	}
}

func TestWithEnv(t *testing.T) {
	ctx := testCtx(t)
	t.Setenv("PROC_TEST_PARENT_ONLY", "x")
	env := []string{helperEnv + "=1", "PROC_TEST_FOO=bar"}
	for v, want := range map[string]string{"PROC_TEST_FOO": "bar\n", "PROC_TEST_PARENT_ONLY": "<unset>\n"} {
		p := start(t, ctx, "getenv", []string{v}, proc.Stdout(proc.Pipe), proc.WithEnv(env))
		out, _, err := p.Communicate(ctx, nil)
		if string(out) != want || err != nil {
			t.Errorf("%s: got %q, %v; want %q", v, out, err, want)
		}
	}
	// Without WithEnv, the parent's environment.
	p := start(t, ctx, "getenv", []string{"PROC_TEST_PARENT_ONLY"}, proc.Stdout(proc.Pipe))
	if out, _, err := p.Communicate(ctx, nil); string(out) != "x\n" || err != nil {
		t.Errorf("inherited: got %q, %v", out, err)
	}
}

func TestWithLimit(t *testing.T) {
	ctx := testCtx(t)
	p := start(t, ctx, "echo", []string{"0123456789abcdef"}, proc.Stdout(proc.Pipe), proc.Stderr(proc.Pipe), proc.WithLimit(8))
	if p.Stdout.Limit() != 8 || p.Stderr.Limit() != 8 {
		t.Fatalf("limits %d, %d; want 8", p.Stdout.Limit(), p.Stderr.Limit())
	}
	if _, err := p.Stdout.ReadLine(ctx); !errors.Is(err, stream.ErrLimitOverrun) {
		t.Fatalf("got %v, want ErrLimitOverrun", err)
	}
	q := start(t, ctx, "echo", []string{"x"}, proc.Stdout(proc.Pipe))
	if q.Stdout.Limit() != stream.DefaultLimit {
		t.Fatalf("default limit %d", q.Stdout.Limit())
	}
}

func TestReadLine(t *testing.T) {
	ctx := testCtx(t)
	p := start(t, ctx, "lines", []string{"3"}, proc.Stdout(proc.Pipe))
	var got []string
	for line, err := range p.Stdout.Lines(ctx) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, string(line))
	}
	if strings.Join(got, "") != "line 1\nline 2\nline 3\n" {
		t.Fatalf("got %q", got)
	}
	if !p.Stdout.AtEOF() {
		t.Fatal("not at EOF")
	}
	if code, err := wait(t, ctx, p); code != 0 || err != nil {
		t.Fatalf("got %d, %v", code, err)
	}
}

// TestReadCancelled: a read waiting on a silent child returns when its ctx
// ends, and the next read gets what comes later.
func TestReadCancelled(t *testing.T) {
	ctx := testCtx(t)
	p := start(t, ctx, "readline", nil, proc.Stdin(proc.Pipe), proc.Stdout(proc.Pipe))
	rctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	if line, err := p.Stdout.ReadLine(rctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %q, %v; want context.DeadlineExceeded", line, err)
	}
	p.Stdin.Write([]byte("hello\n"))
	if line, err := p.Stdout.ReadLine(ctx); string(line) != "[hello]\n" || err != nil {
		t.Fatalf("got %q, %v", line, err)
	}
	if code, err := wait(t, ctx, p); code != 0 || err != nil {
		t.Fatalf("got %d, %v", code, err)
	}
}

func TestShellPipeline(t *testing.T) {
	ctx := testCtx(t)
	p, err := proc.Shell(ctx, "sort | tr a-z A-Z | head -n 2", proc.Stdin(proc.Pipe), proc.Stdout(proc.Pipe))
	if err != nil {
		t.Fatal(err)
	}
	cleanup(t, p)
	out, _, err := p.Communicate(ctx, []byte("pear\napple\nfig\n"))
	if string(out) != "APPLE\nFIG\n" || err != nil {
		t.Fatalf("got %q, %v", out, err)
	}
	q, err := proc.Shell(ctx, "echo one; echo two >&2; exit 3", proc.Stdout(proc.Pipe), proc.Stderr(proc.Pipe))
	if err != nil {
		t.Fatal(err)
	}
	cleanup(t, q)
	out, errOut, err := q.Communicate(ctx, nil)
	code, ok := q.ReturnCode()
	if string(out) != "one\n" || string(errOut) != "two\n" || err != nil || code != 3 || !ok {
		t.Fatalf("got %q, %q, %v, %d, %v", out, errOut, err, code, ok)
	}
}

func TestReturnCodes(t *testing.T) {
	ctx := testCtx(t)
	p := start(t, ctx, "exit", []string{"3"})
	if code, err := wait(t, ctx, p); code != 3 || err != nil {
		t.Fatalf("exit 3: got %d, %v", code, err)
	}
	if code, ok := p.ReturnCode(); code != 3 || !ok {
		t.Fatalf("ReturnCode: got %d, %v", code, ok)
	}
	p = start(t, ctx, "selfkill", nil)
	if code, err := wait(t, ctx, p); code != -int(syscall.SIGKILL) || err != nil {
		t.Fatalf("self SIGKILL: got %d, %v; want -9", code, err)
	}
	for _, c := range []struct {
		name string
		send func(*proc.Process) error
		want int
	}{
		{"Kill", (*proc.Process).Kill, -9},
		{"Terminate", (*proc.Process).Terminate, -15},
		{"SendSignal(SIGINT)", func(p *proc.Process) error { return p.SendSignal(syscall.SIGINT) }, -2},
		{"SendSignal(SIGHUP)", func(p *proc.Process) error { return p.SendSignal(syscall.SIGHUP) }, -1},
	} {
		p := start(t, ctx, "hang", nil, proc.Stdout(proc.Pipe))
		if _, err := p.Stdout.ReadLine(ctx); err != nil {
			t.Fatal(err)
		}
		if code, ok := p.ReturnCode(); ok {
			t.Fatalf("%s: ReturnCode before exit: %d, %v", c.name, code, ok)
		}
		if err := c.send(p); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if code, err := wait(t, ctx, p); code != c.want || err != nil {
			t.Fatalf("%s: got %d, %v; want %d", c.name, code, err, c.want)
		}
		for _, send := range []func() error{p.Kill, p.Terminate, func() error { return p.SendSignal(syscall.SIGHUP) }} {
			if err := send(); !errors.Is(err, os.ErrProcessDone) {
				t.Fatalf("%s: signal after exit: got %v, want os.ErrProcessDone", c.name, err)
			}
		}
	}
}

func TestSendSignalBadInput(t *testing.T) {
	ctx := testCtx(t)
	p := start(t, ctx, "hang", nil, proc.Stdout(proc.Pipe))
	if err := p.SendSignal(nil); err == nil {
		t.Error("nil signal: no error")
	}
	if err := p.SendSignal(fakeSignal{}); err == nil {
		t.Error("foreign signal: no error")
	}
	if err := p.SendSignal(syscall.Signal(1000)); err == nil {
		t.Error("signal 1000: no error")
	}
	if err := p.SendSignal(syscall.Signal(0)); err != nil {
		t.Errorf("signal 0 (existence check): %v", err)
	}
}

type fakeSignal struct{}

func (fakeSignal) String() string { return "fake" }
func (fakeSignal) Signal()        {}

// TestWaitCtx: Wait's ctx bounds the wait only.
func TestWaitCtx(t *testing.T) {
	ctx := testCtx(t)
	p := start(t, ctx, "hang", nil, proc.Stdout(proc.DevNull))
	wctx, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	if code, err := p.Wait(wctx); code != -1 || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %d, %v", code, err)
	}
	if err := p.SendSignal(syscall.Signal(0)); err != nil {
		t.Fatalf("child gone after Wait's ctx ended: %v", err)
	}
	p.Kill()
	if code, err := wait(t, ctx, p); code != -9 || err != nil {
		t.Fatalf("got %d, %v", code, err)
	}
}

// TestExecCtxEnds: the ctx of Exec bounds the child's life; Wait reports
// its cause.
func TestExecCtxEnds(t *testing.T) {
	ctx := testCtx(t)
	cause := errors.New("enough")
	pctx, cancel := context.WithCancelCause(ctx)
	p := start(t, pctx, "hang", nil, proc.Stdout(proc.Pipe))
	if _, err := p.Stdout.ReadLine(ctx); err != nil {
		t.Fatal(err)
	}
	cancel(cause)
	if code, err := wait(t, ctx, p); code != -15 || err != cause {
		t.Fatalf("got %d, %v; want -15, %v", code, err, cause)
	}
	// A ctx that ends after the child exited changes nothing.
	pctx, cancel = context.WithCancelCause(ctx)
	p = start(t, pctx, "exit", []string{"0"})
	if code, err := wait(t, ctx, p); code != 0 || err != nil {
		t.Fatalf("got %d, %v", code, err)
	}
	cancel(cause)
	if code, err := wait(t, ctx, p); code != 0 || err != nil {
		t.Fatalf("after cancel: got %d, %v", code, err)
	}
}

// TestKillGrace: a child that ignores SIGTERM gets SIGKILL after the grace.
func TestKillGrace(t *testing.T) {
	ctx := testCtx(t)
	const grace = 300 * time.Millisecond
	pctx, cancel := context.WithCancel(ctx)
	p := start(t, pctx, "ignoreterm", nil, proc.Stdout(proc.Pipe), proc.WithKillGrace(grace))
	if _, err := p.Stdout.ReadLine(ctx); err != nil {
		t.Fatal(err)
	}
	t0 := time.Now()
	cancel()
	code, err := wait(t, ctx, p)
	if d := time.Since(t0); code != -9 || !errors.Is(err, context.Canceled) || d < grace {
		t.Fatalf("got %d, %v after %v; want -9, context.Canceled after %v", code, err, d, grace)
	}
	// With no grace, SIGKILL at once.
	pctx, cancel = context.WithCancel(ctx)
	p = start(t, pctx, "hang", nil, proc.Stdout(proc.Pipe), proc.WithKillGrace(0))
	if _, err := p.Stdout.ReadLine(ctx); err != nil {
		t.Fatal(err)
	}
	cancel()
	if code, err := wait(t, ctx, p); code != -9 || !errors.Is(err, context.Canceled) {
		t.Fatalf("grace 0: got %d, %v; want -9", code, err)
	}
}

func TestCommunicate(t *testing.T) {
	ctx := testCtx(t)
	p := start(t, ctx, "tee2", nil, proc.Stdin(proc.Pipe), proc.Stdout(proc.Pipe), proc.Stderr(proc.Pipe))
	out, errOut, err := p.Communicate(ctx, []byte("hello\n"))
	if string(out) != "hello\n" || string(errOut) != "hello\n" || err != nil {
		t.Fatalf("got %q, %q, %v", out, errOut, err)
	}
	if code, ok := p.ReturnCode(); code != 0 || !ok {
		t.Fatalf("ReturnCode: %d, %v", code, ok)
	}
	if _, _, err := p.Communicate(ctx, nil); !errors.Is(err, proc.ErrCommunicated) {
		t.Fatalf("second call: got %v, want ErrCommunicated", err)
	}
	// Empty output from a pipe is empty, not nil; no pipe is nil.
	p = start(t, ctx, "cat", nil, proc.Stdin(proc.Pipe), proc.Stdout(proc.Pipe), proc.Stderr(proc.DevNull))
	out, errOut, err = p.Communicate(ctx, nil)
	if out == nil || len(out) != 0 || errOut != nil || err != nil {
		t.Fatalf("got %q (nil: %v), %q, %v", out, out == nil, errOut, err)
	}
	// Input without a Stdin pipe.
	p = start(t, ctx, "exit", []string{"0"}, proc.Stdout(proc.Pipe))
	if _, _, err := p.Communicate(ctx, []byte("x")); !errors.Is(err, proc.ErrNoStdin) {
		t.Fatalf("got %v, want ErrNoStdin", err)
	}
	// Input after the caller closed Stdin.
	p = start(t, ctx, "cat", nil, proc.Stdin(proc.Pipe), proc.Stdout(proc.Pipe))
	p.Stdin.Close()
	if _, _, err := p.Communicate(ctx, []byte("x")); !errors.Is(err, stream.ErrClosed) {
		t.Fatalf("got %v, want stream.ErrClosed", err)
	}
}

// TestCommunicateAfterRead: what the caller has read is not returned
// again; what is buffered is.
func TestCommunicateAfterRead(t *testing.T) {
	ctx := testCtx(t)
	p := start(t, ctx, "cat", nil, proc.Stdin(proc.Pipe), proc.Stdout(proc.Pipe))
	p.Stdin.Write([]byte("first\nsecond\n"))
	if _, err := p.Stdout.ReadLine(ctx); err != nil {
		t.Fatal(err)
	}
	p.Stdin.Write([]byte("queued "))
	out, _, err := p.Communicate(ctx, []byte("third\n"))
	if string(out) != "second\nqueued third\n" || err != nil {
		t.Fatalf("got %q, %v", out, err)
	}
}

// TestCommunicateLarge: 64 MiB in, 64 MiB on each of stdout and stderr,
// with a child that writes as it reads: no deadlock.
func TestCommunicateLarge(t *testing.T) {
	ctx := testCtx(t)
	input := make([]byte, 64<<20)
	for i := range input {
		input[i] = byte(i * 7 >> 3)
	}
	p := start(t, ctx, "tee2", nil, proc.Stdin(proc.Pipe), proc.Stdout(proc.Pipe), proc.Stderr(proc.Pipe))
	out, errOut, err := p.Communicate(ctx, input)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(out, input) || !bytes.Equal(errOut, input) {
		t.Fatalf("got %d and %d bytes, want %d each, equal to the input", len(out), len(errOut), len(input))
	}
}

// TestCommunicateBrokenPipe: a child that exits without reading its input
// is not an error.
func TestCommunicateBrokenPipe(t *testing.T) {
	ctx := testCtx(t)
	for _, size := range []int{1, 8 << 20} {
		p := start(t, ctx, "exit", []string{"0"}, proc.Stdin(proc.Pipe))
		if _, err := p.Wait(ctx); err != nil {
			t.Fatal(err)
		}
		_, _, err := p.Communicate(ctx, make([]byte, size))
		if code, _ := p.ReturnCode(); err != nil || code != 0 {
			t.Fatalf("exited first, %d bytes: got %d, %v", size, code, err)
		}
		// A child that exits while the input is being written.
		p = start(t, ctx, "readline", nil, proc.Stdin(proc.Pipe), proc.Stdout(proc.Pipe))
		out, _, err := p.Communicate(ctx, append([]byte("line\n"), make([]byte, size)...))
		if code, _ := p.ReturnCode(); err != nil || code != 0 || string(out) != "[line]\n" {
			t.Fatalf("exits while fed, %d bytes: got %q, %d, %v", size, out, code, err)
		}
	}
}

// TestCommunicateCancelled: when Communicate's ctx ends, the child is
// killed and reaped, and its output until then comes back with ctx's error.
func TestCommunicateCancelled(t *testing.T) {
	ctx := testCtx(t)
	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
	// The child writes "partial" to stdout, then "go" to stderr, then
	// hangs: ctx ends once the stdout line has been written.
	var errOut cancelOnWrite
	errOut.cancel = cancel
	p := start(t, ctx, "hangerr", nil, proc.Stdin(proc.Pipe), proc.Stdout(proc.Pipe), proc.Stderr(&errOut))
	out, _, err := p.Communicate(cctx, []byte("unread input"))
	if !errors.Is(err, context.Canceled) || string(out) != "partial\n" {
		t.Fatalf("got %q, %v; want \"partial\\n\", context.Canceled", out, err)
	}
	if code, ok := p.ReturnCode(); code != -9 || !ok {
		t.Fatalf("ReturnCode: got %d, %v; want -9, true", code, ok)
	}
}

type cancelOnWrite struct{ cancel context.CancelFunc }

func (c *cancelOnWrite) Write(p []byte) (int, error) {
	c.cancel()
	return len(p), nil
}

// TestStdinAbortedAtExit: writes to Stdin after the child exited fail,
// rather than fill a pipe no one reads.
func TestStdinAbortedAtExit(t *testing.T) {
	ctx := testCtx(t)
	p := start(t, ctx, "exit", []string{"0"}, proc.Stdin(proc.Pipe))
	if _, err := wait(t, ctx, p); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Stdin.Write([]byte("x")); !errors.Is(err, stream.ErrClosed) {
		t.Fatalf("got %v, want stream.ErrClosed", err)
	}
}

func TestStartAdoptsCmd(t *testing.T) {
	ctx := testCtx(t)
	var out bytes.Buffer
	cmd := exec.Command(exe(t), "getenv", "PROC_TEST_CMD")
	cmd.Env = append(os.Environ(), "PROC_TEST_CMD=from cmd")
	cmd.Stdout = &out
	p, err := proc.Start(ctx, cmd)
	if err != nil {
		t.Fatal(err)
	}
	cleanup(t, p)
	if code, err := wait(t, ctx, p); code != 0 || err != nil || out.String() != "from cmd\n" {
		t.Fatalf("got %d, %v, %q", code, err, out.String())
	}
	// An option overrides the Cmd's field.
	cmd = exec.Command(exe(t), "getenv", "PROC_TEST_CMD")
	cmd.Env = append(os.Environ(), "PROC_TEST_CMD=from cmd")
	cmd.Stdout = &out
	p, err = proc.Start(ctx, cmd, proc.Stdout(proc.Pipe))
	if err != nil {
		t.Fatal(err)
	}
	cleanup(t, p)
	if got, _, err := p.Communicate(ctx, nil); string(got) != "from cmd\n" || err != nil {
		t.Fatalf("got %q, %v", got, err)
	}
	// Start keeps os/exec's meaning of nil streams: the null device.
	cmd = exec.Command(exe(t), "count")
	p, err = proc.Start(ctx, cmd, proc.Stdout(proc.Pipe))
	if err != nil {
		t.Fatal(err)
	}
	cleanup(t, p)
	if got, _, err := p.Communicate(ctx, nil); string(got) != "0\n" || err != nil {
		t.Fatalf("got %q, %v", got, err)
	}
}

// TestWaitDelay: a grandchild that keeps a pipe open does not hold up Wait
// (for a Pipe) or holds it up no longer than the kill grace (for a copy to
// an io.Writer); Communicate returns after the grace too.
func TestWaitDelay(t *testing.T) {
	ctx := testCtx(t)
	const grace = 300 * time.Millisecond
	// The helper "spawn" prints its grandchild's pid; the grandchild prints
	// "grandchild" when it has started, before or after.
	killGrandchild := func(t *testing.T, out []byte) {
		for _, line := range strings.Fields(string(out)) {
			if pid, err := strconv.Atoi(line); err == nil {
				syscall.Kill(pid, syscall.SIGKILL)
				return
			}
		}
		t.Fatalf("no grandchild pid in %q", out)
	}

	t.Run("Writer", func(t *testing.T) {
		var out syncBuffer
		p := start(t, ctx, "spawn", nil, proc.Stdout(&out), proc.WithKillGrace(grace))
		t0 := time.Now()
		code, err := wait(t, ctx, p)
		d := time.Since(t0)
		killGrandchild(t, out.Bytes())
		if code != 0 || !errors.Is(err, exec.ErrWaitDelay) || d > grace+5*time.Second {
			t.Fatalf("got %d, %v after %v; want 0, exec.ErrWaitDelay after about %v", code, err, d, grace)
		}
	})
	t.Run("Pipe", func(t *testing.T) {
		p := start(t, ctx, "spawn", nil, proc.Stdout(proc.Pipe), proc.WithKillGrace(grace))
		if code, err := wait(t, ctx, p); code != 0 || err != nil {
			t.Fatalf("Wait: got %d, %v", code, err)
		}
		t0 := time.Now()
		out, _, err := p.Communicate(ctx, nil)
		d := time.Since(t0)
		killGrandchild(t, out)
		if !errors.Is(err, exec.ErrWaitDelay) || d > grace+5*time.Second {
			t.Fatalf("Communicate: got %q, %v after %v; want exec.ErrWaitDelay after about %v", out, err, d, grace)
		}
	})
}

// syncBuffer is a bytes.Buffer safe to read while os/exec writes to it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) Bytes() []byte {
	b.mu.Lock()
	defer b.mu.Unlock()
	return bytes.Clone(b.buf.Bytes())
}
