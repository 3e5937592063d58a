package stream_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/netaio/aio/stream"
)

// model is the reference the Reader is checked against: the whole input in
// one slice, every read answered by slicing it. Where the Reader's answer
// depends on how the source chunks its data (how much ReadN returns, the
// Consumed of an overrun), the model accepts the whole range asyncio
// allows.
type model struct {
	data  []byte
	pos   int
	limit int
}

func (m *model) rest() []byte { return m.data[m.pos:] }

// checkReadN: a non-empty prefix of the rest, at most n bytes.
func (m *model) checkReadN(n int, got []byte, err error) error {
	rest := m.rest()
	switch {
	case n == 0:
		if err != nil || got == nil || len(got) != 0 {
			return fmt.Errorf("ReadN(0) = (%q, %v), want ([], nil)", got, err)
		}
	case n < 0:
		if len(rest) == 0 {
			if got != nil || err != io.EOF {
				return fmt.Errorf("ReadN(-1) at EOF = (%q, %v), want (nil, EOF)", got, err)
			}
			return nil
		}
		if err != nil || !bytes.Equal(got, rest) {
			return fmt.Errorf("ReadN(-1) = (%q, %v), want (%q, nil)", got, err, rest)
		}
		m.pos = len(m.data)
	default:
		if len(rest) == 0 {
			if got != nil || err != io.EOF {
				return fmt.Errorf("ReadN(%d) at EOF = (%q, %v), want (nil, EOF)", n, got, err)
			}
			return nil
		}
		if err != nil || len(got) == 0 || len(got) > n || !bytes.HasPrefix(rest, got) {
			return fmt.Errorf("ReadN(%d) = (%q, %v), want 1..%d bytes of %q", n, got, err, n, rest)
		}
		m.pos += len(got)
	}
	return nil
}

// checkRead: io.Reader's contract over the same data.
func (m *model) checkRead(n int, got []byte, err error) error {
	rest := m.rest()
	if n == 0 {
		if len(got) != 0 || err != nil {
			return fmt.Errorf("Read(0 bytes) = (%q, %v)", got, err)
		}
		return nil
	}
	if len(rest) == 0 {
		if len(got) != 0 || err != io.EOF {
			return fmt.Errorf("Read at EOF = (%q, %v), want (0, EOF)", got, err)
		}
		return nil
	}
	if err != nil || len(got) == 0 || !bytes.HasPrefix(rest, got) {
		return fmt.Errorf("Read(%d) = (%q, %v), want a prefix of %q", n, got, err, rest)
	}
	m.pos += len(got)
	return nil
}

// checkExactly covers ReadExactly and Next (view reports whether n is
// bounded by the limit).
func (m *model) checkExactly(n int, view bool, got []byte, err error) error {
	rest := m.rest()
	switch {
	case n < 0:
		if !errors.Is(err, stream.ErrNegativeCount) {
			return fmt.Errorf("n=%d: err %v, want ErrNegativeCount", n, err)
		}
		return nil
	case view && n > m.limit:
		if !errors.Is(err, stream.ErrLimitOverrun) {
			return fmt.Errorf("Next(%d) over limit %d: err %v, want ErrLimitOverrun", n, m.limit, err)
		}
		return nil
	case len(rest) >= n:
		if err != nil || !bytes.Equal(got, rest[:n]) {
			return fmt.Errorf("exactly %d = (%q, %v), want (%q, nil)", n, got, err, rest[:n])
		}
		m.pos += n
		return nil
	}
	var ie *stream.IncompleteReadError
	if !errors.As(err, &ie) || got != nil || !bytes.Equal(ie.Partial, rest) || ie.Expected != n {
		return fmt.Errorf("exactly %d with %d left = (%q, %v), want IncompleteReadError{%q, %d}", n, len(rest), got, err, rest, n)
	}
	if !errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) != (len(rest) == 0) {
		return fmt.Errorf("IncompleteReadError %v: errors.Is mismatch", err)
	}
	m.pos = len(m.data)
	return nil
}

// firstMatch is the match that ends first, the shortest separator on a tie.
func firstMatch(data []byte, seps [][]byte) (start, end int) {
	start, end = -1, -1
	for _, s := range seps {
		if i := bytes.Index(data, s); i >= 0 {
			e := i + len(s)
			if end < 0 || e < end || (e == end && len(s) < end-start) {
				start, end = i, e
			}
		}
	}
	return start, end
}

// untilOutcome is what the model expects of ReadUntil.
type untilOutcome int

const (
	untilRecord untilOutcome = iota
	untilOverrun
	untilIncomplete
)

func (m *model) until(seps [][]byte) (outcome untilOutcome, end, minConsumed, maxConsumed int) {
	rest := m.rest()
	maxLen := 0
	for _, s := range seps {
		maxLen = max(maxLen, len(s))
	}
	start, end := firstMatch(rest, seps)
	switch {
	case end >= 0 && start <= m.limit:
		return untilRecord, end, 0, 0
	case end >= 0:
		return untilOverrun, 0, m.limit + 1, start
	case len(rest) >= m.limit+maxLen:
		return untilOverrun, 0, m.limit + 1, len(rest) + 1 - maxLen
	}
	return untilIncomplete, 0, 0, 0
}

// checkUntil covers ReadUntil and ReadSlice.
func (m *model) checkUntil(seps [][]byte, got []byte, err error) error {
	for _, s := range seps {
		if len(s) == 0 {
			if !errors.Is(err, stream.ErrSeparator) {
				return fmt.Errorf("empty separator: err %v, want ErrSeparator", err)
			}
			return nil
		}
	}
	if len(seps) == 0 {
		if !errors.Is(err, stream.ErrSeparator) {
			return fmt.Errorf("no separator: err %v, want ErrSeparator", err)
		}
		return nil
	}
	rest := m.rest()
	outcome, end, lo, hi := m.until(seps)
	switch outcome {
	case untilRecord:
		if err != nil || !bytes.Equal(got, rest[:end]) {
			return fmt.Errorf("until %q = (%q, %v), want (%q, nil)", seps, got, err, rest[:end])
		}
		m.pos += end
	case untilOverrun:
		var lo2 *stream.LimitOverrunError
		if !errors.As(err, &lo2) || got != nil || lo2.Consumed < lo || lo2.Consumed > hi || !errors.Is(err, stream.ErrLimitOverrun) {
			return fmt.Errorf("until %q (limit %d) on %q = (%q, %v), want LimitOverrunError{%d..%d}", seps, m.limit, rest, got, err, lo, hi)
		}
		// The data stays buffered: nothing consumed.
	case untilIncomplete:
		var ie *stream.IncompleteReadError
		if !errors.As(err, &ie) || got != nil || !bytes.Equal(ie.Partial, rest) || ie.Expected != -1 {
			return fmt.Errorf("until %q on %q = (%q, %v), want IncompleteReadError{%q, -1}", seps, rest, got, err, rest)
		}
		m.pos = len(m.data)
	}
	return nil
}

// checkRecord checks one item a Records loop over sep yielded. An overrun
// is skipped by Records itself, by exactly its Consumed, so the model can
// follow it.
func (m *model) checkRecord(sep, got []byte, err error) error {
	rest := m.rest()
	outcome, end, lo, hi := m.until([][]byte{sep})
	switch outcome {
	case untilRecord:
		if err != nil || !bytes.Equal(got, rest[:end]) {
			return fmt.Errorf("Records(%q) yielded (%q, %v), want (%q, nil)", sep, got, err, rest[:end])
		}
		m.pos += end
	case untilOverrun:
		var lo2 *stream.LimitOverrunError
		if !errors.As(err, &lo2) || got != nil || lo2.Consumed < lo || lo2.Consumed > hi {
			return fmt.Errorf("Records(%q) (limit %d) on %q yielded (%q, %v), want LimitOverrunError{%d..%d}", sep, m.limit, rest, got, err, lo, hi)
		}
		m.pos += lo2.Consumed
	case untilIncomplete:
		if len(rest) == 0 || err != nil || !bytes.Equal(got, rest) {
			return fmt.Errorf("Records(%q) at the end of %q yielded (%q, %v)", sep, rest, got, err)
		}
		m.pos = len(m.data)
	}
	return nil
}

// errResync means the model cannot follow the Reader any more (ReadLine
// consumed an overrun whose size depends on chunking); the caller checks
// what remains with checkSuffix and stops.
var errResync = errors.New("model: resync needed")

func (m *model) checkLine(got []byte, err error) error {
	rest := m.rest()
	outcome, end, lo, hi := m.until([][]byte{{'\n'}})
	switch outcome {
	case untilRecord:
		if err != nil || !bytes.Equal(got, rest[:end]) {
			return fmt.Errorf("ReadLine = (%q, %v), want (%q, nil)", got, err, rest[:end])
		}
		m.pos += end
	case untilIncomplete:
		if len(rest) == 0 {
			if got != nil || err != io.EOF {
				return fmt.Errorf("ReadLine at EOF = (%q, %v), want (nil, EOF)", got, err)
			}
			return nil
		}
		if err != io.EOF || !bytes.Equal(got, rest) {
			return fmt.Errorf("ReadLine last line = (%q, %v), want (%q, EOF)", got, err, rest)
		}
		m.pos = len(m.data)
	case untilOverrun:
		var lo2 *stream.LimitOverrunError
		if !errors.As(err, &lo2) || got != nil || lo2.Consumed < lo || lo2.Consumed > hi {
			return fmt.Errorf("ReadLine (limit %d) on %q = (%q, %v), want LimitOverrunError{%d..%d}", m.limit, rest, got, err, lo, hi)
		}
		m.pos += lo2.Consumed // at least this much was consumed
		return errResync
	}
	return nil
}

// checkSuffix checks that what the Reader still yields is a suffix of the
// model's rest (used after errResync).
func (m *model) checkSuffix(r *stream.Reader) error {
	tail, err := r.ReadN(context.Background(), -1)
	if err != nil && err != io.EOF {
		return err
	}
	if !bytes.HasSuffix(m.rest(), tail) {
		return fmt.Errorf("after a consumed overrun the Reader yields %q, not a suffix of %q", tail, m.rest())
	}
	return nil
}

func (m *model) checkPeek(n int, got []byte, err error) error {
	rest := m.rest()
	switch {
	case n < 0:
		if !errors.Is(err, stream.ErrNegativeCount) {
			return fmt.Errorf("Peek(%d): err %v", n, err)
		}
	case n > m.limit:
		if !errors.Is(err, stream.ErrLimitOverrun) {
			return fmt.Errorf("Peek(%d) over limit %d: err %v", n, m.limit, err)
		}
	case len(rest) >= n:
		if err != nil || !bytes.Equal(got, rest[:n]) {
			return fmt.Errorf("Peek(%d) = (%q, %v), want %q", n, got, err, rest[:n])
		}
	default:
		if err != io.EOF || !bytes.Equal(got, rest) {
			return fmt.Errorf("Peek(%d) short = (%q, %v), want (%q, EOF)", n, got, err, rest)
		}
	}
	return nil
}

func (m *model) checkDiscard(n, got int, err error) error {
	rest := m.rest()
	switch {
	case n < 0:
		if !errors.Is(err, stream.ErrNegativeCount) {
			return fmt.Errorf("Discard(%d): err %v", n, err)
		}
	case len(rest) >= n:
		if err != nil || got != n {
			return fmt.Errorf("Discard(%d) = (%d, %v)", n, got, err)
		}
		m.pos += n
	default:
		if err != io.EOF || got != len(rest) {
			return fmt.Errorf("Discard(%d) short = (%d, %v), want (%d, EOF)", n, got, err, len(rest))
		}
		m.pos = len(m.data)
	}
	return nil
}
