//go:build !unix && !windows && !plan9

package signals

import (
	"fmt"
	"os"
	"runtime"
)

// validate rejects every signal: on js/wasm and wasip1 the runtime delivers
// none, so a handler would never run.
func validate(sig os.Signal) error {
	return fmt.Errorf("%w: %v: %s delivers no signals", ErrInvalidSignal, describe(sig), runtime.GOOS)
}
