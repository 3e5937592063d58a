//go:build unix && !linux

package stream

import "syscall"

// segmentSize returns 0: sends are cut at segment boundaries only on Linux,
// the one system where that was measured (see Writer).
func segmentSize(uintptr) int { return 0 }

// writev sends a and then b. Without cuts there is never a rest to send
// before b, so this is not on any hot path.
func writev(fd uintptr, a, b []byte) (int, error) {
	n, err := syscall.Write(int(fd), a)
	if err != nil || n < len(a) {
		return max(n, 0), err
	}
	m, err := syscall.Write(int(fd), b)
	if err != nil {
		return n, nil // a's bytes went: the caller sees a short send
	}
	return n + m, nil
}
