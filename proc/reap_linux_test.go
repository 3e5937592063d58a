//go:build linux

package proc_test

import (
	"context"
	"errors"
	"os"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/netaio/aio/proc"
)

// exitedChild starts the helper "exit 0" under ctx with nothing that reaps
// it (no Wait yet) and returns once it has exited: a zombie.
func exitedChild(t *testing.T, ctx context.Context) *proc.Process {
	t.Helper()
	p, err := proc.Exec(ctx, exe(t), []string{"exit", "0"},
		proc.Stdin(proc.DevNull), proc.Stdout(proc.DevNull), proc.Stderr(proc.DevNull))
	if err != nil {
		t.Fatal(err)
	}
	if gone, err := waitGone(p.PID(), 10*time.Second); !gone || err != nil {
		t.Fatalf("child %d did not exit: %v", p.PID(), err)
	}
	if st, _, err := procStat(p.PID()); err != nil || st != 'Z' {
		t.Fatalf("child %d: state %q, %v; want a zombie, as nothing reaped it yet", p.PID(), st, err)
	}
	return p
}

// A child that has exited, not yet reaped, is not signalled: its pid is
// still its own, but it is done.
func TestSignalExitedUnreaped(t *testing.T) {
	p := exitedChild(t, context.Background())
	for _, sig := range []os.Signal{syscall.Signal(0), syscall.SIGTERM, os.Kill} {
		if err := p.SendSignal(sig); !errors.Is(err, os.ErrProcessDone) {
			t.Errorf("SendSignal(%v) after exit: %v, want os.ErrProcessDone", sig, err)
		}
	}
	if code, err := p.Wait(context.Background()); code != 0 || err != nil {
		t.Fatalf("Wait: %d, %v", code, err)
	}
	if _, _, err := procStat(p.PID()); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("child %d still in /proc after Wait: %v", p.PID(), err)
	}
}

// ReturnCode starts the reaper: polling it without Wait, as asyncio code
// polls returncode, sees the child's end.
func TestReturnCodeReaps(t *testing.T) {
	p := exitedChild(t, context.Background())
	deadline := time.Now().Add(10 * time.Second)
	for {
		if code, ok := p.ReturnCode(); ok {
			if code != 0 {
				t.Fatalf("ReturnCode: %d", code)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("ReturnCode never reported the exit")
		}
		runtime.Gosched()
	}
	if _, _, err := procStat(p.PID()); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("child %d still in /proc once ReturnCode reports: %v", p.PID(), err)
	}
}

// A Process dropped without Wait does not leave a zombie behind for good:
// the garbage collector's cleanup reaps its child.
func TestDroppedProcessReaped(t *testing.T) {
	pid := exitedChild(t, context.Background()).PID()
	deadline := time.Now().Add(10 * time.Second)
	for {
		runtime.GC()
		if _, _, err := procStat(pid); errors.Is(err, os.ErrNotExist) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("child %d of a dropped Process not reaped", pid)
		}
		runtime.Gosched()
	}
}

// Exec's ctx ending after the child exited, unreaped, does not count as
// stopping it. (Which of the ctx's watch and Wait's reaper runs first
// varies: a few rounds give both orders a chance.)
func TestCancelAfterExitUnreaped(t *testing.T) {
	for range 20 {
		ctx, cancel := context.WithCancel(context.Background())
		p := exitedChild(t, ctx)
		cancel()
		runtime.Gosched() // let the ctx's watch start first, this time or another
		if code, err := p.Wait(testCtx(t)); code != 0 || err != nil {
			t.Fatalf("Wait: %d, %v; want 0, nil", code, err)
		}
	}
}
