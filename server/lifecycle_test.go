package server_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/netaio/aio/server"
)

// model is what a Server's state should be after a sequence of calls.
type model struct {
	serving bool // StartServing or ServeForever was called
	closed  bool
	live    bool // the test's client is still being served
}

// lifecycleCall makes one call on s and checks its result against m,
// which it updates.
type lifecycleCall struct {
	name string
	do   func(t *testing.T, s *server.Server, m *model) error
}

var lifecycleCalls = []lifecycleCall{
	{"StartServing", func(t *testing.T, s *server.Server, m *model) error {
		err := s.StartServing()
		if m.closed {
			return want(err, server.ErrServerClosed)
		}
		m.serving = true
		return want(err, nil)
	}},
	{"Close", func(t *testing.T, s *server.Server, m *model) error {
		m.closed = true
		return want(s.Close(), nil)
	}},
	{"CloseClients", func(t *testing.T, s *server.Server, m *model) error {
		s.CloseClients()
		m.live = false
		return nil
	}},
	{"AbortClients", func(t *testing.T, s *server.Server, m *model) error {
		s.AbortClients()
		m.live = false
		return nil
	}},
	{"WaitClosed", func(t *testing.T, s *server.Server, m *model) error {
		if m.closed && !m.live {
			return want(s.WaitClosed(testCtx(t, 5*time.Second)), nil)
		}
		return want(s.WaitClosed(cancelled), context.Canceled)
	}},
	{"Shutdown", func(t *testing.T, s *server.Server, m *model) error {
		m.closed = true
		if m.live {
			// Shutdown would wait for the client: give it a ctx that
			// has ended, so that it aborts the client at once.
			m.live = false
			return want(s.Shutdown(cancelled), context.Canceled)
		}
		return want(s.Shutdown(testCtx(t, 5*time.Second)), nil)
	}},
	{"ServeForever", func(t *testing.T, s *server.Server, m *model) error {
		if m.closed {
			return want(s.ServeForever(cancelled), server.ErrServerClosed)
		}
		m.closed, m.live = true, false
		return want(s.ServeForever(cancelled), context.Canceled)
	}},
}

var cancelled = func() context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	return ctx
}()

func want(got, want error) error {
	if (want == nil && got != nil) || (want != nil && !errors.Is(got, want)) {
		return fmt.Errorf("got %v, want %v", got, want)
	}
	return nil
}

// check compares what s reports with m.
func (m *model) check(s *server.Server) error {
	if got, want := s.IsServing(), m.serving && !m.closed; got != want {
		return fmt.Errorf("IsServing: got %v, want %v", got, want)
	}
	if got := s.Addrs(); (got == nil) != m.closed {
		return fmt.Errorf("Addrs: got %v with closed=%v", got, m.closed)
	}
	return nil
}

// TestLifecycleEveryOrder calls every lifecycle method in every order
// (7! orders), each sequence twice in a row, on a fresh server each time,
// and checks every result and IsServing and Addrs after every call. It
// runs once on an idle unix server that starts without serving, and once
// on a TCP server with a client being served; every server must end with
// no goroutine left (goleak, at the end of the package).
func TestLifecycleEveryOrder(t *testing.T) {
	perms := permutations(len(lifecycleCalls))
	variants := []struct {
		name   string
		client bool
	}{{"idle unix", false}, {"tcp with client", true}}
	for _, v := range variants {
		t.Run(v.name, func(t *testing.T) {
			for _, p := range perms {
				if err := runSequence(t, p, v.client); err != nil {
					t.Fatal(err)
				}
			}
			t.Logf("%d orders, each twice", len(perms))
		})
	}
}

func runSequence(t *testing.T, order []int, client bool) error {
	var names []string
	for _, i := range order {
		names = append(names, lifecycleCalls[i].name)
	}
	seq := strings.Join(names, ", ")
	var s *server.Server
	var err error
	m := &model{}
	if client {
		s, err = server.Start(context.Background(), "tcp", "127.0.0.1:0", echoLines)
		m.serving = true
	} else {
		s, err = server.StartUnix(context.Background(), unixPath(t), echoLines, server.WithStartServing(false))
	}
	if err != nil {
		return err
	}
	defer finish(t, s)
	if client {
		c := dial(t, s.Addrs()[0])
		defer c.Close()
		roundTrip(t, c, "hi\n")
		m.live = true
	}
	for round := range 2 {
		for _, i := range order {
			call := lifecycleCalls[i]
			if err := call.do(t, s, m); err != nil {
				return fmt.Errorf("[%s] round %d, %s: %v", seq, round+1, call.name, err)
			}
			if err := m.check(s); err != nil {
				return fmt.Errorf("[%s] round %d, after %s: %v", seq, round+1, call.name, err)
			}
		}
	}
	return nil
}

// permutations returns every order of 0..n-1 (Heap's algorithm).
func permutations(n int) [][]int {
	a := make([]int, n)
	for i := range a {
		a[i] = i
	}
	var out [][]int
	var gen func(k int)
	gen = func(k int) {
		if k == 1 {
			out = append(out, append([]int(nil), a...))
			return
		}
		gen(k - 1)
		for i := 0; i < k-1; i++ {
			if k%2 == 0 {
				a[i], a[k-1] = a[k-1], a[i]
			} else {
				a[0], a[k-1] = a[k-1], a[0]
			}
			gen(k - 1)
		}
	}
	gen(n)
	return out
}

func TestPermutations(t *testing.T) {
	ps := permutations(4)
	seen := map[string]bool{}
	for _, p := range ps {
		seen[fmt.Sprint(p)] = true
	}
	if len(ps) != 24 || len(seen) != 24 {
		t.Fatalf("got %d permutations, %d distinct; want 24", len(ps), len(seen))
	}
}
