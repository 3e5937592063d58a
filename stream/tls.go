package stream

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
)

// StartTLS upgrades the connection to TLS, as the client or, if server is
// true, the server (asyncio's start_tls). It sends what is queued first;
// bytes the Reader has already read ahead become the start of the
// handshake. On success the Reader and Writer both speak TLS and Conn
// returns the *tls.Conn. ctx, and the handshake timeout of WithHandshakeTimeout
// (default 60 s), bound the handshake.
//
// A client whose cfg has no ServerName uses the host given to Open. No read
// may be in progress (ErrConcurrentRead). If the handshake fails, the
// connection is closed and the error, which wraps the TLS error, is
// returned by every later call.
func (w *Writer) StartTLS(ctx context.Context, cfg *tls.Config, server bool) error {
	if cfg == nil {
		return fmt.Errorf("%w: nil *tls.Config", ErrInvalidOption)
	}
	r := w.peer
	if r == nil || w.Conn() == nil {
		return errors.New("stream: StartTLS needs a Writer made by Open or Wrap")
	}
	if err := r.enter(); err != nil {
		return err
	}
	defer r.exit(true)

	w.mu.Lock()
	if err := w.ownLocked(ctx); err != nil {
		w.mu.Unlock()
		return err
	}
	conn, host := w.connLocked(), w.host
	w.mu.Unlock()

	pc := &prefixConn{Conn: conn, prefix: append([]byte(nil), r.buf[r.head:r.tail]...)}
	r.release()
	// The Reader keeps its registration with the ctx of its last read, and
	// when that ctx ends it sets a read deadline in the past: drop it (which
	// clears such a deadline) before the handshake reads the connection.
	r.guard.Release()
	var tc *tls.Conn
	if server {
		tc = tls.Server(pc, cfg)
	} else {
		if cfg.ServerName == "" && host != "" {
			cfg = cfg.Clone()
			cfg.ServerName = host
		}
		tc = tls.Client(pc, cfg)
	}
	err := handshake(ctx, tc, w.handshakeTimeout)

	w.mu.Lock()
	defer w.mu.Unlock()
	if w.aborted {
		// Abort closed the connection under the handshake (and woke it):
		// the Writer is done, whatever the handshake said.
		w.sending = false
		return ErrClosed
	}
	if err != nil {
		r.err = err
		w.failLocked(err)
		if !w.closing {
			w.closing, w.closedErr = true, err
		}
		w.sending = false
		w.closeLocked()
		return err
	}
	w.dst, w.raw = tc, nil
	r.setSource(tc)
	w.disownLocked()
	return nil
}

// prefixConn is a connection whose first bytes were already read into a
// Reader's buffer: they are read again from prefix.
type prefixConn struct {
	net.Conn
	prefix []byte
}

func (c *prefixConn) Read(p []byte) (int, error) {
	if len(c.prefix) > 0 {
		n := copy(p, c.prefix)
		c.prefix = c.prefix[n:]
		return n, nil
	}
	return c.Conn.Read(p)
}

// CloseWrite keeps the half-close of the connection underneath reachable
// through the *tls.Conn.
func (c *prefixConn) CloseWrite() error {
	if cw, ok := c.Conn.(closeWriter); ok {
		return cw.CloseWrite()
	}
	return errors.New("stream: connection has no CloseWrite")
}
