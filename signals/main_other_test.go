//go:build !unix

package signals_test

// guard has nothing to do: the tests that send signals run on Unix only.
func guard() {}
