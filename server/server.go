package server

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"runtime/debug"
	"sync"
	"time"

	"golang.org/x/sync/semaphore"

	"github.com/netaio/aio/stream"
)

// Sentinel errors. Compare with errors.Is.
var (
	// ErrServerClosed is returned by StartServing and ServeForever once
	// Close has been called, and by ServeForever when another goroutine's
	// Close ends it.
	ErrServerClosed = errors.New("server: closed")
	// ErrServingForever is returned by ServeForever while another call of
	// ServeForever on the same Server is running (asyncio raises
	// RuntimeError).
	ErrServingForever = errors.New("server: ServeForever is already running")
	// ErrInvalidOption is wrapped by every error about an option value, a
	// nil Handler, a bad network or an empty listener list.
	ErrInvalidOption = errors.New("server: invalid option")
)

// A Handler serves one connection: it is asyncio's client_connected_cb.
// It is called on a goroutine of its own, one per connection, with the
// connection's Reader and Writer. When it returns, the Writer is closed:
// what it queued is sent, then the connection is closed. A Handler that
// panics is recovered: the panic and its stack are logged at error level
// through the server's logger and only its own connection is aborted
// (what it queued is dropped: it may be half a reply).
//
// ctx carries the values of the ctx given to Start, StartUnix or Serve. It
// is cancelled when the server tells its clients to stop: by CloseClients
// and AbortClients, and so at the end of ServeForever and at Shutdown's
// deadline. Every blocking call of the Reader and Writer honours it. It is
// not cancelled by Close, which only stops accepting, nor when the peer
// goes away: the Reader reports that (io.EOF).
type Handler func(ctx context.Context, r *stream.Reader, w *stream.Writer)

// A Server accepts connections on one or more listeners and calls its
// Handler for each; it is asyncio's Server. Its methods are safe for
// concurrent use, and each may be called any number of times, in any
// order.
type Server struct {
	h          Handler
	cfg        *config
	streamOpts []stream.Option
	// base is the Start ctx without its cancellation: the parent of every
	// handler's ctx.
	base context.Context
	// keepAlive says to set the keep-alive probes on each connection
	// (Serve's listeners were not made with them).
	keepAlive bool
	sem       *semaphore.Weighted // WithMaxConns, or nil
	// acceptCtx ends at Close, waking an accept loop waiting in sem.
	acceptCtx  context.Context
	stopAccept context.CancelFunc

	mu      sync.Mutex
	lns     []*listener
	serving bool // the accept loops have been started
	forever bool // a ServeForever is running
	closed  bool // Close was called
	lnDown  bool // ... and has closed the listeners
	// gen gives its ctx to the connections accepted from now on;
	// CloseClients and AbortClients cancel it and start a new one, so
	// that a connection accepted afterwards is not born cancelled.
	gen *generation
	// conns is the sentinel of the circular list of live connections:
	// intrusive, so tracking a connection allocates nothing more.
	conns conn
	// active counts the accept loops and connection goroutines running.
	active   int
	closedCh chan struct{} // closed by Close
	done     chan struct{} // closed once lnDown && active == 0
}

// conn is the server's record of one connection. Its list links, c, r,
// w (once set), closing and aborted are guarded by Server.mu.
type conn struct {
	prev, next *conn
	srv        *Server
	ctx        connCtx  // the handler's ctx
	c          net.Conn // the accepted connection, until w exists
	r          *stream.Reader
	w          *stream.Writer // nil until the TLS handshake is done
	closing    bool           // CloseClients reached it
	aborted    bool           // AbortClients reached it
}

// Start listens on address and serves each connection with h on its own
// goroutine (asyncio's start_server). network is "tcp", "tcp4", "tcp6", or
// "unix" (as StartUnix). address is host:port as for net.Listen; port 0
// picks a free port, which Addrs tells. Several addresses separated by
// commas, such as "127.0.0.1:8080,[::1]:8080", bind one socket each
// (asyncio's sequence of hosts); if one fails, none stays bound. A host
// name binds the first address it resolves to, as net.Listen does.
//
// ctx bounds the binding; its values, not its cancellation, are passed on
// to the handlers. Unless WithStartServing(false) is given, the server is
// accepting when Start returns. It accepts every option but
// WithUnixCleanup (and, for "unix", WithKeepAlive and WithReusePort).
func Start(ctx context.Context, network, address string, h Handler, opts ...Option) (*Server, error) {
	switch network {
	case "unix":
		return StartUnix(ctx, address, h, opts...)
	case "tcp", "tcp4", "tcp6":
	default:
		return nil, fmt.Errorf("%w: network %q: want tcp, tcp4, tcp6 or unix", ErrInvalidOption, network)
	}
	if h == nil {
		return nil, fmt.Errorf("%w: nil Handler", ErrInvalidOption)
	}
	c, err := newConfig(tcpOpts, "a tcp server", opts)
	if err != nil {
		return nil, err
	}
	lns, err := listenTCP(ctx, network, address, c)
	if err != nil {
		return nil, err
	}
	return newServer(ctx, h, c, lns, false), nil
}

// StartUnix listens on the unix socket at path (asyncio's
// start_unix_server); on Linux a path starting with "@" names an abstract
// socket, which has no file. With WithUnixCleanup on (the default), a
// stale socket file at path is replaced, a live one is an error, and Close
// removes the file if it is still this server's. It accepts every option
// but WithKeepAlive and WithReusePort. See Start for ctx.
func StartUnix(ctx context.Context, path string, h Handler, opts ...Option) (*Server, error) {
	if h == nil {
		return nil, fmt.Errorf("%w: nil Handler", ErrInvalidOption)
	}
	c, err := newConfig(unixOpts, "a unix server", opts)
	if err != nil {
		return nil, err
	}
	l, err := listenUnix(ctx, path, c)
	if err != nil {
		return nil, err
	}
	return newServer(ctx, h, c, []*listener{l}, false), nil
}

// Serve serves the connections of listeners that the caller has bound
// (asyncio's sock=). On success the Server owns them: Close closes them.
// On error they are left as they were. It accepts every option but
// WithReusePort and WithUnixCleanup; WithBacklog needs listeners with a
// socket (*net.TCPListener, *net.UnixListener). See Start for ctx.
func Serve(ctx context.Context, listeners []net.Listener, h Handler, opts ...Option) (*Server, error) {
	if h == nil {
		return nil, fmt.Errorf("%w: nil Handler", ErrInvalidOption)
	}
	if len(listeners) == 0 {
		return nil, fmt.Errorf("%w: no listener", ErrInvalidOption)
	}
	c, err := newConfig(serveOpts, "Serve", opts)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	lns := make([]*listener, len(listeners))
	for i, l := range listeners {
		if l == nil {
			return nil, fmt.Errorf("%w: listener %d is nil", ErrInvalidOption, i)
		}
		if c.backlog > 0 {
			if err := setBacklog(l, c.backlog); err != nil {
				return nil, err
			}
		}
		lns[i] = &listener{Listener: l}
	}
	return newServer(ctx, h, c, lns, c.set&optKeepAlive != 0), nil
}

func newServer(ctx context.Context, h Handler, c *config, lns []*listener, keepAlive bool) *Server {
	s := &Server{
		h:         h,
		cfg:       c,
		base:      context.WithoutCancel(ctx),
		keepAlive: keepAlive,
		lns:       lns,
		closedCh:  make(chan struct{}),
		done:      make(chan struct{}),
	}
	if c.set&optLimit != 0 {
		s.streamOpts = []stream.Option{stream.WithLimit(c.limit)}
	}
	if c.maxConns > 0 {
		s.sem = semaphore.NewWeighted(int64(c.maxConns))
	}
	s.acceptCtx, s.stopAccept = context.WithCancel(context.Background())
	s.conns.prev, s.conns.next = &s.conns, &s.conns
	s.gen = newGeneration(s.base)
	if c.startServing {
		s.mu.Lock()
		s.startLocked()
		s.mu.Unlock()
	}
	return s
}

// Addrs returns the addresses the server is bound to, with the port the
// system chose where port 0 was asked (asyncio's sockets). After Close it
// returns nil: nothing is bound any more.
func (s *Server) Addrs() []net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	addrs := make([]net.Addr, len(s.lns))
	for i, l := range s.lns {
		addrs[i] = l.Addr()
	}
	return addrs
}

// StartServing starts accepting connections, if the server is not already
// accepting (asyncio's start_serving; needed only after
// WithStartServing(false)). It returns ErrServerClosed after Close, else
// nil.
func (s *Server) StartServing() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrServerClosed
	}
	s.startLocked()
	return nil
}

func (s *Server) startLocked() {
	if s.serving {
		return
	}
	s.serving = true
	for _, l := range s.lns {
		s.active++
		go s.acceptLoop(l)
	}
}

// IsServing reports whether the server is accepting connections: from
// StartServing (or a Start without WithStartServing(false)) until Close.
func (s *Server) IsServing() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.serving && !s.closed
}

// ServeForever accepts connections until ctx ends (asyncio's
// serve_forever), starting to accept if the server was not. When ctx
// ends it shuts the server down in one step: Close (no more accepting),
// then CloseClients (each handler's ctx is cancelled; what each Writer
// queued is sent and its connection closed), then it waits for every
// handler to return and every connection to be closed. Connections still
// sending after the close grace (WithCloseGrace, DefaultCloseGrace) are
// aborted. It then returns context.Cause(ctx).
//
// If another goroutine calls Close first, ServeForever returns
// ErrServerClosed at once and leaves the clients to that goroutine. It
// returns ErrServerClosed if the server is already closed, and
// ErrServingForever while another ServeForever runs.
//
// The wait after the grace has no bound: a handler that neither honours
// its ctx nor uses its Reader or Writer keeps ServeForever waiting, as it
// keeps its goroutine.
func (s *Server) ServeForever(ctx context.Context) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return ErrServerClosed
	}
	if s.forever {
		s.mu.Unlock()
		return ErrServingForever
	}
	s.forever = true
	s.startLocked()
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.forever = false
		s.mu.Unlock()
	}()

	select {
	case <-ctx.Done():
	case <-s.closedCh:
		if ctx.Err() == nil {
			return ErrServerClosed
		}
	}
	s.Close()
	s.CloseClients()
	if !s.waitDone(s.cfg.closeGrace) {
		s.AbortClients()
		<-s.done
	}
	return context.Cause(ctx)
}

// waitDone waits at most d for the server to be done.
func (s *Server) waitDone(d time.Duration) bool {
	select {
	case <-s.done:
		return true
	default:
	}
	if d <= 0 {
		return false
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-s.done:
		return true
	case <-t.C:
		return false
	}
}

// Close stops accepting: it closes the listeners (and removes the unix
// socket file, see WithUnixCleanup). Connections already accepted go on
// being served (asyncio's close); call CloseClients or AbortClients to end
// them, WaitClosed to wait for them. Close is idempotent: it returns the
// errors of closing the listeners the first time, nil afterwards.
func (s *Server) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	close(s.closedCh)
	lns := s.lns
	s.mu.Unlock()

	s.stopAccept()
	var errs []error
	for _, l := range lns {
		if err := l.close(); err != nil {
			errs = append(errs, err)
		}
	}
	s.mu.Lock()
	s.lnDown = true
	s.checkDoneLocked()
	s.mu.Unlock()
	return errors.Join(errs...)
}

// CloseClients closes every connection gracefully (asyncio's
// close_clients): it cancels the handlers' ctx and closes each Writer,
// which sends what is queued and then closes the connection. It does not
// wait (see WaitClosed). Call Close first, or clients accepted meanwhile
// are served as usual: they get a ctx of their own that CloseClients did
// not cancel. A connection whose peer never reads stays open until
// AbortClients.
func (s *Server) CloseClients() {
	ws, _, gen := s.reach(false)
	for _, w := range ws {
		w.Close()
	}
	gen.cancel()
}

// AbortClients closes every connection at once, dropping what is queued
// (asyncio's abort_clients), and cancels the handlers' ctx. It does not
// wait for the handlers to return (see WaitClosed). A connection in its
// TLS handshake is closed too.
func (s *Server) AbortClients() {
	ws, cs, gen := s.reach(true)
	gen.cancel()
	for _, w := range ws {
		w.Abort()
	}
	for _, c := range cs {
		c.Close()
	}
}

// reach marks every live connection as closing (and aborted), starts a
// new generation and returns the old one with the Writers and, if abort,
// the bare connections (still in their handshake) to act on once the lock
// is released.
func (s *Server) reach(abort bool) ([]*stream.Writer, []net.Conn, *generation) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var ws []*stream.Writer
	var cs []net.Conn
	for cn := s.conns.next; cn != &s.conns; cn = cn.next {
		cn.closing = true
		cn.aborted = cn.aborted || abort
		switch {
		case cn.w != nil:
			ws = append(ws, cn.w)
		case abort && cn.c != nil:
			cs = append(cs, cn.c)
		}
	}
	old := s.gen
	s.gen = newGeneration(s.base)
	return ws, cs, old
}

// WaitClosed waits until the server is finished: Close has closed every
// listener, and every connection is over, i.e. its handler has returned
// and its socket is closed (after its queued output was sent, or by an
// abort). It returns nil then, or ctx's error if ctx ends first (asyncio's
// wait_closed). It closes nothing itself: before Close it waits for Close.
// If the server is finished and ctx has ended, it returns nil.
func (s *Server) WaitClosed(ctx context.Context) error {
	select {
	case <-s.done:
		return nil
	default:
	}
	select {
	case <-s.done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Shutdown closes the server gracefully: Close, then it waits for every
// handler to return and every connection to be closed (it does not tell
// the handlers to stop: a handler ends when its peer does, or when it
// chooses to). If ctx ends first, it calls AbortClients and returns ctx's
// error without waiting for the handlers to return; WaitClosed waits for
// them. Otherwise it returns the error of closing the listeners, if any.
// This is net/http's Server.Shutdown, notified rather than polling.
func (s *Server) Shutdown(ctx context.Context) error {
	err := s.Close()
	select {
	case <-s.done:
		return err
	default:
	}
	select {
	case <-s.done:
		return err
	case <-ctx.Done():
		s.AbortClients()
		return ctx.Err()
	}
}

// isClosed reports whether Close has been called.
func (s *Server) isClosed() bool {
	select {
	case <-s.closedCh:
		return true
	default:
		return false
	}
}

func (s *Server) checkDoneLocked() {
	if s.lnDown && s.active == 0 {
		select {
		case <-s.done:
		default:
			close(s.done)
		}
	}
}

// Accept errors such as EMFILE (no file descriptor left) are retried after
// a pause that starts at minAcceptDelay and doubles up to maxAcceptDelay,
// so that a server out of descriptors neither spins nor gives up.
const (
	minAcceptDelay = 5 * time.Millisecond
	maxAcceptDelay = time.Second
)

// acceptLoop accepts connections on l until Close; one goroutine per
// listener.
func (s *Server) acceptLoop(l *listener) {
	defer s.leave()
	var delay time.Duration
	var timer *time.Timer
	defer func() {
		if timer != nil {
			timer.Stop()
		}
	}()
	for {
		if s.sem != nil && s.sem.Acquire(s.acceptCtx, 1) != nil {
			return // Close
		}
		c, err := l.Accept()
		if err != nil {
			if s.sem != nil {
				s.sem.Release(1)
			}
			if s.isClosed() {
				return
			}
			if errors.Is(err, net.ErrClosed) {
				s.cfg.logger.Error("server: listener closed by its owner; no longer accepting on it",
					"addr", l.Addr().String())
				return
			}
			delay = min(max(2*delay, minAcceptDelay), maxAcceptDelay)
			s.cfg.logger.Warn("server: accept failed; retrying",
				"addr", l.Addr().String(), "err", err, "retry_in", delay)
			if timer == nil {
				timer = time.NewTimer(delay)
			} else {
				timer.Reset(delay)
			}
			select {
			case <-timer.C:
			case <-s.closedCh:
				return
			}
			continue
		}
		delay = 0
		cn := s.track(c)
		if cn == nil { // closed meanwhile
			c.Close()
			if s.sem != nil {
				s.sem.Release(1)
			}
			return
		}
		// The connection's goroutine: open, the handler, then finish
		// (deferred, so that it runs after a panic too). It is a closure
		// that keeps little in its frame and calls no wrapper, because
		// its frame stays under the handler's for the connection's whole
		// life. An idle connection is mostly its goroutine's stack, which
		// stays at its initial 2 KiB only if the deepest call chain of
		// the handler fits in about 1.1 KiB, and the runtime never shrinks
		// a grown stack back while a quarter of it (plus an 800-byte
		// allowance) is in use, which a goroutine parked in a read always
		// has. See connCtx for the other half of this.
		go func() {
			defer finish(cn)
			if cn.srv.open(cn) {
				cn.srv.h(&cn.ctx, cn.r, cn.w)
			}
		}()
	}
}

// track records a new connection, unless the server is closed.
func (s *Server) track(c net.Conn) *conn {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	cn := &conn{srv: s, c: c}
	cn.ctx.init(s.gen)
	cn.prev, cn.next = s.conns.prev, &s.conns
	cn.prev.next, s.conns.prev = cn, cn
	s.active++
	return cn
}

func (s *Server) untrack(cn *conn) {
	s.mu.Lock()
	cn.prev.next, cn.next.prev = cn.next, cn.prev
	cn.prev, cn.next, cn.c, cn.r, cn.w = nil, nil, nil, nil, nil
	s.active--
	s.checkDoneLocked()
	s.mu.Unlock()
	if s.sem != nil {
		s.sem.Release(1)
	}
}

func (s *Server) leave() {
	s.mu.Lock()
	s.active--
	s.checkDoneLocked()
	s.mu.Unlock()
}

// open readies the connection for its handler: keep-alive, TLS handshake,
// Reader and Writer (cn.r, cn.w). It reports false if the connection is
// already over.
func (s *Server) open(cn *conn) bool {
	c := cn.c
	if s.keepAlive || s.cfg.tls != nil {
		if c = s.prepare(cn); c == nil {
			return false
		}
	}
	r, w, err := stream.Wrap(c, s.streamOpts...)
	if err != nil { // the options were checked by the constructor
		c.Close()
		s.cfg.logger.Error("server: cannot wrap the connection", "remote", remote(c), "err", err)
		return false
	}
	// Attach the Writer, unless CloseClients or AbortClients reached the
	// connection while it had none.
	s.mu.Lock()
	cn.r, cn.w, cn.c = r, w, nil
	closing, aborted := cn.closing, cn.aborted
	s.mu.Unlock()
	switch {
	case aborted:
		w.Abort()
	case closing:
		w.Close() // nothing is queued: closes at once
	default:
		return true
	}
	return false
}

// prepare sets the keep-alive probes and makes the TLS handshake. It
// returns the connection to use, or nil if the handshake failed.
func (s *Server) prepare(cn *conn) net.Conn {
	c := cn.c
	if s.keepAlive {
		if tc, ok := c.(*net.TCPConn); ok {
			tc.SetKeepAliveConfig(s.cfg.keepAlive)
		}
	}
	if s.cfg.tls == nil {
		return c
	}
	tc := tls.Server(c, s.cfg.tls)
	ctx, cancel := context.WithTimeout(&cn.ctx, s.cfg.handshakeTimeout)
	defer cancel()
	if err := tc.HandshakeContext(ctx); err != nil {
		c.Close()
		s.cfg.logger.Debug("server: TLS handshake failed", "remote", remote(c), "err", err)
		return nil
	}
	return tc
}

// finish ends the connection once its handler has returned or panicked: a
// panic is logged and aborts this connection alone; otherwise the Writer
// is closed, which sends what is queued. It waits until the connection is
// closed (the end of the flush, or AbortClients) and forgets it. It is a
// function of cn alone so that deferring it costs the goroutine's frame
// one word less.
func finish(cn *conn) {
	s := cn.srv
	p := recover()
	// cn.w is written only by this goroutine (open), so it can be read
	// without the lock here.
	if w := cn.w; w != nil {
		if p != nil {
			s.cfg.logger.Error("server: handler panicked; aborting its connection",
				"remote", remote(w.Conn()), "panic", p, "stack", string(debug.Stack()))
			w.Abort()
		} else {
			w.Close()
		}
		w.WaitClosed(context.Background())
	}
	s.untrack(cn)
}

func remote(c net.Conn) string {
	if c == nil || c.RemoteAddr() == nil {
		return ""
	}
	return c.RemoteAddr().String()
}
