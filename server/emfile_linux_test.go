package server_test

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/netaio/aio/server"
)

// TestAcceptEMFILE runs out of file descriptors for real, in a child
// process (this test binary again, with a lowered RLIMIT_NOFILE): clients
// keep connecting until the server's accept fails with EMFILE; the server
// logs it, pauses, and serves every waiting client once some descriptors
// are free again.
func TestAcceptEMFILE(t *testing.T) {
	if os.Getenv("AIO_EMFILE_CHILD") == "1" {
		emfileChild(t)
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestAcceptEMFILE$", "-test.v")
	cmd.Env = append(os.Environ(), "AIO_EMFILE_CHILD=1")
	done := make(chan struct{})
	timer := time.AfterFunc(60*time.Second, func() { cmd.Process.Kill(); close(done) })
	out, err := cmd.CombinedOutput()
	if !timer.Stop() {
		<-done
		t.Fatalf("child killed after 60s:\n%s", out)
	}
	if err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	for _, want := range []string{"too many open files", "all clients served"} {
		if !strings.Contains(string(out), want) {
			t.Fatalf("child output lacks %q:\n%s", want, out)
		}
	}
}

func emfileChild(t *testing.T) {
	logs := &logBuffer{}
	s := start(t, "tcp", "127.0.0.1:0", echoLines, server.WithLogger(logs.logger()))
	addr := s.Addrs()[0].String()
	// Room for a few connections only.
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		t.Fatal(err)
	}
	old := lim
	lim.Cur = uint64(countFDs(t) + 12)
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		t.Fatal(err)
	}
	defer syscall.Setrlimit(syscall.RLIMIT_NOFILE, &old)

	// Each served client holds two descriptors (its own and the server's);
	// the client that takes the last one leaves the server's accept
	// without any.
	var clients []net.Conn
	for len(clients) < 100 {
		c, err := net.DialTimeout("tcp", addr, 5*time.Second)
		if err != nil {
			break // the client side ran out too
		}
		clients = append(clients, c)
	}
	eventually(t, 10*time.Second, "EMFILE logged", func() bool {
		return strings.Contains(logs.String(), "too many open files")
	})
	// Free descriptors: the first half of the clients leave.
	half := len(clients) / 2
	for _, c := range clients[:half] {
		c.Close()
	}
	for i, c := range clients[half:] {
		c.SetDeadline(time.Now().Add(20 * time.Second))
		msg := fmt.Sprintf("client %d\n", i)
		if _, err := io.WriteString(c, msg); err != nil {
			t.Fatalf("client %d: %v", i, err)
		}
		got, err := bufio.NewReader(c).ReadString('\n')
		if err != nil || got != msg {
			t.Fatalf("client %d: got %q, %v\nlog:\n%s", i, got, err, logs.String())
		}
		c.Close()
	}
	fmt.Printf("all clients served: %d clients, %d waited for descriptors\n", len(clients), len(clients)-half)
	fmt.Print(logs.String())
}
