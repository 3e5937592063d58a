package signals_test

import (
	"context"
	"errors"
	"os"
	"syscall"
	"testing"

	"github.com/netaio/aio/signals"
)

// fakeSignal is an os.Signal that no operating system delivers.
type fakeSignal string

func (s fakeSignal) String() string { return string(s) }
func (fakeSignal) Signal()          {}

func TestAddErrors(t *testing.T) {
	nop := func(os.Signal) {}
	tests := []struct {
		name string
		sig  os.Signal
		fn   func(os.Signal)
		want error
	}{
		{"nil signal", nil, nop, signals.ErrInvalidSignal},
		{"not a syscall.Signal", fakeSignal("fake"), nop, signals.ErrInvalidSignal},
		{"os.Kill", os.Kill, nop, signals.ErrUncatchable},
		{"syscall.SIGKILL", syscall.SIGKILL, nop, signals.ErrUncatchable},
		{"nil handler", os.Interrupt, nil, signals.ErrNilHandler},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := signals.Add(tt.sig, tt.fn)
			if !errors.Is(err, tt.want) {
				t.Fatalf("Add: got %v, want %v", err, tt.want)
			}
			if signals.Remove(tt.sig) {
				t.Errorf("Remove after a failed Add: got true, want false")
			}
		})
	}
}

func TestContextInvalidSignal(t *testing.T) {
	for _, sig := range []os.Signal{nil, os.Kill, fakeSignal("fake")} {
		ctx, stop := signals.Context(context.Background(), os.Interrupt, sig)
		select {
		case <-ctx.Done():
		default:
			t.Fatalf("Context(%v): ctx not done, want done at once", sig)
		}
		var se *signals.SignalError
		cause := context.Cause(ctx)
		if errors.As(cause, &se) {
			t.Errorf("Context(%v): cause %v is a *SignalError", sig, cause)
		}
		if !errors.Is(cause, signals.ErrInvalidSignal) && !errors.Is(cause, signals.ErrUncatchable) {
			t.Errorf("Context(%v): got cause %v, want ErrInvalidSignal or ErrUncatchable", sig, cause)
		}
		stop()
		if got := context.Cause(ctx); got != cause {
			t.Errorf("cause after stop: got %v, want %v", got, cause)
		}
	}
}

func TestContextParentDone(t *testing.T) {
	parent, cancel := context.WithCancelCause(context.Background())
	errParent := errors.New("parent gave up")
	cancel(errParent)
	ctx, stop := signals.Context(parent, os.Interrupt)
	defer stop()
	select {
	case <-ctx.Done():
	default:
		t.Fatal("ctx not done, want done with its parent")
	}
	if got := context.Cause(ctx); got != errParent {
		t.Errorf("cause: got %v, want %v", got, errParent)
	}
}

func TestSignalError(t *testing.T) {
	var err error = &signals.SignalError{Signal: os.Interrupt}
	if got, want := err.Error(), "signals: received interrupt"; got != want {
		t.Errorf("Error: got %q, want %q", got, want)
	}
	var se *signals.SignalError
	if !errors.As(errors.Join(errors.New("other"), err), &se) || se.Signal != os.Interrupt {
		t.Errorf("errors.As: got %v, want the *SignalError for interrupt", se)
	}
}
