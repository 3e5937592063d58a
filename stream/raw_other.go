//go:build !unix

package stream

import "syscall"

// rawConnOf returns nil: outside unix every source goes through its own Read
// and Write (on Windows the runtime's overlapped I/O already avoids a thread
// per blocked call, but offers no non-blocking attempt).
func rawConnOf(any) syscall.RawConn { return nil }

// readRaw and rawWrite are never called: streams have no raw descriptor
// here.
func (r *Reader) readRaw(uintptr) bool              { return true }
func rawWrite(uintptr, []byte, []byte) (int, error) { return 0, nil }
func segmentSize(uintptr) int                       { return 0 }
