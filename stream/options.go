package stream

import (
	"crypto/tls"
	"fmt"
	"net"
	"time"
)

// DefaultLimit is the default buffer limit of a Reader: 64 KiB, as asyncio's.
const DefaultLimit = 64 << 10

// Default write-buffer watermarks, as asyncio's.
const (
	DefaultHighWater = 64 << 10
	DefaultLowWater  = 16 << 10
)

// DefaultHandshakeTimeout bounds a TLS handshake when WithHandshakeTimeout is
// not given: 60 s, as asyncio's ssl_handshake_timeout.
const DefaultHandshakeTimeout = 60 * time.Second

// An Option configures a Reader, Writer or connection. Options are checked
// by the constructor they are given to: a bad value, or an option that the
// constructor has no use for, is an error from that constructor.
type Option interface {
	apply(*config) error
}

type option func(*config) error

func (o option) apply(c *config) error { return o(c) }

// The options a constructor may take, as bits of config.set.
const (
	optLimit = 1 << iota
	optTLS
	optHandshake
	optLocalAddr
	optDialer
	optWaterMarks

	readerOpts = optLimit
	writerOpts = optWaterMarks
	wrapOpts   = optLimit | optWaterMarks | optHandshake
	dialOpts   = optLimit | optWaterMarks | optHandshake | optTLS | optLocalAddr | optDialer
)

var optNames = map[int]string{
	optLimit: "WithLimit", optTLS: "WithTLS", optHandshake: "WithHandshakeTimeout",
	optLocalAddr: "WithLocalAddr", optDialer: "WithDialer", optWaterMarks: "WithWriteBufferLimits",
}

type config struct {
	set              int
	limit            int
	tls              *tls.Config
	handshakeTimeout time.Duration
	localAddr        net.Addr
	dialer           *net.Dialer
	high, low        int
}

func newConfig(allowed int, opts []Option) (*config, error) {
	c := &config{
		limit:            DefaultLimit,
		handshakeTimeout: DefaultHandshakeTimeout,
		high:             DefaultHighWater,
		low:              DefaultLowWater,
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
			return nil, fmt.Errorf("%w: %s has no effect here", ErrInvalidOption, name)
		}
	}
	return c, nil
}

// WithLimit sets the Reader's buffer limit: the longest record ReadUntil and
// ReadLine accept, and the largest view. n must be > 0.
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

// WithTLS makes Open wrap the connection in TLS as a client. If
// cfg.ServerName is empty, the host part of the address is used.
func WithTLS(cfg *tls.Config) Option {
	return option(func(c *config) error {
		if cfg == nil {
			return fmt.Errorf("%w: nil *tls.Config", ErrInvalidOption)
		}
		c.set |= optTLS
		c.tls = cfg
		return nil
	})
}

// WithHandshakeTimeout bounds TLS handshakes (Open with WithTLS, and
// StartTLS). d must be > 0; the default is DefaultHandshakeTimeout.
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

// WithLocalAddr makes Open bind the local end of the connection to addr
// (asyncio's local_addr).
func WithLocalAddr(addr net.Addr) Option {
	return option(func(c *config) error {
		if addr == nil {
			return fmt.Errorf("%w: nil local address", ErrInvalidOption)
		}
		c.set |= optLocalAddr
		c.localAddr = addr
		return nil
	})
}

// WithDialer makes Open dial with d. asyncio's happy_eyeballs_delay is
// d.FallbackDelay, and its interleave is what net.Dialer does already.
func WithDialer(d *net.Dialer) Option {
	return option(func(c *config) error {
		if d == nil {
			return fmt.Errorf("%w: nil *net.Dialer", ErrInvalidOption)
		}
		c.set |= optDialer
		c.dialer = d
		return nil
	})
}

// WithWriteBufferLimits sets the Writer's watermarks, as SetWriteBufferLimits.
func WithWriteBufferLimits(high, low int) Option {
	return option(func(c *config) error {
		if err := checkWaterMarks(high, low); err != nil {
			return err
		}
		c.set |= optWaterMarks
		c.high, c.low = high, low
		return nil
	})
}

func checkWaterMarks(high, low int) error {
	if high < 0 || low < 0 || low > high {
		return fmt.Errorf("%w: write buffer limits high=%d low=%d: want 0 <= low <= high", ErrInvalidOption, high, low)
	}
	return nil
}
