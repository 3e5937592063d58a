//go:build unix

package signals_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/netaio/aio/signals"
)

// The examples send signals to their own process, as `kill -HUP <pid>` or
// Ctrl-C would.
func kill(sig syscall.Signal) {
	if err := syscall.Kill(os.Getpid(), sig); err != nil {
		panic(err)
	}
}

// Reload the configuration on SIGHUP, the Unix convention.
func ExampleAdd() {
	reloaded := make(chan string)
	err := signals.Add(syscall.SIGHUP, func(sig os.Signal) {
		// This runs on a goroutine of the signals package; a real program
		// would re-read its configuration here.
		reloaded <- "reloading on " + sig.String()
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer signals.Remove(syscall.SIGHUP)

	kill(syscall.SIGHUP)
	fmt.Println(<-reloaded)
	// Output: reloading on hangup
}

// Signals that cannot be caught are refused with an error value.
func ExampleAdd_uncatchable() {
	err := signals.Add(syscall.SIGKILL, func(os.Signal) {})
	fmt.Println(err)
	fmt.Println(errors.Is(err, signals.ErrUncatchable))
	// Output:
	// signals: signal cannot be caught: killed
	// true
}

// A Context ends with the first signal and says which one it was.
func ExampleContext() {
	ctx, stop := signals.Context(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	kill(syscall.SIGTERM)
	<-ctx.Done()

	fmt.Println(context.Cause(ctx))
	var se *signals.SignalError
	if errors.As(context.Cause(ctx), &se) {
		fmt.Println(se.Signal == syscall.SIGTERM)
	}
	// Output:
	// signals: received terminated
	// true
}

// The first SIGINT or SIGTERM starts a graceful shutdown with a deadline; a
// second one cuts it short. An http.Server with a request in flight stands in
// for the service; the same steps apply to any server with Shutdown and Close.
func Example_gracefulShutdown() {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Println(err)
		return
	}
	inFlight := make(chan struct{})
	handlerDone := make(chan struct{})
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer close(handlerDone)
		close(inFlight)
		<-r.Context().Done() // a request that outlasts any grace period
	})}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()

	// The first SIGINT or SIGTERM ends ctx.
	ctx, stop := signals.Context(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	// A client whose request keeps the server busy.
	clientDone := make(chan struct{})
	go func() {
		defer close(clientDone)
		client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
		if resp, err := client.Get("http://" + ln.Addr().String()); err == nil {
			resp.Body.Close()
		}
	}()
	<-inFlight

	kill(syscall.SIGTERM) // the orchestrator asks the service to stop

	<-ctx.Done()
	fmt.Println("shutting down:", context.Cause(ctx))

	// Listen for the second signal before the slow part starts. The grace
	// period ends at the deadline or at the second signal.
	force, stopForce := signals.Context(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stopForce()
	grace, cancel := context.WithTimeout(force, 30*time.Second)
	defer cancel()

	kill(syscall.SIGINT) // an impatient operator presses Ctrl-C

	if err := srv.Shutdown(grace); err != nil {
		fmt.Println("forcing:", context.Cause(grace))
		srv.Close()
	}
	<-handlerDone
	<-clientDone
	fmt.Println("serve returned:", <-served)
	// Output:
	// shutting down: signals: received terminated
	// forcing: signals: received interrupt
	// serve returned: http: Server closed
}

// Two stages without a gap: handlers installed up front count the
// deliveries, so no moment exists in which a second signal could take its
// default action.
func ExampleAdd_twoStages() {
	var n atomic.Int32
	graceful, force := make(chan os.Signal, 1), make(chan os.Signal, 1)
	onStop := func(sig os.Signal) {
		switch n.Add(1) { // handlers of different signals may run at once
		case 1:
			graceful <- sig
		case 2:
			force <- sig
		}
	}
	for _, sig := range []os.Signal{os.Interrupt, syscall.SIGTERM} {
		if err := signals.Add(sig, onStop); err != nil {
			fmt.Println(err)
			return
		}
		defer signals.Remove(sig)
	}

	kill(syscall.SIGTERM)
	fmt.Println("graceful shutdown on", <-graceful)
	kill(syscall.SIGINT)
	fmt.Println("forced on", <-force)
	// Output:
	// graceful shutdown on terminated
	// forced on interrupt
}
