package stream

import (
	"errors"
	"fmt"
	"io"
)

// Sentinel errors. Compare with errors.Is.
var (
	// ErrLimitOverrun matches every *LimitOverrunError, and a view request
	// larger than the Reader's limit.
	ErrLimitOverrun = errors.New("stream: limit overrun")
	// ErrClosed is returned by calls on a Writer after Close, Abort or (for
	// writes) WriteEOF.
	ErrClosed = errors.New("stream: writer closed")
	// ErrConcurrentRead is returned when a read is started while another
	// goroutine's read on the same Reader is in progress. asyncio raises
	// RuntimeError in this case; the Reader's state is left untouched.
	ErrConcurrentRead = errors.New("stream: another goroutine is reading")
	// ErrSeparator is returned by ReadUntil and ReadSlice when given no
	// separator or an empty one.
	ErrSeparator = errors.New("stream: separator must be non-empty")
	// ErrNegativeCount is returned for a negative size or offset.
	ErrNegativeCount = errors.New("stream: negative count")
	// ErrCannotWriteEOF is returned by WriteEOF when the destination has no
	// half-close (CanWriteEOF reports false).
	ErrCannotWriteEOF = errors.New("stream: destination cannot write EOF")
	// ErrInvalidOption is wrapped by every error about an option value.
	ErrInvalidOption = errors.New("stream: invalid option")
)

// LimitOverrunError reports that a separator was not found within the
// Reader's limit. Consumed is asyncio's value: the separator's offset if it
// was found past the limit, else the number of buffered bytes that cannot
// start a match (len(buffered) - len(longest separator) + 1).
//
// ReadUntil leaves the data buffered, so the caller can read it in pieces
// with ReadN or drop it with Discard; ReadLine consumes it (see ReadLine).
type LimitOverrunError struct {
	Consumed int
}

func (e *LimitOverrunError) Error() string {
	return fmt.Sprintf("stream: separator not found within the limit (%d bytes consumed)", e.Consumed)
}

// Is makes errors.Is(err, ErrLimitOverrun) hold.
func (e *LimitOverrunError) Is(target error) bool { return target == ErrLimitOverrun }

// IncompleteReadError reports that the stream ended before a read was
// satisfied. Partial holds every byte that was read (the buffer is left
// empty); Expected is the size asked for, or -1 where none was (ReadUntil).
//
// errors.Is(err, io.ErrUnexpectedEOF) always holds. errors.Is(err, io.EOF)
// holds too when Partial is empty, i.e. the stream ended cleanly between
// two records, which is the usual way for a read loop to stop.
type IncompleteReadError struct {
	Partial  []byte
	Expected int
}

func (e *IncompleteReadError) Error() string {
	if e.Expected < 0 {
		return fmt.Sprintf("stream: %d bytes read before EOF, separator not found", len(e.Partial))
	}
	return fmt.Sprintf("stream: %d bytes read on a total of %d expected bytes", len(e.Partial), e.Expected)
}

// Is makes errors.Is(err, io.ErrUnexpectedEOF) hold, and errors.Is(err,
// io.EOF) when nothing at all was read.
func (e *IncompleteReadError) Is(target error) bool {
	return target == io.ErrUnexpectedEOF || (target == io.EOF && len(e.Partial) == 0)
}
