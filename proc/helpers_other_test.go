//go:build !unix

package proc_test

func isHelper(string) bool           { return false }
func runHelper(string, []string) int { return 2 }
