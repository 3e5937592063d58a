package proc

import (
	"fmt"
	"io"
	"os"
	"reflect"
	"strings"
	"time"

	"github.com/netaio/aio/stream"
)

// DefaultKillGrace is the time a cancelled child's process group has between
// SIGTERM and SIGKILL when WithKillGrace is not given.
const DefaultKillGrace = 5 * time.Second

// minWaitDelay is the least time Wait gives the output of an exited child to
// be copied (see WithKillGrace): a grace of zero must not cut off output the
// child wrote before it exited.
const minWaitDelay = 100 * time.Millisecond

// A Redirect says what a standard stream of the child is connected to, when
// it is not one of the caller's io.Reader, io.Writer or *os.File. The names
// are asyncio's: None, PIPE, DEVNULL and STDOUT.
type Redirect int

const (
	// Inherit gives the child the parent's stream (os.Stdin, os.Stdout or
	// os.Stderr as they are when the child starts): asyncio's None, and the
	// default of Exec and Shell.
	Inherit Redirect = iota
	// Pipe connects the stream to a new pipe whose other end is
	// Process.Stdin (a *stream.Writer), Process.Stdout or Process.Stderr (a
	// *stream.Reader).
	Pipe
	// DevNull connects the stream to the null device (os.DevNull).
	DevNull
	// ToStdout, for Stderr only, sends the child's standard error wherever
	// its standard output goes, as the shell's 2>&1 does.
	ToStdout
)

func (r Redirect) String() string {
	switch r {
	case Inherit:
		return "Inherit"
	case Pipe:
		return "Pipe"
	case DevNull:
		return "DevNull"
	case ToStdout:
		return "ToStdout"
	}
	return fmt.Sprintf("Redirect(%d)", int(r))
}

// An Option configures the child of Exec, Shell or Start. Options are checked
// by the call they are given to: a bad value is an error wrapping
// ErrInvalidOption from that call, and no process is started. When an option
// is given twice, the last one wins.
type Option interface {
	apply(*config) error
}

type option func(*config) error

func (o option) apply(c *config) error { return o(c) }

// stdio is what one of the child's standard streams is connected to.
type stdio struct {
	set      bool
	redirect Redirect
	file     *os.File  // the caller's file
	reader   io.Reader // the caller's reader (stdin)
	writer   io.Writer // the caller's writer (stdout, stderr)
}

type config struct {
	stdio    [3]stdio
	limit    int
	limitSet bool
	dir      string
	dirSet   bool
	env      []string
	envSet   bool
	group    int8 // 0: the platform's default, 1: asked for, -1: declined
	grace    time.Duration
	graceSet bool
}

func newConfig(opts []Option) (*config, error) {
	c := &config{limit: stream.DefaultLimit, grace: DefaultKillGrace}
	for _, o := range opts {
		if o == nil {
			continue
		}
		if err := o.apply(c); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// The indexes of the standard streams in config.stdio.
const (
	fdIn = iota
	fdOut
	fdErr
)

var stdioNames = [3]string{"Stdin", "Stdout", "Stderr"}

// Stdin connects the child's standard input to src: Inherit (the default),
// Pipe, DevNull, an *os.File, or any io.Reader, which a goroutine of os/exec
// copies into the child until EOF. With Pipe, Process.Stdin is the writing
// end. Such an io.Reader must come to an end: os/exec waits for its copy
// to finish, and so does Wait, even after the child has exited.
func Stdin(src any) Option { return stdioOption(fdIn, src) }

// Stdout connects the child's standard output to dst: Inherit (the default),
// Pipe, DevNull, an *os.File, or any io.Writer, which a goroutine of os/exec
// fills with what the child writes. With Pipe, Process.Stdout is the reading
// end.
func Stdout(dst any) Option { return stdioOption(fdOut, dst) }

// Stderr connects the child's standard error to dst: as Stdout, plus
// ToStdout. With Pipe, Process.Stderr is the reading end.
func Stderr(dst any) Option { return stdioOption(fdErr, dst) }

func stdioOption(fd int, v any) Option {
	return option(func(c *config) error {
		s, err := checkStdio(fd, v)
		if err != nil {
			return err
		}
		c.stdio[fd] = s
		return nil
	})
}

func checkStdio(fd int, v any) (stdio, error) {
	name := stdioNames[fd]
	if v == nil || isNilPointer(v) {
		return stdio{}, fmt.Errorf("%w: %s(nil): use Inherit, Pipe or DevNull", ErrInvalidOption, name)
	}
	switch x := v.(type) {
	case Redirect:
		switch {
		case x < Inherit || x > ToStdout:
			return stdio{}, fmt.Errorf("%w: %s(%v)", ErrInvalidOption, name, x)
		case x == ToStdout && fd != fdErr:
			return stdio{}, fmt.Errorf("%w: ToStdout is for Stderr only, not %s", ErrInvalidOption, name)
		}
		return stdio{set: true, redirect: x}, nil
	case *os.File:
		return stdio{set: true, file: x}, nil
	case io.Reader:
		if fd == fdIn {
			return stdio{set: true, reader: x}, nil
		}
	}
	if w, ok := v.(io.Writer); ok && fd != fdIn {
		return stdio{set: true, writer: w}, nil
	}
	want := "io.Writer"
	if fd == fdIn {
		want = "io.Reader"
	}
	return stdio{}, fmt.Errorf("%w: %s(%T): want a Redirect, an *os.File or an %s", ErrInvalidOption, name, v, want)
}

// isNilPointer reports whether v holds a nil pointer (or map, chan, func...),
// which os/exec would only find by crashing in a copying goroutine.
func isNilPointer(v any) bool {
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Pointer, reflect.Map, reflect.Chan, reflect.Func, reflect.Slice:
		return rv.IsNil()
	}
	return false
}

// WithLimit sets the buffer limit of the Readers Process.Stdout and
// Process.Stderr (asyncio's limit=): the longest line ReadLine accepts. n
// must be > 0; the default is stream.DefaultLimit (64 KiB).
func WithLimit(n int) Option {
	return option(func(c *config) error {
		if n <= 0 {
			return fmt.Errorf("%w: limit %d must be > 0", ErrInvalidOption, n)
		}
		c.limit, c.limitSet = n, true
		return nil
	})
}

// WithDir runs the child in the directory dir (asyncio's cwd=). dir must not
// be empty; a relative dir is taken from the parent's working directory.
func WithDir(dir string) Option {
	return option(func(c *config) error {
		if dir == "" || strings.IndexByte(dir, 0) >= 0 {
			return fmt.Errorf("%w: directory %q", ErrInvalidOption, dir)
		}
		c.dir, c.dirSet = dir, true
		return nil
	})
}

// WithEnv gives the child exactly the environment env, each entry
// "KEY=value" (asyncio's env=). Unlike exec.Cmd.Env, an empty or nil env
// means an empty environment; to add to the parent's, pass
// append(os.Environ(), "KEY=value"). Without WithEnv the child inherits the
// parent's environment.
func WithEnv(env []string) Option {
	return option(func(c *config) error {
		for _, kv := range env {
			if !strings.Contains(kv, "=") || strings.IndexByte(kv, 0) >= 0 {
				return fmt.Errorf("%w: environment entry %q: want KEY=value", ErrInvalidOption, kv)
			}
		}
		c.env = append(make([]string, 0, len(env)), env...)
		c.envSet = true
		return nil
	})
}

// WithProcessGroup says whether the child runs in a process group of its own
// (on by default where there are process groups). Signals and cancellation
// then go to the whole group, so that the children the child starts (a
// shell's commands, say) are stopped with it. WithProcessGroup(true) is an
// error on Windows, which has no process groups.
func WithProcessGroup(on bool) Option {
	return option(func(c *config) error {
		if on {
			c.group = 1
		} else {
			c.group = -1
		}
		return nil
	})
}

// WithKillGrace sets how long a child has to end once asked to. When the
// ctx of Exec ends, the child's group gets SIGTERM, then SIGKILL d later if
// the child still runs; with d == 0 it gets SIGKILL at once. Once the child
// has exited, Wait gives the copies to or from an io.Reader or io.Writer
// that is not a file d (at least 100 ms) to finish, and Communicate gives
// Stdout and Stderr as long to reach EOF: longer than that, a grandchild
// keeps them open. d must be >= 0; the default is DefaultKillGrace.
func WithKillGrace(d time.Duration) Option {
	return option(func(c *config) error {
		if d < 0 {
			return fmt.Errorf("%w: kill grace %v must be >= 0", ErrInvalidOption, d)
		}
		c.grace, c.graceSet = d, true
		return nil
	})
}
