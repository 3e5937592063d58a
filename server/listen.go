package server

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"strings"
	"sync"
	"syscall"
)

// listener is one listening socket of a Server.
type listener struct {
	net.Listener
	// path and file identify the socket file StartUnix created, to be
	// removed on close if it is still the same file. Empty when there is
	// nothing to clean up.
	path string
	file fs.FileInfo

	once sync.Once
	err  error
}

// close closes the socket once, then removes the socket file if it is
// still ours: another server may have replaced it meanwhile, and its file
// is not ours to remove. Closing a listener that its owner (Serve's
// caller) has already closed is not an error.
func (l *listener) close() error {
	l.once.Do(func() {
		if err := l.Listener.Close(); err != nil && !errors.Is(err, net.ErrClosed) {
			l.err = err
		}
		if l.path == "" {
			return
		}
		if fi, err := os.Lstat(l.path); err == nil && os.SameFile(l.file, fi) {
			if err := os.Remove(l.path); err != nil && !errors.Is(err, fs.ErrNotExist) && l.err == nil {
				l.err = err
			}
		}
	})
	return l.err
}

// listenTCP binds every address of the comma-separated list.
func listenTCP(ctx context.Context, network, address string, c *config) ([]*listener, error) {
	lc := net.ListenConfig{}
	if c.reusePort {
		lc.Control = setReusePort
	}
	if c.set&optKeepAlive != 0 {
		lc.KeepAliveConfig = c.keepAlive
		if !c.keepAlive.Enable {
			lc.KeepAlive = -1 // what turns off Go's default probes
		}
	}
	var lns []*listener
	for _, a := range strings.Split(address, ",") {
		a = strings.TrimSpace(a)
		if a == "" && address != "" {
			closeAll(lns)
			return nil, fmt.Errorf("server: empty address in the list %q", address)
		}
		l, err := lc.Listen(ctx, network, a)
		if err != nil {
			closeAll(lns)
			return nil, err
		}
		lns = append(lns, &listener{Listener: l})
		if c.backlog > 0 {
			if err := setBacklog(l, c.backlog); err != nil {
				closeAll(lns)
				return nil, err
			}
		}
	}
	return lns, nil
}

// listenUnix binds the unix socket at path.
func listenUnix(ctx context.Context, path string, c *config) (*listener, error) {
	if path == "" {
		return nil, fmt.Errorf("%w: empty unix socket path", ErrInvalidOption)
	}
	// A path starting with "@" names a Linux abstract socket: no file.
	abstract := path[0] == '@'
	if c.unixCleanup && !abstract {
		if err := removeStale(ctx, path); err != nil {
			return nil, err
		}
	}
	var lc net.ListenConfig
	l, err := lc.Listen(ctx, "unix", path)
	if err != nil {
		return nil, err
	}
	ln := &listener{Listener: l}
	if ul, ok := l.(*net.UnixListener); ok {
		// Go would unlink the path on Close even if the file is no longer
		// ours; listener.close checks first.
		ul.SetUnlinkOnClose(false)
	}
	if c.unixCleanup && !abstract {
		fi, err := os.Lstat(path)
		if err != nil {
			l.Close()
			return nil, err
		}
		ln.path, ln.file = path, fi
	}
	if c.backlog > 0 {
		if err := setBacklog(l, c.backlog); err != nil {
			ln.close()
			return nil, err
		}
	}
	return ln, nil
}

// removeStale removes a socket file at path that no server listens on any
// more. It leaves alone, with an error, anything else at path: a live
// socket (asyncio would remove it and steal the address), a file that is
// not a socket, a socket it cannot probe. Whether a server listens is
// learnt by connecting: a refused connection means none does. (On macOS
// and the BSDs a live server whose backlog is full refuses too; its file
// would be taken for stale. Linux answers EAGAIN then, which is kept.)
func removeStale(ctx context.Context, path string) error {
	fi, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if fi.Mode().Type() != fs.ModeSocket {
		return fmt.Errorf("server: listen unix %s: the path exists and is not a socket: %w", path, syscall.EADDRINUSE)
	}
	var d net.Dialer
	c, err := d.DialContext(ctx, "unix", path)
	if err == nil {
		c.Close()
		return fmt.Errorf("server: listen unix %s: a server is listening there: %w", path, syscall.EADDRINUSE)
	}
	if !isConnRefused(err) {
		return fmt.Errorf("server: listen unix %s: cannot tell whether the socket there is in use: %w", path, err)
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}

func closeAll(lns []*listener) {
	for _, l := range lns {
		l.close()
	}
}
