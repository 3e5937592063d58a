package executor_test

import (
	"context"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// bound is how long any single wait in these tests may take before the test
// is failed instead of hanging.
const bound = 10 * time.Second

// testCtx returns a ctx that ends after bound, so that a bug shows up as a
// failure rather than a hang.
func testCtx(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), bound)
	t.Cleanup(cancel)
	return ctx
}

// recv waits for ch to be closed (or to deliver), failing the test after bound.
func recv[T any](t testing.TB, ch <-chan T, what string) T {
	t.Helper()
	timer := time.NewTimer(bound)
	defer timer.Stop()
	select {
	case v := <-ch:
		return v
	case <-timer.C:
		t.Fatalf("timed out waiting for %s", what)
		panic("unreachable")
	}
}

// notDone fails the test if ch is closed or ready.
func notDone(t testing.TB, ch <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-ch:
		t.Fatalf("%s is done, want pending", what)
	default:
	}
}

// gate is a channel-based latch: fns block on Wait until Open.
type gate chan struct{}

func newGate() gate               { return make(gate) }
func (g gate) Open()              { close(g) }
func (g gate) C() <-chan struct{} { return g }

// block returns work that signals started, then blocks until its ctx ends
// or release is closed, returning v on release and ctx.Err() on cancel.
func block[T any](started chan<- struct{}, release <-chan struct{}, v T) func(context.Context) (T, error) {
	return func(ctx context.Context) (T, error) {
		if started != nil {
			started <- struct{}{}
		}
		select {
		case <-release:
			return v, nil
		case <-ctx.Done():
			var zero T
			return zero, ctx.Err()
		}
	}
}

// await blocks until ch is closed or ctx ends, for work that waits on a
// gate: its ctx derives from testCtx, so the wait is bounded too.
func await(ctx context.Context, ch <-chan struct{}) error {
	select {
	case <-ch:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// value returns work that returns v at once.
func value[T any](v T) func(context.Context) (T, error) {
	return func(context.Context) (T, error) { return v, nil }
}

// fail returns work that returns err at once.
func fail[T any](err error) func(context.Context) (T, error) {
	return func(context.Context) (T, error) {
		var zero T
		return zero, err
	}
}
