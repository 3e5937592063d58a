//go:build unix

package proc_test

import (
	"bytes"
	"context"
	"io"
	"os/exec"
	"testing"

	"github.com/netaio/aio/internal/benchpair"
	"github.com/netaio/aio/proc"
)

// BenchmarkSpawnTrue starts `true` and waits for it: proc against a bare
// exec.Cmd (whose nil streams are the null device, as given to proc).
func BenchmarkSpawnTrue(b *testing.B) {
	ctx := context.Background()
	b.Run("exec.Cmd", func(b *testing.B) {
		for b.Loop() {
			if err := exec.Command("true").Run(); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("proc", func(b *testing.B) {
		for b.Loop() {
			p, err := proc.Exec(ctx, "true", nil,
				proc.Stdin(proc.DevNull), proc.Stdout(proc.DevNull), proc.Stderr(proc.DevNull))
			if err != nil {
				b.Fatal(err)
			}
			if code, err := p.Wait(ctx); code != 0 || err != nil {
				b.Fatal(code, err)
			}
		}
	})
}

// BenchmarkSpawnTruePaired runs the two of BenchmarkSpawnTrue in turns, one
// pair per iteration (see benchpair), and reports their times and ratio.
func BenchmarkSpawnTruePaired(b *testing.B) {
	ctx := context.Background()
	runExec := func() {
		if err := exec.Command("true").Run(); err != nil {
			b.Fatal(err)
		}
	}
	runProc := func() {
		p, err := proc.Exec(ctx, "true", nil,
			proc.Stdin(proc.DevNull), proc.Stdout(proc.DevNull), proc.Stderr(proc.DevNull))
		if err != nil {
			b.Fatal(err)
		}
		if code, err := p.Wait(ctx); code != 0 || err != nil {
			b.Fatal(code, err)
		}
	}
	execT, procT, n := benchpair.Time(b, runExec, runProc)
	b.ReportMetric(float64(execT.Nanoseconds())/float64(n), "exec-ns/op")
	b.ReportMetric(float64(procT.Nanoseconds())/float64(n), "proc-ns/op")
	b.ReportMetric(float64(procT)/float64(execT), "proc/exec")
}

// BenchmarkCat256MiB sends 256 MiB through cat and reads it back:
// Communicate against exec.Cmd's pipes with io.Copy on both ends.
func BenchmarkCat256MiB(b *testing.B) {
	ctx := context.Background()
	input := make([]byte, 256<<20)
	for i := range input {
		input[i] = byte(i)
	}
	b.Run("exec.Cmd", func(b *testing.B) {
		b.SetBytes(int64(len(input)))
		for b.Loop() {
			cmd := exec.Command("cat")
			stdin, err := cmd.StdinPipe()
			if err != nil {
				b.Fatal(err)
			}
			stdout, err := cmd.StdoutPipe()
			if err != nil {
				b.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				b.Fatal(err)
			}
			fed := make(chan error, 1)
			go func() {
				_, err := io.Copy(stdin, bytes.NewReader(input))
				stdin.Close()
				fed <- err
			}()
			var out bytes.Buffer
			if _, err := io.Copy(&out, stdout); err != nil {
				b.Fatal(err)
			}
			if err := <-fed; err != nil {
				b.Fatal(err)
			}
			if err := cmd.Wait(); err != nil {
				b.Fatal(err)
			}
			if out.Len() != len(input) {
				b.Fatalf("got %d bytes", out.Len())
			}
		}
	})
	b.Run("proc", func(b *testing.B) {
		b.SetBytes(int64(len(input)))
		for b.Loop() {
			p, err := proc.Exec(ctx, "cat", nil, proc.Stdin(proc.Pipe), proc.Stdout(proc.Pipe), proc.Stderr(proc.DevNull))
			if err != nil {
				b.Fatal(err)
			}
			out, _, err := p.Communicate(ctx, input)
			if err != nil {
				b.Fatal(err)
			}
			if len(out) != len(input) {
				b.Fatalf("got %d bytes", len(out))
			}
		}
	})
}
