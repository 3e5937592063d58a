//go:build unix

package proc_test

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// helpers are the programs the test binary plays when started with
// PROC_TEST_HELPER=1 and the helper's name as its first argument. Each
// returns its exit status.
var helpers = map[string]func(args []string) int{
	// echo prints its arguments, as echo(1).
	"echo": func(args []string) int {
		fmt.Println(strings.Join(args, " "))
		return 0
	},
	// lines prints "line 1" to "line N".
	"lines": func(args []string) int {
		n, _ := strconv.Atoi(args[0])
		for i := 1; i <= n; i++ {
			fmt.Printf("line %d\n", i)
		}
		return 0
	},
	// cat copies its standard input to its standard output.
	"cat": func([]string) int {
		if _, err := io.Copy(os.Stdout, os.Stdin); err != nil {
			return 1
		}
		return 0
	},
	// tee2 copies its standard input to both its standard output and error.
	"tee2": func([]string) int {
		buf := make([]byte, 64<<10)
		for {
			n, err := os.Stdin.Read(buf)
			if n > 0 {
				if _, err := os.Stdout.Write(buf[:n]); err != nil {
					return 1
				}
				if _, err := os.Stderr.Write(buf[:n]); err != nil {
					return 1
				}
			}
			if err == io.EOF {
				return 0
			}
			if err != nil {
				return 1
			}
		}
	},
	// count prints how many bytes its standard input had.
	"count": func([]string) int {
		n, _ := io.Copy(io.Discard, os.Stdin)
		fmt.Println(n)
		return 0
	},
	// exit exits with the status given.
	"exit": func(args []string) int {
		n, _ := strconv.Atoi(args[0])
		return n
	},
	// outerr writes its first argument to stdout, then its second to stderr.
	"outerr": func(args []string) int {
		fmt.Fprintln(os.Stdout, args[0])
		fmt.Fprintln(os.Stderr, args[1])
		return 0
	},
	// getenv prints the value of an environment variable, or "<unset>".
	"getenv": func(args []string) int {
		v, ok := os.LookupEnv(args[0])
		if !ok {
			v = "<unset>"
		}
		fmt.Println(v)
		return 0
	},
	// pwd prints the working directory.
	"pwd": func([]string) int {
		d, err := os.Getwd()
		if err != nil {
			return 1
		}
		fmt.Println(d)
		return 0
	},
	// hang prints its arguments (or "ready") and then waits to be killed.
	"hang": func(args []string) int {
		if len(args) == 0 {
			args = []string{"ready"}
		}
		fmt.Println(strings.Join(args, " "))
		return hang()
	},
	// hangerr writes "partial" to stdout, then "go" to stderr, then hangs.
	"hangerr": func([]string) int {
		fmt.Fprintln(os.Stdout, "partial")
		fmt.Fprintln(os.Stderr, "go")
		return hang()
	},
	// ignoreterm ignores SIGTERM, prints "ready" and waits to be killed.
	"ignoreterm": func([]string) int {
		signal.Ignore(syscall.SIGTERM)
		fmt.Println("ready")
		return hang()
	},
	// selfkill kills itself with SIGKILL.
	"selfkill": func([]string) int {
		syscall.Kill(os.Getpid(), syscall.SIGKILL)
		return hang()
	},
	// readline reads one line of standard input and prints it in brackets.
	"readline": func([]string) int {
		line, _ := bufio.NewReader(os.Stdin).ReadString('\n')
		fmt.Printf("[%s]\n", strings.TrimSuffix(line, "\n"))
		return 0
	},
	// spawn starts a hanging grandchild that shares its standard output,
	// prints the grandchild's pid and exits at once.
	"spawn": func([]string) int {
		cmd := exec.Command(os.Args[0], "hang", "grandchild")
		cmd.Stdout = os.Stdout
		if err := cmd.Start(); err != nil {
			return 1
		}
		fmt.Println(cmd.Process.Pid)
		return 0
	},
}

func isHelper(name string) bool { return helpers[name] != nil }

func runHelper(name string, args []string) int { return helpers[name](args) }

// hang waits until the process is killed; the parent test bounds it.
func hang() int {
	for {
		time.Sleep(time.Hour)
	}
}
