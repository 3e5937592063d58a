// Command benchserver serves the workloads of the cross-language stream
// benchmark (../shared/bench) with package server and package stream, so
// that the whole stack is measured against the peer servers there.
//
// Usage: benchserver PORT WORKLOAD   (WORKLOAD: echo | line | sink)
//
// It listens on 127.0.0.1:PORT with a backlog of 1024, as the peers do,
// prints "ready" once listening, and stops on SIGINT or SIGTERM. The
// handlers are what an application would write:
//
//   - echo: frames whose first 4 bytes are the big-endian length of the
//     rest; each frame is read with ReadExactly and echoed with one Write,
//     then Drain.
//   - line: each line is read with ReadLine and echoed with Write.
//     Pipelined replies are coalesced by the Writer itself.
//   - sink: an endless stream of 64 KiB chunks in which byte k is k & 0xff,
//     sent with Write and Drain.
//
// ../shared/bench/run.sh compares it with the peers; next to this file,
// cell.sh runs one cell and ab.sh runs cells of several builds in turns,
// for A/B pairs.
package main

import (
	"context"
	"encoding/binary"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/netaio/aio/server"
	"github.com/netaio/aio/stream"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: benchserver PORT echo|line|sink")
		os.Exit(2)
	}
	handlers := map[string]server.Handler{"echo": echo, "line": line, "sink": sink}
	h, ok := handlers[os.Args[2]]
	if !ok {
		fmt.Fprintln(os.Stderr, "benchserver: unknown workload", os.Args[2])
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	srv, err := server.Start(ctx, "tcp", "127.0.0.1:"+os.Args[1], h, server.WithBacklog(1024))
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchserver:", err)
		os.Exit(1)
	}
	fmt.Println("ready")
	srv.ServeForever(ctx)
}

// maxFrame bounds the frames echo accepts (the load generator sends at
// most 1 MiB).
const maxFrame = 64 << 20

func echo(ctx context.Context, r *stream.Reader, w *stream.Writer) {
	for {
		// Peek the header, then take header and body as one slice, so the
		// reply is a single Write of what was read.
		hdr, err := r.Peek(ctx, 4)
		if err != nil {
			return
		}
		n := 4 + int(binary.BigEndian.Uint32(hdr))
		if n > maxFrame {
			return
		}
		frame, err := r.ReadExactly(ctx, n)
		if err != nil {
			return
		}
		w.Write(frame)
		if err := w.Drain(ctx); err != nil {
			return
		}
	}
}

func line(ctx context.Context, r *stream.Reader, w *stream.Writer) {
	for {
		l, err := r.ReadLine(ctx)
		if err != nil {
			return // EOF, or a line over the limit
		}
		if _, err := w.Write(l); err != nil {
			return
		}
		// Backpressure only when a client stops reading. (Drain on every
		// line would also keep replies coalesced, since it leaves held
		// replies alone below the high watermark, but costs a little more:
		// 0.70 against 0.66 us of server CPU a line in ../shared/bench.)
		if w.Buffered() > stream.DefaultHighWater {
			if err := w.Drain(ctx); err != nil {
				return
			}
		}
	}
}

// chunk is 64 KiB of the sink pattern: byte k of the stream is k & 0xff,
// and 64 KiB is a multiple of 256, so every chunk is the same.
var chunk = func() []byte {
	b := make([]byte, 64<<10)
	for i := range b {
		b[i] = byte(i)
	}
	return b
}()

func sink(ctx context.Context, _ *stream.Reader, w *stream.Writer) {
	for {
		if _, err := w.Write(chunk); err != nil {
			return
		}
		if err := w.Drain(ctx); err != nil {
			return
		}
	}
}
