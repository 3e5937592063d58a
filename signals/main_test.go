package signals_test

import (
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	guard()
	goleak.VerifyTestMain(m)
}
