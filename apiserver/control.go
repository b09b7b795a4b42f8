package apiserver

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"sync/atomic"
	"time"

	"github.com/gorilla/mux"
	"go.temporal.io/api/serviceerror"

	"github.com/relmongo/relmongo/internal/contract"
	"github.com/relmongo/relmongo/internal/store"
)

// controlRoutes registers job control (pause/resume/stop) and per-table progress.
func (s *Server) controlRoutes(api *mux.Router) {
	api.HandleFunc("/jobs/{jobId}/pause", s.controlJob(actionPause)).Methods(http.MethodPost)
	api.HandleFunc("/jobs/{jobId}/resume", s.controlJob(actionResume)).Methods(http.MethodPost)
	api.HandleFunc("/jobs/{jobId}/stop", s.controlJob(actionStop)).Methods(http.MethodPost)
	api.HandleFunc("/jobs/{jobId}/tables", s.jobTables).Methods(http.MethodGet)
}

// Control actions, as they appear in paths and messages.
const (
	actionPause  = "pause"
	actionResume = "resume"
	actionStop   = "stop"
)

// signalTimeout bounds the Temporal call of a control request.
const signalTimeout = 10 * time.Second

// controlDecision is what a control action does to a job in a given status (API.md, States and
// control).
type controlDecision struct {
	// conflict: the action is not allowed in this status (409).
	conflict bool
	// signal is the workflow signal to send; "" sends none.
	signal string
	// to is the status to record now; "" leaves the record as it is ("200, no change").
	to string
	// from are the statuses the record must still have for the change to apply; another status
	// means the job moved meanwhile (e.g. it completed), which is a conflict.
	from []string
}

// decideControl is API.md's states-and-control table. started says whether the job got past its
// preparation (a resumed job that never started goes back to NOT_STARTED, not RUNNING).
//
// Pause and resume are signalled even when they change nothing: the workflow's own state is the
// truth, the record only mirrors it, and a repeated request with a newer stamp is harmless.
func decideControl(action, status string, started bool) controlDecision {
	active := status == contract.StatusNotStarted || status == contract.StatusRunning
	switch action {
	case actionPause:
		switch {
		case active:
			return controlDecision{signal: contract.SignalPause, to: contract.StatusPaused,
				from: []string{contract.StatusNotStarted, contract.StatusRunning, contract.StatusPaused}}
		case status == contract.StatusPaused:
			return controlDecision{signal: contract.SignalPause}
		}
	case actionResume:
		switch {
		case status == contract.StatusPaused:
			to := contract.StatusRunning
			if !started {
				to = contract.StatusNotStarted
			}
			return controlDecision{signal: contract.SignalResume, to: to, from: []string{contract.StatusPaused}}
		case active:
			return controlDecision{signal: contract.SignalResume}
		}
	case actionStop:
		switch {
		case active || status == contract.StatusPaused:
			return controlDecision{signal: contract.SignalStop, to: contract.StatusCancelling,
				from: []string{contract.StatusNotStarted, contract.StatusRunning, contract.StatusPaused, contract.StatusCancelling}}
		case status == contract.StatusCancelling:
			return controlDecision{}
		}
	}
	return controlDecision{conflict: true}
}

// conflictText explains a 409 and says what the user can do instead.
func conflictText(action, status string) (message, description string) {
	message = "the job is " + status + ": it cannot be " + pastTense(action)
	switch {
	case status == contract.StatusCancelling:
		description = "the job is stopping; wait until it is CANCELLED and start a new job (writes are idempotent, so a new job redoes little)"
	case status == contract.StatusCancelled && action == actionResume:
		description = "a stopped job is never resumed: start a new job (writes are idempotent, so a new job redoes little)"
	case contract.IsTerminal(status):
		description = "the job has ended; control applies to NOT_STARTED, RUNNING and PAUSED jobs"
	case status == contract.StatusCleaningUp:
		description = "the job has copied everything and is recording its end; control applies to NOT_STARTED, RUNNING and PAUSED jobs"
	default:
		description = "control applies to NOT_STARTED, RUNNING and PAUSED jobs (stop also to CANCELLING ones)"
	}
	return message, description
}

func pastTense(action string) string {
	switch action {
	case actionStop:
		return "stopped"
	case actionPause:
		return "paused"
	}
	return "resumed"
}

// stampClock makes the stamps of pause and resume signals strictly increasing within this
// process even when the wall clock steps back, so the workflow applies two requests of one API
// server in the order they were made. (Across API servers the clocks decide; requests that close
// together from different servers are a race by nature.)
var stampClock atomic.Int64

func nextStamp(now time.Time) int64 {
	for {
		prev := stampClock.Load()
		n := now.UnixNano()
		if n <= prev {
			n = prev + 1
		}
		if stampClock.CompareAndSwap(prev, n) {
			return n
		}
	}
}

// controlJob handles POST /jobs/{jobId}/pause|resume|stop: check the table, signal the job's
// workflow, record the new status at once (so GET /jobs/{id} shows it even before a worker has
// processed the signal, or when none runs), and answer the status object.
func (s *Server) controlJob(action string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		j, ok := s.loadJob(w, r)
		if !ok {
			return
		}
		id := j.ID
		d := decideControl(action, j.Status, j.StartedAt != nil)
		if d.conflict {
			msg, desc := conflictText(action, j.Status)
			s.writeError(w, s.controlConflict(action), msg, desc, id)
			return
		}
		if d.signal != "" {
			closed, ok := s.signalJob(w, r, id, action, d.signal)
			if !ok {
				return
			}
			if closed {
				s.afterClosed(w, r, j, action)
				return
			}
		}
		if action == actionStop && j.Status == contract.StatusCancelling {
			// Stop sends no signal to a stopping job, so ask Temporal whether its workflow
			// is gone (terminated while stopping): otherwise the job would stay CANCELLING.
			if changed, err := s.reconcile(r.Context(), j); err != nil {
				s.log.Warn("asking Temporal about a stopping job", "job_id", id, "error", err)
			} else if changed {
				s.respondJob(w, r, id)
				return
			}
		}
		if d.to != "" {
			err := s.store.UpdateJob(r.Context(), id, store.JobUpdate{Status: &d.to, IfStatusIn: d.from})
			if errors.Is(err, store.ErrConflict) {
				// The job moved on between our read and this write: either the workflow already
				// applied this very request (a stopped job may be CANCELLED by now), or the job
				// ended or was stopped meanwhile. Answer from its current status.
				s.afterConflict(w, r, id, action)
				return
			}
			if err != nil {
				s.storeError(w, err, "job "+id)
				return
			}
		}
		s.log.Info("job control", "job_id", id, "action", action, "from", j.Status, "to", d.to)
		s.respondJob(w, r, id)
	}
}

// signalJob sends a control signal to the job's workflow. closed reports that the workflow has
// closed in Temporal (it can take no signal). On another failure it writes the error response
// and returns ok false.
func (s *Server) signalJob(w http.ResponseWriter, r *http.Request, id, action, signal string) (closed, ok bool) {
	ctx, cancel := context.WithTimeout(r.Context(), signalTimeout)
	defer cancel()
	var arg any
	if signal != contract.SignalStop {
		arg = nextStamp(s.now())
	}
	err := s.temporal.SignalWorkflow(ctx, id, "", signal, arg)
	if err == nil {
		return false, true
	}
	var nf *serviceerror.NotFound
	if errors.As(err, &nf) {
		return true, true
	}
	s.log.Error("signalling job", "job_id", id, "signal", signal, "error", err)
	s.writeError(w, http.StatusServiceUnavailable, "the job could not be "+pastTense(action)+": Temporal did not accept the request",
		"check that Temporal is reachable and retry", id)
	return false, false
}

// afterClosed answers a control request on job j whose workflow has closed. Normally the workflow
// recorded the job's end first; if not (it was terminated outside relmongo), the job is
// reconciled: FAILED, or CANCELLED for a cancelled workflow. Stop then answers 200 with the
// reconciled job, since the job is stopped and its target free (API.md, Jobs closed outside
// relmongo); pause and resume answer 409, as for any ended job.
func (s *Server) afterClosed(w http.ResponseWriter, r *http.Request, j store.Job, action string) {
	changed, err := s.reconcile(r.Context(), j)
	if err != nil {
		s.log.Error("reconciling job with Temporal", "job_id", j.ID, "error", err)
		s.writeError(w, http.StatusServiceUnavailable, "the job could not be "+pastTense(action)+": its workflow has closed but Temporal could not tell how",
			"check that Temporal is reachable and retry", j.ID)
		return
	}
	if changed && action == actionStop {
		s.respondJob(w, r, j.ID)
		return
	}
	cur, err := s.store.GetJob(r.Context(), j.ID)
	if err != nil {
		s.storeError(w, err, "job "+j.ID)
		return
	}
	if slices.Contains(reached[action], cur.Status) {
		s.respondJob(w, r, j.ID)
		return
	}
	if contract.IsTerminal(cur.Status) || cur.Status == contract.StatusCleaningUp {
		msg, desc := conflictText(action, cur.Status)
		s.writeError(w, s.controlConflict(action), msg, desc, j.ID)
		return
	}
	// Temporal does not know the workflow, and the job is too recent to call it gone.
	s.writeError(w, http.StatusConflict, "the job's workflow is not running in Temporal",
		"its record says "+cur.Status+"; if the job was just created its workflow is starting: retry in a minute", j.ID)
}

// reached lists, per action, the statuses that mean the workflow has applied the request.
var reached = map[string][]string{
	actionPause:  {contract.StatusPaused},
	actionResume: {contract.StatusRunning, contract.StatusNotStarted},
	actionStop:   {contract.StatusCancelling, contract.StatusCancelled},
}

// afterConflict answers a request whose recorded change lost a race: 200 when the job is where the
// request leads (the workflow was faster than us), otherwise 409 from its current status.
func (s *Server) afterConflict(w http.ResponseWriter, r *http.Request, id, action string) {
	j, err := s.store.GetJob(r.Context(), id)
	if err != nil {
		s.storeError(w, err, "job "+id)
		return
	}
	if slices.Contains(reached[action], j.Status) {
		s.respondJob(w, r, id)
		return
	}
	msg, desc := conflictText(action, j.Status)
	s.writeError(w, s.controlConflict(action), msg, desc, id)
}

// controlConflict is 409, or 400 for pause/resume under --rm-legacy-status-codes (API.md).
func (s *Server) controlConflict(action string) int {
	if action == actionStop {
		return http.StatusConflict
	}
	return s.status(http.StatusConflict, http.StatusBadRequest)
}
