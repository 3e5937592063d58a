package stream_test

import (
	"fmt"
	"net"
	"os"
	"testing"

	"github.com/netaio/aio/stream"
)

// TestOpenUnixAbstract: on Linux a name starting with "@" is an abstract
// socket, with no file behind it.
func TestOpenUnixAbstract(t *testing.T) {
	name := fmt.Sprintf("@aio-stream-test-%d-%s", os.Getpid(), t.Name())
	ln, err := net.Listen("unix", name)
	if err != nil {
		t.Fatalf("Listen(%q): %v", name, err)
	}
	t.Cleanup(func() { ln.Close() })
	echoLines(t, ln)
	r, w, err := stream.OpenUnix(testCtx(t), name)
	if err != nil {
		t.Fatalf("OpenUnix(%q): %v", name, err)
	}
	if got := w.Conn().RemoteAddr().String(); got != name {
		t.Fatalf("RemoteAddr = %q, want %q", got, name)
	}
	roundTrip(t, r, w)
	closeAndWait(t, w)
	if _, err := os.Stat(name); err == nil {
		t.Fatalf("a file %q exists for an abstract socket", name)
	}
}
