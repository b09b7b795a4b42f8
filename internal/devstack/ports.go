package devstack

import (
	"fmt"
	"slices"

	"github.com/relmongo/relmongo/internal/freeport"
)

// Flag names of `relmongo dev` that move each user-visible service to another
// port; errors name them so the message says what to do.
const (
	flagTemporalPort = "--temporal-port"
	flagUIPort       = "--ui-port"
	flagMongoPort    = "--mongo-port"
)

// PortInUseError reports that a port the stack was asked to listen on is taken
// (or otherwise cannot be bound). Callers can match it with errors.As to react
// differently from other start-up failures.
type PortInUseError struct {
	Port    int    // the port asked for
	Service string // human name of what wanted it, e.g. "Temporal frontend"
	Hint    string // likely culprit, e.g. "another Temporal?"
	Flag    string // the `relmongo dev` flag that picks another port
	Err     error  // why listening failed
}

// Error implements error.
func (e *PortInUseError) Error() string {
	return fmt.Sprintf("port %d is in use: %s pass %s to give the %s another port (%v)",
		e.Port, e.Hint, e.Flag, e.Service, e.Err)
}

// Unwrap returns the underlying listen error.
func (e *PortInUseError) Unwrap() error { return e.Err }

// ports is the full port plan of one stack; 0 means "not used".
type ports struct {
	frontend     int // Temporal frontend gRPC (what SDK clients dial)
	frontendHTTP int // Temporal frontend HTTP API
	history      int
	matching     int
	worker       int
	ui           int
	mongo        int
}

// requestedPort is one port of Config: fixed when > 0, picked when 0.
type requestedPort struct {
	dst     *int
	want    int
	service string
	hint    string
	flag    string
}

// planPorts checks every fixed port first, then picks free ports for the rest.
// Fixed ports are checked before anything starts because the UI server kills
// the whole process when it cannot listen (DEVSTACK.md pitfall 4).
func planPorts(cfg Config) (ports, error) {
	var p ports
	requested := []requestedPort{{
		dst: &p.frontend, want: cfg.FrontendPort,
		service: "Temporal frontend", hint: "another Temporal server?", flag: flagTemporalPort,
	}}
	if cfg.UIPort >= 0 {
		requested = append(requested, requestedPort{
			dst: &p.ui, want: cfg.UIPort,
			service: "Temporal Web UI", hint: "another Temporal Web UI?", flag: flagUIPort,
		})
	}
	if cfg.EmbeddedMongo {
		requested = append(requested, requestedPort{
			dst: &p.mongo, want: cfg.MongoPort,
			service: "embedded MongoDB (FerretDB)", hint: "a MongoDB server?", flag: flagMongoPort,
		})
	}

	var fixed []int
	auto := []*int{&p.frontendHTTP, &p.history, &p.matching, &p.worker}
	for _, r := range requested {
		if r.want == 0 {
			auto = append(auto, r.dst)
			continue
		}
		if slices.Contains(fixed, r.want) {
			return ports{}, fmt.Errorf("port %d is asked for twice: give the %s its own port with %s", r.want, r.service, r.flag)
		}
		if err := freeport.Check(r.want); err != nil {
			return ports{}, &PortInUseError{Port: r.want, Service: r.service, Hint: r.hint, Flag: r.flag, Err: err}
		}
		fixed = append(fixed, r.want)
		*r.dst = r.want
	}

	picked, err := pickAvoiding(len(auto), fixed)
	if err != nil {
		return ports{}, err
	}
	for i, dst := range auto {
		*dst = picked[i]
	}
	return p, nil
}

// pickAvoiding returns n free ports none of which is in avoid. The kernel picks
// from the ephemeral range, which rarely holds a fixed port, so a retry or two
// settles any clash.
func pickAvoiding(n int, avoid []int) ([]int, error) {
	for range 5 {
		got, err := freeport.Get(n)
		if err != nil {
			return nil, fmt.Errorf("picking free ports for the embedded services: %w", err)
		}
		if !slices.ContainsFunc(got, func(p int) bool { return slices.Contains(avoid, p) }) {
			return got, nil
		}
	}
	return nil, fmt.Errorf("picking %d free ports that differ from %v failed after 5 tries: free some ports or pass other fixed ports", n, avoid)
}
