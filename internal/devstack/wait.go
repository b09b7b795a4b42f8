package devstack

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"time"

	"go.temporal.io/api/workflowservice/v1"
	"google.golang.org/grpc"
)

// pollInterval is how often readiness probes retry; start-up takes about half
// a second, so a short interval matters for test suites that start many stacks.
const pollInterval = 25 * time.Millisecond

// poll calls probe until it succeeds or ctx ends; the error then names what
// was awaited and the probe's last error.
func poll(ctx context.Context, what string, probe func(context.Context) error) error {
	var last error
	for {
		attemptCtx, cancel := context.WithTimeout(ctx, 2*time.Second)
		last = probe(attemptCtx)
		cancel()
		if last == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("waiting for %s: %w (last attempt: %v)", what, ctx.Err(), last)
		case <-time.After(pollInterval):
		}
	}
}

// waitHTTP200 waits until GET url answers 200.
func waitHTTP200(ctx context.Context, url string) error {
	client := &http.Client{}
	defer client.CloseIdleConnections()
	return poll(ctx, "the Temporal Web UI at "+url, func(ctx context.Context) error {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return err
		}
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		_ = resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("GET %s answered %s", url, resp.Status)
		}
		return nil
	})
}

// waitTCP waits until a TCP connection to addr succeeds.
func waitTCP(ctx context.Context, what, addr string) error {
	var d net.Dialer
	return poll(ctx, what+" at "+addr, func(ctx context.Context) error {
		conn, err := d.DialContext(ctx, "tcp", addr)
		if err != nil {
			return err
		}
		return conn.Close()
	})
}

// waitNamespace waits until the frontend answers DescribeNamespace, which
// needs the frontend, persistence and the namespace registry to be up.
func waitNamespace(ctx context.Context, conn *grpc.ClientConn, namespace string) error {
	wf := workflowservice.NewWorkflowServiceClient(conn)
	return poll(ctx, "the Temporal frontend to describe namespace "+namespace, func(ctx context.Context) error {
		_, err := wf.DescribeNamespace(ctx, &workflowservice.DescribeNamespaceRequest{Namespace: namespace})
		return err
	})
}
