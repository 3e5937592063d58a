//go:build race

package server_test

// The race detector deepens every call (and starts goroutines with bigger
// stacks), so stack sizes mean nothing under it.
const raceEnabled = true
