//go:build !linux

package server_test

import (
	"net"
	"testing"
)

func keepAliveOf(t testing.TB, c net.Conn) (o struct{ on, idle int }) {
	t.Skip("Linux only")
	return o
}

func queued(testing.TB, net.Conn) int { return 0 }

const canQueued = false
