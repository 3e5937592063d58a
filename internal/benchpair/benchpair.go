// Package benchpair times two implementations of one operation in turns,
// inside one benchmark. On a shared machine whose speed drifts, a ratio
// taken within each pair is steadier than one of two benchmarks run one
// after the other (go test -count runs every repeat of one before the
// other's).
package benchpair

import (
	"testing"
	"time"
)

// Time runs x and y once each per iteration of b.Loop, alternating which
// goes first so that neither always does, and returns the time spent in
// each and the number of iterations.
func Time(b *testing.B, x, y func()) (tx, ty time.Duration, n int) {
	for b.Loop() {
		first, second, t1, t2 := x, y, &tx, &ty
		if n%2 == 1 {
			first, second, t1, t2 = y, x, &ty, &tx
		}
		t0 := time.Now()
		first()
		mid := time.Now()
		second()
		*t1 += mid.Sub(t0)
		*t2 += time.Since(mid)
		n++
	}
	return tx, ty, n
}
