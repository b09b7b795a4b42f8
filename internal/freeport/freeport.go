// Package freeport finds and checks TCP ports on the loopback interface.
//
// Ports are picked the way the Temporal CLI does it: listen on port 0, note
// the port the kernel chose and close the listener. Another process may take
// such a port before the caller binds it, so callers that can should bind
// promptly and report a clear error when that race is lost.
package freeport

import (
	"errors"
	"fmt"
	"net"
	"strconv"
)

// host is the only interface relmongo's embedded services listen on.
const host = "127.0.0.1"

// maxPorts bounds Get so that a wrong argument cannot exhaust file descriptors.
const maxPorts = 1024

// Get returns n distinct free TCP ports on 127.0.0.1.
//
// It listens on port 0 n times and keeps every listener open until all n
// ports are chosen, so the kernel cannot hand out the same port twice, then
// closes them all.
func Get(n int) ([]int, error) {
	if n < 0 || n > maxPorts {
		return nil, fmt.Errorf("asking for %d free ports: the count must be between 0 and %d", n, maxPorts)
	}
	listeners := make([]net.Listener, 0, n)
	// Closing happens in every case: the ports are only reserved while we pick.
	defer func() {
		for _, l := range listeners {
			_ = l.Close()
		}
	}()
	ports := make([]int, 0, n)
	for range n {
		l, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
		if err != nil {
			return nil, fmt.Errorf("finding a free TCP port on %s: %w", host, err)
		}
		listeners = append(listeners, l)
		addr, ok := l.Addr().(*net.TCPAddr)
		if !ok {
			return nil, fmt.Errorf("finding a free TCP port on %s: unexpected listener address %v", host, l.Addr())
		}
		ports = append(ports, addr.Port)
	}
	return ports, nil
}

// Check returns an error naming the port if 127.0.0.1:port cannot be listened
// on right now (it is taken, or it is not a valid port number).
func Check(port int) error {
	if port < 1 || port > 65535 {
		return fmt.Errorf("port %d is not a valid TCP port: use a number from 1 to 65535", port)
	}
	l, err := net.Listen("tcp", net.JoinHostPort(host, strconv.Itoa(port)))
	if err != nil {
		return fmt.Errorf("port %d on %s cannot be listened on: %w", port, host, err)
	}
	if err := l.Close(); err != nil && !errors.Is(err, net.ErrClosed) {
		return fmt.Errorf("releasing port %d on %s after checking it: %w", port, host, err)
	}
	return nil
}
