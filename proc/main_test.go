package proc_test

import (
	"os"
	"strings"
	"testing"

	"go.uber.org/goleak"
)

// helperEnv marks a process started from this test binary as a helper
// program (see helpers_unix_test.go), as os/exec's own tests do: the test
// binary sets it in its environment, and its children inherit it.
const helperEnv = "PROC_TEST_HELPER"

func TestMain(m *testing.M) {
	if os.Getenv(helperEnv) == "1" && len(os.Args) > 1 && isHelper(os.Args[1]) {
		os.Exit(runHelper(os.Args[1], os.Args[2:]))
	}
	os.Setenv(helperEnv, "1")
	if raceEnabled {
		// A program built with -race sleeps 1 s at exit by default, which
		// every helper would add to its test.
		os.Setenv("GORACE", strings.TrimSpace(os.Getenv("GORACE")+" atexit_sleep_ms=0"))
	}
	goleak.VerifyTestMain(m)
}
