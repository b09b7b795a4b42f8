package activities

import (
	"context"
	"errors"
	"fmt"

	"github.com/relmongo/relmongo/internal/connstr"
	"github.com/relmongo/relmongo/internal/contract"
	"github.com/relmongo/relmongo/internal/savedconn"
	"github.com/relmongo/relmongo/internal/store"
)

// runSetupError is a problem that stops a scheduled run as configured; its message says what to
// do and is recorded on the run's job.
type runSetupError struct{ msg string }

func (e *runSetupError) Error() string { return e.msg }

func runSetup(format string, args ...any) error {
	return &runSetupError{msg: fmt.Sprintf(format, args...)}
}

// resolveSavedConnections opens the saved connections a schedule names by id, as they are now,
// seals them for this run and shows them (masked) on the run's job record. It returns nil when
// the schedule names none. A deleted or changed-beyond-use connection is a *runSetupError; a
// store that cannot be read is retried.
func (a *Activities) resolveSavedConnections(ctx context.Context, run contract.ScheduledRunInput, job *store.Job) (*contract.Connections, error) {
	conns := run.Job.Connections
	if conns.SourceConnectionID == "" && conns.TargetConnectionID == "" {
		return nil, nil
	}
	load := func(id string) (store.Connection, error) {
		c, err := a.Store.GetConnection(ctx, id)
		if errors.Is(err, store.ErrNotFound) {
			return c, runSetup("saved connection %s of schedule %s was deleted: save it again under this id (savePassword: true), or update the schedule's job (PATCH /api/v1/schedules/%s)",
				id, run.ScheduleID, run.ScheduleID)
		}
		if err != nil {
			return c, fmt.Errorf("reading saved connection %s: %w", id, err)
		}
		return c, nil
	}
	if id := conns.SourceConnectionID; id != "" {
		c, err := load(id)
		if err != nil {
			return nil, err
		}
		src, err := savedconn.OpenSource(a.Key, c)
		if err != nil {
			return nil, runSetup("%v", err)
		}
		if src.Type != conns.SourceType {
			return nil, runSetup("saved connection %s is now a %s connection but schedule %s reads a %s source: save it again as %s, or update the schedule's job",
				id, src.Type, run.ScheduleID, conns.SourceType, conns.SourceType)
		}
		if conns.Source, err = a.Key.SealJSON(contract.SourceSecret{URL: src.URL, User: src.User, Password: src.Password}); err != nil {
			return nil, fmt.Errorf("sealing saved connection %s: %w", id, err)
		}
		job.JDBCConnectionString = c.MaskedURL
	}
	if id := conns.TargetConnectionID; id != "" {
		c, err := load(id)
		if err != nil {
			return nil, err
		}
		tgt, err := savedconn.OpenTarget(a.Key, c)
		if err != nil {
			return nil, runSetup("%v", err)
		}
		key, err := connstr.MongoTargetKey(tgt.ConnectionString)
		if err != nil {
			return nil, runSetup("saved connection %s: %v", id, err)
		}
		if conns.Target, err = a.Key.SealJSON(contract.TargetSecret{ConnectionString: tgt.ConnectionString}); err != nil {
			return nil, fmt.Errorf("sealing saved connection %s: %w", id, err)
		}
		job.MongoConnectionString, job.TargetKey = c.MaskedURL, key
	}
	return &conns, nil
}
