package stream_test

import (
	"bytes"
	"context"
	"io"
	"net"
	"testing"
	"time"

	"github.com/netaio/aio/stream"
)

func TestSmokeEcho(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	done := make(chan struct{})
	go func() {
		defer close(done)
		c, err := ln.Accept()
		if err != nil {
			return
		}
		r, w, _ := stream.Wrap(c)
		for {
			line, err := r.ReadLine(ctx)
			if len(line) > 0 {
				w.Write(bytes.ToUpper(line))
			}
			if err != nil {
				break
			}
		}
		w.Close()
		w.WaitClosed(ctx)
	}()
	r, w, err := stream.Open(ctx, "tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 100; i++ {
		w.Write([]byte("hello\n"))
	}
	if err := w.WriteEOF(); err != nil {
		t.Fatal(err)
	}
	all, err := r.ReadN(ctx, -1)
	if err != nil || string(all) != string(bytes.Repeat([]byte("HELLO\n"), 100)) {
		t.Fatalf("got %q, %v", all, err)
	}
	if _, err := r.ReadN(ctx, 1); err != io.EOF {
		t.Fatalf("got %v", err)
	}
	w.Close()
	w.WaitClosed(ctx)
	<-done
}
