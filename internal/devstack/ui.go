package devstack

import (
	uiserver "github.com/temporalio/ui-server/v2/server"
	uiconfig "github.com/temporalio/ui-server/v2/server/config"
	"github.com/temporalio/ui-server/v2/server/server_options"
)

// webUI is a running Temporal Web UI server.
type webUI struct {
	srv  *uiserver.Server
	done chan struct{} // closed when the serving goroutine returns
}

// startUI starts the Temporal Web UI on 127.0.0.1:port, proxying to the
// frontend at frontendPort.
//
// uiserver.Server.Start blocks and, on a listen error, calls echo's
// Logger.Fatal, which exits the whole process (DEVSTACK.md pitfall 4). The
// port was checked just before, and the UI is started before Temporal opens
// any outgoing connection that could take the port as its ephemeral source.
// A process that grabs the port in that window still kills us; ui-server
// offers no way to hand it a pre-bound listener.
func startUI(port, frontendPort int, namespace string) *webUI {
	srv := uiserver.NewServer(server_options.WithConfigProvider(&uiconfig.Config{
		Host:                loopback,
		Port:                port,
		TemporalGRPCAddress: hostPort(frontendPort),
		EnableUI:            true,
		DefaultNamespace:    namespace,
		// Plain http on loopback: a Secure CSRF cookie would never be sent back.
		CORS:             uiconfig.CORS{CookieInsecure: true},
		HideLogs:         true,
		DisableNewsFetch: true,
	}))
	ui := &webUI{srv: srv, done: make(chan struct{})}
	go func() {
		defer close(ui.done)
		// Start returns nil once Stop closes the server; any other outcome
		// has already ended the process inside ui-server.
		_ = srv.Start()
	}()
	return ui
}

// stop closes the listener and all UI connections and waits for the serving
// goroutine. The UI's gRPC client connection to the frontend is created and
// owned inside ui-server, which never closes it; it holds no listening port
// and stays idle once the frontend is gone.
func (u *webUI) stop() {
	u.srv.Stop()
	<-u.done
}
