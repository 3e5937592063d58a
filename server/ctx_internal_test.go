package server

import "testing"

// TestCancelCtxKeyLearnt guards the shortcut that keeps the Reader's ctx
// registration shallow (see connCtx.Value): if a Go release changes how
// context.Cause looks its key up, this fails, and idle connections would
// cost 2 KiB more each without any other test noticing.
func TestCancelCtxKeyLearnt(t *testing.T) {
	if cancelCtxKey == nil {
		t.Fatal("the context package's cancelCtx key was not learnt")
	}
}
