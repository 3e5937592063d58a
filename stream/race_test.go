//go:build race

package stream_test

// Under the race detector every memory access is instrumented (5-10x
// slower) and goroutines are scheduled later on a loaded machine, so the
// bulk transfers are scaled down (they check integrity, not throughput:
// 1 MiB crosses every queueing path as well as 8 MiB does) and the
// promptness bound is relaxed. The uninstrumented run checks the real
// figures.
const (
	raceSlowdown = 4
	bulkSize     = 1 << 20
)
