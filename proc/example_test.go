//go:build unix

package proc_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log"
	"time"

	"github.com/netaio/aio/proc"
)

// The subprocess example of asyncio's documentation: run a program that
// prints the current date and read one line of its output.
func ExampleExec() {
	ctx := context.Background()
	p, err := proc.Exec(ctx, "date", nil, proc.Stdout(proc.Pipe))
	if err != nil {
		log.Fatal(err)
	}
	line, err := p.Stdout.ReadLine(ctx)
	if err != nil {
		log.Fatal(err)
	}
	code, err := p.Wait(ctx)
	if err != nil {
		log.Fatal(err)
	}
	// The date changes from run to run: print what does not.
	date := string(bytes.TrimSpace(line))
	fmt.Println("read the current date:", date != "")
	fmt.Println("return code:", code)
	// Output:
	// read the current date: true
	// return code: 0
}

// Communicate writes the input, reads both outputs at once and waits: the
// way to exchange data with a child without deadlock.
func ExampleProcess_Communicate() {
	ctx := context.Background()
	p, err := proc.Exec(ctx, "tr", []string{"a-z", "A-Z"}, proc.Stdin(proc.Pipe), proc.Stdout(proc.Pipe))
	if err != nil {
		log.Fatal(err)
	}
	out, _, err := p.Communicate(ctx, []byte("hello, world\n"))
	if err != nil {
		log.Fatal(err)
	}
	code, _ := p.ReturnCode()
	fmt.Printf("%s", out)
	fmt.Println("return code:", code)
	// Output:
	// HELLO, WORLD
	// return code: 0
}

// A shell pipeline, read line by line; standard error goes into the same
// pipe as standard output (asyncio's stderr=STDOUT).
func ExampleShell() {
	ctx := context.Background()
	p, err := proc.Shell(ctx, "printf 'pear\\napple\\nfig\\n' | sort | head -n 2; echo done >&2",
		proc.Stdout(proc.Pipe), proc.Stderr(proc.ToStdout))
	if err != nil {
		log.Fatal(err)
	}
	for line, err := range p.Stdout.Lines(ctx) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("%s", line)
	}
	code, err := p.Wait(ctx)
	fmt.Println("return code:", code, err)
	// Output:
	// apple
	// fig
	// done
	// return code: 0 <nil>
}

// The ctx given to Exec or Shell bounds the child's life: when it ends, the
// child and what it started get SIGTERM (then SIGKILL after the kill
// grace), and Wait reports the signal as -15 with ctx's error.
func ExampleShell_cancel() {
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	p, err := proc.Shell(ctx, "sleep 1000 & sleep 1000; wait")
	if err != nil {
		log.Fatal(err)
	}
	// Wait's own ctx bounds only the wait.
	code, err := p.Wait(context.Background())
	fmt.Println("return code:", code)
	fmt.Println("deadline exceeded:", errors.Is(err, context.DeadlineExceeded))
	// Output:
	// return code: -15
	// deadline exceeded: true
}
