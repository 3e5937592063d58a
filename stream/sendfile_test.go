package stream_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/netaio/aio/stream"
)

// tempFile returns a file in t.TempDir() holding data, open for reading.
func tempFile(t *testing.T, data []byte) *os.File {
	t.Helper()
	name := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(name, data, 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// sendFilePair returns a Writer over network and the peer's end. Over
// "tls" the Writer sends by a copy loop instead of sendfile(2).
func sendFilePair(t *testing.T, network string) (*stream.Writer, net.Conn) {
	t.Helper()
	_, w, peer := writerPair(t, network)
	return w, peer
}

var sendFileNets = []string{"tcp", "unix", "tls", "pipe", "wrapped"}

func TestSendFile(t *testing.T) {
	data := randomBytes(300 << 10)
	for _, network := range sendFileNets {
		t.Run(network, func(t *testing.T) {
			for _, tc := range []struct {
				name          string
				offset, count int64
				want          []byte
			}{
				{"whole", 0, 0, data},
				{"offset to EOF", 7, 0, data[7:]},
				{"range", 1000, 5000, data[1000:6000]},
				{"count past EOF", int64(len(data)) - 10, 100, data[len(data)-10:]},
				{"offset at EOF", int64(len(data)), 0, nil},
				{"offset past EOF", int64(len(data)) + 5, 10, nil},
			} {
				t.Run(tc.name, func(t *testing.T) {
					ctx := testCtx(t)
					w, peer := sendFilePair(t, network)
					got := readAllAsync(peer)
					f := tempFile(t, data)
					f.Seek(123, io.SeekStart) // SendFile reads from offset, not from here
					n, err := w.SendFile(ctx, f, tc.offset, tc.count)
					if err != nil || n != int64(len(tc.want)) {
						t.Fatalf("SendFile(%d, %d) = %d, %v; want %d, nil", tc.offset, tc.count, n, err, len(tc.want))
					}
					if pos, _ := f.Seek(0, io.SeekCurrent); pos != tc.offset+n {
						t.Fatalf("file offset %d after SendFile, want %d", pos, tc.offset+n)
					}
					closeAndWait(t, w)
					if b := await(t, got, "peer's read"); !bytes.Equal(b, tc.want) {
						t.Fatalf("peer got %d bytes, want %d", len(b), len(tc.want))
					}
				})
			}
		})
	}
}

// TestSendFileOrder: what was written before SendFile arrives before the
// file, what is written while it runs arrives after.
func TestSendFileOrder(t *testing.T) {
	data := randomBytes(bulkSize)
	for _, network := range sendFileNets {
		t.Run(network, func(t *testing.T) {
			ctx := testCtx(t)
			w, peer := sendFilePair(t, network)
			f := tempFile(t, data)
			head := bytes.Repeat([]byte("h"), 200<<10) // more than the kernel takes at once
			w.Write(head)
			sent := make(chan int64, 1)
			done := goErr(func() error {
				n, err := w.SendFile(ctx, f, 0, 0)
				sent <- n
				return err
			})
			// The peer reads the head and the first byte of the file: the
			// file is being sent now.
			got := make([]byte, len(head)+1)
			if _, err := io.ReadFull(peer, got); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got[:len(head)], head) || got[len(head)] != data[0] {
				t.Fatal("the queued head did not arrive whole before the file")
			}
			w.Write([]byte("during"))
			rest := readAllAsync(peer)
			if err := await(t, done, "SendFile"); err != nil {
				t.Fatalf("SendFile: %v", err)
			}
			if n := <-sent; n != int64(len(data)) {
				t.Fatalf("SendFile sent %d, want %d", n, len(data))
			}
			w.Write([]byte("after"))
			closeAndWait(t, w)
			want := append(append(append([]byte(nil), data[1:]...), "during"...), "after"...)
			if b := await(t, rest, "peer's read"); !bytes.Equal(b, want) {
				t.Fatalf("peer got %d bytes after the head, want %d: the file, then \"during\" and \"after\"", len(b), len(want))
			}
		})
	}
}

func TestSendFileBadArguments(t *testing.T) {
	ctx := testCtx(t)
	_, w, _ := writerPair(t, "tcp")
	f := tempFile(t, []byte("data"))
	for _, tc := range []struct {
		offset, count int64
	}{{-1, 0}, {0, -1}, {-5, -5}} {
		if n, err := w.SendFile(ctx, f, tc.offset, tc.count); n != 0 || !errors.Is(err, stream.ErrNegativeCount) {
			t.Errorf("SendFile(%d, %d) = %d, %v; want 0, ErrNegativeCount", tc.offset, tc.count, n, err)
		}
	}
	if _, err := w.SendFile(ctx, nil, 0, 0); !errors.Is(err, stream.ErrInvalidOption) {
		t.Errorf("SendFile(nil file) = %v, want ErrInvalidOption", err)
	}
	// A file that cannot be read: its error, and nothing was sent, so the
	// connection is as good as before.
	closed := tempFile(t, []byte("data"))
	closed.Close()
	if _, err := w.SendFile(ctx, closed, 0, 0); err == nil {
		t.Error("SendFile of a closed file succeeded")
	}
	dir, err := os.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer dir.Close()
	if _, err := w.SendFile(ctx, dir, 0, 0); err == nil {
		t.Error("SendFile of a directory succeeded")
	}
	if _, err := w.Write([]byte("x")); err != nil {
		t.Errorf("Write after a SendFile whose file failed: %v", err)
	}
	if err := w.Drain(ctx); err != nil {
		t.Errorf("Drain after a SendFile whose file failed: %v", err)
	}
}

// TestSendFileCancel: ctx ends a SendFile blocked on a peer that never
// reads, promptly, with what was sent counted.
func TestSendFileCancel(t *testing.T) {
	for _, network := range sendFileNets {
		t.Run(network, func(t *testing.T) {
			w, _ := neverReading(t, network)
			// A sparse file, far larger than any socket buffer.
			f := tempFile(t, nil)
			const size = 256 << 20
			if err := f.Close(); err != nil {
				t.Fatal(err)
			}
			if err := os.Truncate(f.Name(), size); err != nil {
				t.Fatal(err)
			}
			f, err := os.Open(f.Name())
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			ctx, cancel := context.WithCancel(testCtx(t))
			var returned time.Time
			var n int64
			done := goErr(func() error {
				var err error
				n, err = w.SendFile(ctx, f, 0, 0)
				returned = time.Now()
				return err
			})
			waitParked(t, "stream.(*Writer).SendFile")
			cancelled := time.Now()
			cancel()
			if err := await(t, done, "SendFile"); !errors.Is(err, context.Canceled) {
				t.Fatalf("SendFile = %d, %v; want Canceled", n, err)
			}
			if d := returned.Sub(cancelled); d > promptly {
				t.Fatalf("SendFile returned %v after cancel, want <= %v", d, promptly)
			}
			if n >= size {
				t.Fatalf("SendFile sent %d of %d bytes to a peer that never reads", n, size)
			}
			if pos, _ := f.Seek(0, io.SeekCurrent); pos != n {
				t.Fatalf("file offset %d, want %d: what was sent", pos, n)
			}
		})
	}
}
