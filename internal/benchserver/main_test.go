package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"io"
	"net"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/netaio/aio/server"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// serve starts h the way main does and returns a client connection.
func serve(t *testing.T, h server.Handler) net.Conn {
	t.Helper()
	s, err := server.Start(context.Background(), "tcp", "127.0.0.1:0", h, server.WithBacklog(1024))
	if err != nil {
		t.Fatal(err)
	}
	c, err := net.DialTimeout("tcp", s.Addrs()[0].String(), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	c.SetDeadline(time.Now().Add(20 * time.Second))
	t.Cleanup(func() {
		c.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := s.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
	})
	return c
}

// The wire formats are those of ../shared/bench/load.
func TestEcho(t *testing.T) {
	c := serve(t, echo)
	br := bufio.NewReader(c)
	for _, size := range []int{4, 5, 64, 1024, 16 << 10, 1 << 20} {
		frame := make([]byte, size)
		binary.BigEndian.PutUint32(frame, uint32(size-4))
		for i := 4; i < size; i++ {
			frame[i] = byte(i * 7)
		}
		// Two frames in one write, as a pipelining client sends them.
		if _, err := c.Write(append(append([]byte(nil), frame...), frame...)); err != nil {
			t.Fatal(err)
		}
		back := make([]byte, 2*size)
		if _, err := io.ReadFull(br, back); err != nil {
			t.Fatalf("size %d: %v", size, err)
		}
		if !bytes.Equal(back[:size], frame) || !bytes.Equal(back[size:], frame) {
			t.Fatalf("size %d: echo differs", size)
		}
	}
}

func TestLine(t *testing.T) {
	c := serve(t, line)
	var batch []byte
	for i := range 200 {
		batch = append(batch, bytes.Repeat([]byte{'a' + byte(i%26)}, 99)...)
		batch = append(batch, '\n')
	}
	go c.Write(batch)
	back := make([]byte, len(batch))
	if _, err := io.ReadFull(c, back); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(back, batch) {
		t.Fatal("lines differ")
	}
}

func TestSink(t *testing.T) {
	c := serve(t, sink)
	got := make([]byte, 3<<20)
	if _, err := io.ReadFull(c, got); err != nil {
		t.Fatal(err)
	}
	for k, b := range got {
		if b != byte(k) {
			t.Fatalf("byte %d is %d, want %d", k, b, byte(k))
		}
	}
}
