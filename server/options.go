package server

import (
	"crypto/tls"
	"fmt"
	"log/slog"
	"net"
	"time"

	"github.com/netaio/aio/stream"
)

// DefaultHandshakeTimeout bounds a TLS handshake when WithHandshakeTimeout
// is not given: 60 s, as asyncio's ssl_handshake_timeout.
const DefaultHandshakeTimeout = 60 * time.Second

// DefaultCloseGrace is how long ServeForever, once its ctx has ended, lets
// the clients it closes send what they have queued before it aborts them,
// when WithCloseGrace is not given.
const DefaultCloseGrace = 500 * time.Millisecond

// An Option configures a Server. Options are checked by the function they
// are given to (Start, StartUnix, Serve): a bad value, or an option that
// has no effect there, is an error from that function, never a later
// surprise.
type Option interface {
	apply(*config) error
}

type option func(*config) error

func (o option) apply(c *config) error { return o(c) }

// The options, as bits of config.set, and where each one may be used.
const (
	optStartServing = 1 << iota
	optTLS
	optHandshake
	optLimit
	optKeepAlive
	optReusePort
	optMaxConns
	optBacklog
	optLogger
	optUnixCleanup
	optCloseGrace

	common   = optStartServing | optTLS | optHandshake | optLimit | optMaxConns | optBacklog | optLogger | optCloseGrace
	tcpOpts  = common | optKeepAlive | optReusePort
	unixOpts = common | optUnixCleanup
	// Serve gets listeners that are already bound: how they were bound
	// (SO_REUSEPORT) and what happens to their socket file is their
	// creator's business.
	serveOpts = common | optKeepAlive
)

var optNames = map[int]string{
	optStartServing: "WithStartServing", optTLS: "WithTLS", optHandshake: "WithHandshakeTimeout",
	optLimit: "WithLimit", optKeepAlive: "WithKeepAlive", optReusePort: "WithReusePort",
	optMaxConns: "WithMaxConns", optBacklog: "WithBacklog", optLogger: "WithLogger",
	optUnixCleanup: "WithUnixCleanup", optCloseGrace: "WithCloseGrace",
}

type config struct {
	set              int
	startServing     bool
	tls              *tls.Config
	handshakeTimeout time.Duration
	limit            int
	keepAlive        net.KeepAliveConfig
	reusePort        bool
	maxConns         int
	backlog          int
	logger           *slog.Logger
	unixCleanup      bool
	closeGrace       time.Duration
}

// newConfig applies opts over the defaults and checks that every option
// given is one that where (the caller, for messages) can use.
func newConfig(allowed int, where string, opts []Option) (*config, error) {
	c := &config{
		startServing:     true,
		handshakeTimeout: DefaultHandshakeTimeout,
		limit:            stream.DefaultLimit,
		unixCleanup:      true,
		closeGrace:       DefaultCloseGrace,
	}
	for _, o := range opts {
		if o == nil {
			continue
		}
		if err := o.apply(c); err != nil {
			return nil, err
		}
	}
	for bit, name := range optNames {
		if c.set&bit != 0 && allowed&bit == 0 {
			return nil, fmt.Errorf("%w: %s has no effect with %s", ErrInvalidOption, name, where)
		}
	}
	if c.set&optHandshake != 0 && c.tls == nil {
		return nil, fmt.Errorf("%w: WithHandshakeTimeout without WithTLS", ErrInvalidOption)
	}
	if c.reusePort {
		if err := reusePortSupported(); err != nil {
			return nil, err
		}
	}
	if c.set&optBacklog != 0 {
		if err := backlogSupported(); err != nil {
			return nil, err
		}
	}
	if c.logger == nil {
		c.logger = slog.Default()
	}
	return c, nil
}

// WithStartServing(false) binds the listeners without accepting: clients
// that connect wait in the kernel's backlog until StartServing or
// ServeForever (asyncio's start_serving=False). The default is true.
func WithStartServing(start bool) Option {
	return option(func(c *config) error {
		c.set |= optStartServing
		c.startServing = start
		return nil
	})
}

// WithTLS makes the server speak TLS with cfg (asyncio's ssl=). The
// handshake runs on the connection's own goroutine, bounded by
// WithHandshakeTimeout, before the handler is called; a client that fails
// it is closed and logged at debug level. cfg must hold a certificate
// (Certificates, GetCertificate or GetConfigForClient).
func WithTLS(cfg *tls.Config) Option {
	return option(func(c *config) error {
		if cfg == nil {
			return fmt.Errorf("%w: nil *tls.Config", ErrInvalidOption)
		}
		if len(cfg.Certificates) == 0 && cfg.GetCertificate == nil && cfg.GetConfigForClient == nil {
			return fmt.Errorf("%w: WithTLS: the *tls.Config has no certificate", ErrInvalidOption)
		}
		c.set |= optTLS
		c.tls = cfg
		return nil
	})
}

// WithHandshakeTimeout bounds each TLS handshake (asyncio's
// ssl_handshake_timeout). d must be > 0; the default is
// DefaultHandshakeTimeout. It needs WithTLS.
func WithHandshakeTimeout(d time.Duration) Option {
	return option(func(c *config) error {
		if d <= 0 {
			return fmt.Errorf("%w: handshake timeout %v must be > 0", ErrInvalidOption, d)
		}
		c.set |= optHandshake
		c.handshakeTimeout = d
		return nil
	})
}

// WithLimit sets the limit of every connection's Reader (asyncio's limit=):
// the longest line or record it accepts. n must be > 0; the default is
// stream.DefaultLimit (64 KiB).
func WithLimit(n int) Option {
	return option(func(c *config) error {
		if n <= 0 {
			return fmt.Errorf("%w: limit %d must be > 0", ErrInvalidOption, n)
		}
		c.set |= optLimit
		c.limit = n
		return nil
	})
}

// WithKeepAlive sets the TCP keep-alive probes of accepted connections
// (asyncio's keep_alive=, with its timings). Without it, Go's default
// applies: probes enabled, every 15 s. cfg.Enable false turns them off.
func WithKeepAlive(cfg net.KeepAliveConfig) Option {
	return option(func(c *config) error {
		if cfg.Enable && (cfg.Idle < -1 || cfg.Interval < -1 || cfg.Count < -1) {
			return fmt.Errorf("%w: keep-alive %+v: values must be >= -1", ErrInvalidOption, cfg)
		}
		c.set |= optKeepAlive
		c.keepAlive = cfg
		return nil
	})
}

// WithReusePort sets SO_REUSEPORT on the listening sockets, so that several
// servers (processes) may bind the same address and the kernel spreads the
// connections among them (asyncio's reuse_port=). Where the system has no
// SO_REUSEPORT (Windows, Solaris) it is an error wrapping
// errors.ErrUnsupported. TCP only.
func WithReusePort(reuse bool) Option {
	return option(func(c *config) error {
		c.set |= optReusePort
		c.reusePort = reuse
		return nil
	})
}

// WithMaxConns caps the number of connections served at once. At the cap
// the server stops accepting; the kernel's backlog holds the next clients
// (and refuses or drops connections beyond it) until a connection ends.
// n must be > 0; the default is no cap. A connection counts from its
// accept until its handler has returned and its socket is closed.
func WithMaxConns(n int) Option {
	return option(func(c *config) error {
		if n <= 0 {
			return fmt.Errorf("%w: max conns %d must be > 0", ErrInvalidOption, n)
		}
		c.set |= optMaxConns
		c.maxConns = n
		return nil
	})
}

// WithBacklog sets the length of the kernel's queue of connections not yet
// accepted (asyncio's backlog=, which defaults to 100). Without it Go's
// choice applies: the system maximum (net.core.somaxconn on Linux). The
// system caps n at that maximum without saying so. n must be > 0.
//
// On Unix the listening socket is given the new length by a second
// listen(2), which the systems allow on a listening socket. Windows keeps
// the length of the first listen, so there WithBacklog is an error
// wrapping errors.ErrUnsupported rather than a silent no-op.
func WithBacklog(n int) Option {
	return option(func(c *config) error {
		if n <= 0 {
			return fmt.Errorf("%w: backlog %d must be > 0", ErrInvalidOption, n)
		}
		c.set |= optBacklog
		c.backlog = n
		return nil
	})
}

// WithLogger sets where the server reports what no caller can be told: a
// handler's panic (error level, with its stack), accept errors (warn
// level, with the retry delay), failed TLS handshakes (debug level). The
// default is slog.Default().
func WithLogger(l *slog.Logger) Option {
	return option(func(c *config) error {
		if l == nil {
			return fmt.Errorf("%w: nil *slog.Logger", ErrInvalidOption)
		}
		c.set |= optLogger
		c.logger = l
		return nil
	})
}

// WithUnixCleanup says what StartUnix does with the socket file. On (the
// default): a socket file left at the path by a server that is gone is
// replaced, one that a live server listens on is an error, and on Close the
// file is removed if it is still the one this server created. Off: the
// bind fails if the path exists, and the file stays after Close.
func WithUnixCleanup(cleanup bool) Option {
	return option(func(c *config) error {
		c.set |= optUnixCleanup
		c.unixCleanup = cleanup
		return nil
	})
}

// WithCloseGrace sets how long ServeForever, once its ctx has ended and it
// has closed the clients, lets them send what they have queued before it
// aborts the ones still sending (a peer that stopped reading would
// otherwise hold the server forever). d must be >= 0; 0 aborts at once.
// The default is DefaultCloseGrace. It does not affect Shutdown, whose ctx
// says how long to wait.
func WithCloseGrace(d time.Duration) Option {
	return option(func(c *config) error {
		if d < 0 {
			return fmt.Errorf("%w: close grace %v must be >= 0", ErrInvalidOption, d)
		}
		c.set |= optCloseGrace
		c.closeGrace = d
		return nil
	})
}
