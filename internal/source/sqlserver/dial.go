package sqlserver

import (
	"context"
	"database/sql/driver"
	"net"
	"sync"
	"time"

	mssql "github.com/microsoft/go-mssqldb"
)

// loginTimeout bounds the TDS pre-login and login exchange of one new connection.
const loginTimeout = 30 * time.Second

// go-mssqldb bounds the TCP dial but not the pre-login and login exchange that follows, and
// ignores the context there: a server (or a proxy) that accepts the connection and never
// answers would hang Open, a pre-check and every activity forever. The connector below puts a
// deadline on the socket until the login is done (the earlier of loginTimeout and the
// context's deadline, and at once when the context is cancelled), then clears it so that long
// reads are bounded by the statement timeout only.

// loginKey marks the context of one Connect, carrying the socket the dialer opened.
type loginKey struct{}

// loginSocket is the socket of one connection attempt while it logs in.
type loginSocket struct {
	mu       sync.Mutex
	conns    []net.Conn
	deadline time.Time
	expired  bool
	done     bool
}

func (h *loginSocket) add(c net.Conn) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.conns = append(h.conns, c)
	if h.expired {
		_ = c.SetDeadline(time.Now())
		return
	}
	_ = c.SetDeadline(h.deadline)
}

// expire ends a login at once (its context was cancelled).
func (h *loginSocket) expire() {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.done {
		return
	}
	h.expired = true
	for _, c := range h.conns {
		_ = c.SetDeadline(time.Now())
	}
}

// finish clears the deadline of a connection that logged in.
func (h *loginSocket) finish() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.done = true
	for _, c := range h.conns {
		_ = c.SetDeadline(time.Time{})
	}
}

// dialer is go-mssqldb's network dialer (TCP keep-alive as the driver's own) that hands the
// sockets it opens to the loginSocket of the context.
type dialer struct {
	nd net.Dialer
}

// DialContext implements mssql.Dialer.
func (d *dialer) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	c, err := d.nd.DialContext(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	if h, ok := ctx.Value(loginKey{}).(*loginSocket); ok {
		h.add(c)
	}
	return c, nil
}

// connector wraps the driver's connector to bound each login (see above).
type connector struct {
	inner *mssql.Connector
}

func newConnector(dsn string) (*connector, error) {
	inner, err := mssql.NewConnector(dsn)
	if err != nil {
		return nil, err
	}
	inner.Dialer = &dialer{nd: net.Dialer{KeepAlive: 30 * time.Second}}
	return &connector{inner: inner}, nil
}

// Connect implements driver.Connector.
func (c *connector) Connect(ctx context.Context) (driver.Conn, error) {
	h := &loginSocket{deadline: time.Now().Add(loginTimeout)}
	if d, ok := ctx.Deadline(); ok && d.Before(h.deadline) {
		h.deadline = d
	}
	stop := context.AfterFunc(ctx, h.expire)
	conn, err := c.inner.Connect(context.WithValue(ctx, loginKey{}, h))
	stop()
	if err != nil {
		return nil, err
	}
	h.finish()
	return conn, nil
}

// Driver implements driver.Connector.
func (c *connector) Driver() driver.Driver { return c.inner.Driver() }
