//go:build !race

package server_test

// See race_test.go.
const (
	raceEnabled  = false
	echoPerConn  = 8 << 20
	longLineSize = 1 << 30
	churnCycles  = 10000
)
