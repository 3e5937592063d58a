//go:build !race

package stream_test

// See race_test.go.
const (
	raceSlowdown = 1
	bulkSize     = 8 << 20
)
