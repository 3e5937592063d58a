package stream

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"time"
)

// Open connects to address and returns the Reader and Writer of the
// connection (asyncio's open_connection). network is "tcp", "tcp4",
// "tcp6" or "unix". ctx bounds the dial and the TLS handshake, not the
// connection's life. It accepts every option: WithTLS makes it a TLS
// client, with ServerName defaulting to the address's host.
func Open(ctx context.Context, network, address string, opts ...Option) (*Reader, *Writer, error) {
	switch network {
	case "tcp", "tcp4", "tcp6", "unix":
	default:
		return nil, nil, fmt.Errorf("%w: network %q: want tcp, tcp4, tcp6 or unix", ErrInvalidOption, network)
	}
	c, err := newConfig(dialOpts, opts)
	if err != nil {
		return nil, nil, err
	}
	d := c.dialer
	if d == nil {
		d = &net.Dialer{}
	}
	if c.localAddr != nil {
		dd := *d
		dd.LocalAddr = c.localAddr
		d = &dd
	}
	conn, err := d.DialContext(ctx, network, address)
	if err != nil {
		return nil, nil, err
	}
	var host string
	if network != "unix" {
		host, _, _ = net.SplitHostPort(address)
	}
	if c.tls != nil {
		cfg := c.tls
		if cfg.ServerName == "" && host != "" {
			cfg = cfg.Clone()
			cfg.ServerName = host
		}
		tc := tls.Client(conn, cfg)
		if err := handshake(ctx, tc, c.handshakeTimeout); err != nil {
			conn.Close()
			return nil, nil, err
		}
		conn = tc
	}
	r, w := wrap(conn, c)
	w.host = host
	return r, w, nil
}

// OpenUnix connects to the unix socket at path (asyncio's
// open_unix_connection). On Linux a path starting with "@" names an
// abstract socket.
func OpenUnix(ctx context.Context, path string, opts ...Option) (*Reader, *Writer, error) {
	return Open(ctx, "unix", path, opts...)
}

// Wrap returns a Reader and a Writer over an established connection, any
// net.Conn including *tls.Conn and net.Pipe's (asyncio's sock= argument and
// connect_accepted_socket). The Writer's Close closes conn. It accepts the
// options WithLimit, WithWriteBufferLimits and WithHandshakeTimeout (for a
// later StartTLS).
func Wrap(conn net.Conn, opts ...Option) (*Reader, *Writer, error) {
	if conn == nil {
		return nil, nil, fmt.Errorf("%w: nil net.Conn", ErrInvalidOption)
	}
	c, err := newConfig(wrapOpts, opts)
	if err != nil {
		return nil, nil, err
	}
	r, w := wrap(conn, c)
	return r, w, nil
}

func wrap(conn net.Conn, c *config) (*Reader, *Writer) {
	w := newWriter(conn, c)
	r := &Reader{limit: c.limit, peer: w}
	r.setSource(conn) // after peer: a paired Reader keeps its ctx registration
	w.peer = r
	return r, w
}

func handshake(ctx context.Context, tc *tls.Conn, timeout time.Duration) error {
	hctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	if err := tc.HandshakeContext(hctx); err != nil {
		return fmt.Errorf("stream: TLS handshake: %w", err)
	}
	return nil
}
