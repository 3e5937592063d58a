//go:build linux

package proc_test

import (
	"context"
	"errors"
	"io"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/netaio/aio/proc"
	"go.uber.org/goleak"
)

// TestCancelKillsGrandchild: when the ctx of Shell ends, the shell and the
// command it started are both gone within the kill grace plus 1 s.
func TestCancelKillsGrandchild(t *testing.T) {
	ctx := testCtx(t)
	for _, c := range []struct {
		name   string
		script string
		grace  time.Duration
		want   int
	}{
		{"SIGTERM", "sleep 1000 & echo $!; wait", proc.DefaultKillGrace, -15},
		// Both ignore SIGTERM (an ignored signal stays ignored across
		// exec): SIGKILL after the grace.
		{"SIGKILL", "trap '' TERM; sleep 1000 & echo $!; wait", 500 * time.Millisecond, -9},
	} {
		t.Run(c.name, func(t *testing.T) {
			pctx, cancel := context.WithCancel(ctx)
			defer cancel()
			p, err := proc.Shell(pctx, c.script, proc.Stdout(proc.Pipe), proc.WithKillGrace(c.grace))
			if err != nil {
				t.Fatal(err)
			}
			cleanup(t, p)
			line, err := p.Stdout.ReadLine(ctx)
			if err != nil {
				t.Fatal(err)
			}
			grandchild, err := strconv.Atoi(strings.TrimSpace(string(line)))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { syscall.Kill(grandchild, syscall.SIGKILL) })
			if pg, err := syscall.Getpgid(grandchild); err != nil || pg != p.PID() {
				t.Fatalf("grandchild's group: got %d, %v; want the shell's, %d", pg, err, p.PID())
			}
			if !running(p.PID()) || !running(grandchild) {
				t.Fatal("not running before cancel")
			}
			t0 := time.Now()
			cancel()
			limit := c.grace + time.Second
			for _, pid := range []int{p.PID(), grandchild} {
				gone, err := waitGone(pid, limit-time.Since(t0))
				if err != nil || !gone {
					t.Fatalf("pid %d still running %v after cancel (%v)", pid, time.Since(t0), err)
				}
			}
			if code, err := wait(t, ctx, p); code != c.want || !errors.Is(err, context.Canceled) {
				t.Fatalf("got %d, %v; want %d, context.Canceled", code, err, c.want)
			}
		})
	}
}

// TestCancelKillsStragglers: once the child has exited after a
// cancellation, what is left of its group is killed without waiting for
// the rest of the grace.
func TestCancelKillsStragglers(t *testing.T) {
	ctx := testCtx(t)
	pctx, cancel := context.WithCancel(ctx)
	defer cancel()
	// The shell dies of SIGTERM; its background command ignores it.
	p, err := proc.Shell(pctx, "(trap '' TERM; exec sleep 1000) & echo $!; wait", proc.Stdout(proc.Pipe))
	if err != nil {
		t.Fatal(err)
	}
	cleanup(t, p)
	line, err := p.Stdout.ReadLine(ctx)
	if err != nil {
		t.Fatal(err)
	}
	straggler, _ := strconv.Atoi(strings.TrimSpace(string(line)))
	t.Cleanup(func() { syscall.Kill(straggler, syscall.SIGKILL) })
	t0 := time.Now()
	cancel()
	if code, err := wait(t, ctx, p); code != -15 || !errors.Is(err, context.Canceled) {
		t.Fatalf("got %d, %v; want -15, context.Canceled", code, err)
	}
	// Well before the default grace of 5 s.
	if gone, err := waitGone(straggler, 2*time.Second); !gone || err != nil {
		t.Fatalf("straggler still running %v after cancel (%v)", time.Since(t0), err)
	}
}

// TestProcessGroup: by default the child leads its own group, and signals
// reach its children; WithProcessGroup(false) leaves it in ours.
func TestProcessGroup(t *testing.T) {
	ctx := testCtx(t)
	for _, group := range []bool{true, false} {
		p, err := proc.Shell(ctx, "sleep 1000 & echo $!; wait", proc.Stdout(proc.Pipe), proc.WithProcessGroup(group))
		if err != nil {
			t.Fatal(err)
		}
		cleanup(t, p)
		line, err := p.Stdout.ReadLine(ctx)
		if err != nil {
			t.Fatal(err)
		}
		grandchild, _ := strconv.Atoi(strings.TrimSpace(string(line)))
		t.Cleanup(func() { syscall.Kill(grandchild, syscall.SIGKILL) })
		pg, _ := syscall.Getpgid(p.PID())
		wantPG := syscall.Getpgrp()
		if group {
			wantPG = p.PID()
		}
		if pg != wantPG {
			t.Fatalf("group %v: child's group is %d, want %d", group, pg, wantPG)
		}
		if err := p.Terminate(); err != nil {
			t.Fatal(err)
		}
		if code, err := wait(t, ctx, p); code != -15 || err != nil {
			t.Fatalf("group %v: got %d, %v", group, code, err)
		}
		gone, err := waitGone(grandchild, time.Second)
		if err != nil {
			t.Fatal(err)
		}
		if gone != group {
			t.Fatalf("group %v: grandchild gone after Terminate: %v", group, gone)
		}
		if !group {
			syscall.Kill(grandchild, syscall.SIGKILL)
			if gone, _ := waitGone(grandchild, 5*time.Second); !gone {
				t.Fatal("grandchild survived SIGKILL")
			}
		}
	}
}

// TestStartKeepsSysProcAttr: a Cmd that asks for a session of its own
// leads its group as well; the caller's SysProcAttr is not changed.
func TestStartKeepsSysProcAttr(t *testing.T) {
	ctx := testCtx(t)
	cmd := exec.Command("sh", "-c", "sleep 1000 & echo $!; wait")
	attr := &syscall.SysProcAttr{Setsid: true}
	cmd.SysProcAttr = attr
	p, err := proc.Start(ctx, cmd, proc.Stdout(proc.Pipe))
	if err != nil {
		t.Fatal(err)
	}
	cleanup(t, p)
	if !attr.Setsid || attr.Setpgid || attr.Pgid != 0 {
		t.Fatalf("caller's SysProcAttr changed: %+v", *attr)
	}
	line, err := p.Stdout.ReadLine(ctx)
	if err != nil {
		t.Fatal(err)
	}
	grandchild, _ := strconv.Atoi(strings.TrimSpace(string(line)))
	t.Cleanup(func() { syscall.Kill(grandchild, syscall.SIGKILL) })
	if sid, _, e := syscall.RawSyscall(syscall.SYS_GETSID, uintptr(p.PID()), 0, 0); e != 0 || int(sid) != p.PID() {
		t.Fatalf("session %d (%v), want %d", sid, e, p.PID())
	}
	if err := p.Kill(); err != nil {
		t.Fatal(err)
	}
	if gone, err := waitGone(grandchild, 5*time.Second); !gone || err != nil {
		t.Fatalf("grandchild survived Kill of the session's group (%v)", err)
	}
	if code, err := wait(t, ctx, p); code != -9 || err != nil {
		t.Fatalf("got %d, %v", code, err)
	}
}

// TestSpawnCancelCycles starts and cancels children many times: no zombie,
// no descriptor and no goroutine may be left behind.
func TestSpawnCancelCycles(t *testing.T) {
	n := 1000
	if testing.Short() {
		n = 50
	}
	ctx, cancel := context.WithTimeout(t.Context(), 120*time.Second)
	defer cancel()
	cycle := func(i int) {
		pctx, cancel := context.WithCancel(ctx)
		p, err := proc.Exec(pctx, "sleep", []string{"1000"},
			proc.Stdin(proc.Pipe), proc.Stdout(proc.Pipe), proc.Stderr(proc.Pipe))
		if err != nil {
			cancel()
			t.Fatalf("cycle %d: %v", i, err)
		}
		cancel()
		if i%2 == 0 {
			out, errOut, err := p.Communicate(ctx, nil)
			if len(out) != 0 || len(errOut) != 0 || !errors.Is(err, context.Canceled) {
				t.Fatalf("cycle %d: Communicate: %q, %q, %v", i, out, errOut, err)
			}
		} else {
			code, err := p.Wait(ctx)
			if code != -15 || !errors.Is(err, context.Canceled) {
				t.Fatalf("cycle %d: Wait: %d, %v", i, code, err)
			}
			for _, r := range []interface {
				ReadN(context.Context, int) ([]byte, error)
			}{p.Stdout, p.Stderr} {
				if b, err := r.ReadN(ctx, -1); len(b) != 0 || err != io.EOF {
					t.Fatalf("cycle %d: read: %q, %v", i, b, err)
				}
			}
		}
		if code, ok := p.ReturnCode(); code != -15 || !ok {
			t.Fatalf("cycle %d: ReturnCode %d, %v", i, code, ok)
		}
	}
	for i := range 4 { // warm up: the runtime opens its own descriptors once
		cycle(i)
	}
	fds0, err := openFDs()
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Now()
	for i := range n {
		cycle(i)
	}
	t.Logf("%d cycles in %v", n, time.Since(t0))
	if fds, _ := openFDs(); fds > fds0 {
		t.Errorf("open descriptors: %d before, %d after", fds0, fds)
	}
	kids, err := children()
	if err != nil {
		t.Fatal(err)
	}
	for _, pid := range kids {
		st, _, _ := procStat(pid)
		t.Errorf("child %d left behind, state %c", pid, st)
	}
	goleak.VerifyNone(t)
}
