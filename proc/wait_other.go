//go:build !linux

package proc

// lazyReap: a child is marked exited only by its reaper here (see
// waitExit), so the reaper starts with the child.
const lazyReap = false

// waitExit reports false: on this system the child is marked exited only
// once it has been reaped, which leaves a short window in which a signal
// may be sent to a pid, or a group, that has just been released (os itself
// has the same window here).
func waitExit(int) bool { return false }

// exitedNow reports false: see waitExit.
func exitedNow(int) bool { return false }
