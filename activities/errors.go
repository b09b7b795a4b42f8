package activities

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
	"go.temporal.io/sdk/temporal"

	"github.com/relmongo/relmongo/internal/contract"
	mongosink "github.com/relmongo/relmongo/internal/sink/mongo"
	"github.com/relmongo/relmongo/internal/source"
	"github.com/relmongo/relmongo/internal/store"
)

// setupError marks err as a non-retryable setup problem (a fix in the request or project).
func setupError(err error) error {
	return temporal.NewNonRetryableApplicationError(err.Error(), contract.ErrTypeSetup, nil)
}

// storeError makes a store error about job jobID final when the job record does not exist: the
// API that created the job writes to another store, and retrying cannot help.
func storeError(jobID string, err error) error {
	if errors.Is(err, store.ErrNotFound) {
		return temporal.NewNonRetryableApplicationError(fmt.Sprintf(
			"job %s is not in this worker's metadata store: the API server and every worker must use the same --store and secret key", jobID),
			contract.ErrTypeSetup, nil)
	}
	return err
}

// timeoutError turns a source call that ran out of its statement time (opCtx ended while the
// activity's ctx did not) into a final error that says what to change; other errors are classified.
func timeoutError(opCtx, activityCtx context.Context, what string, err error) error {
	if errors.Is(opCtx.Err(), context.DeadlineExceeded) && activityCtx.Err() == nil {
		return temporal.NewNonRetryableApplicationError(fmt.Sprintf(
			"%s: the statement timeout was reached (%v): simplify the whereClause or add an index", what, err), contract.ErrTypeSource, nil)
	}
	return classify(err)
}

// classify decides once, with typed checks, whether err is worth retrying. Permanent errors become
// non-retryable application errors with a stable type; everything else is returned as is and
// retried by the activity's bounded retry policy.
func classify(err error) error {
	if err == nil {
		return nil
	}
	var app *temporal.ApplicationError
	if errors.As(err, &app) || errors.Is(err, context.Canceled) {
		return err
	}
	if errors.Is(err, source.ErrBadFilter) {
		return temporal.NewNonRetryableApplicationError(err.Error(), contract.ErrTypeSetup, nil)
	}
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		switch {
		case pg.Code == "28P01" || pg.Code == "28000":
			return temporal.NewNonRetryableApplicationError("the source rejected the credentials: "+err.Error()+"; check the user and password", contract.ErrTypeSource, nil)
		case pg.Code == "3D000":
			return temporal.NewNonRetryableApplicationError(err.Error()+"; check the database name in the connection URL", contract.ErrTypeSetup, nil)
		case pg.Code == "57014":
			return temporal.NewNonRetryableApplicationError(err.Error()+" (the statement timeout was reached: simplify the whereClause or add an index)", contract.ErrTypeSource, nil)
		case pg.Code == "25006":
			return temporal.NewNonRetryableApplicationError(err.Error()+" (a whereClause must only read)", contract.ErrTypeSetup, nil)
		case strings.HasPrefix(pg.Code, "42"), strings.HasPrefix(pg.Code, "22"):
			// Syntax errors, undefined tables/columns, bad casts: retrying cannot help.
			return temporal.NewNonRetryableApplicationError(err.Error(), contract.ErrTypeSetup, nil)
		}
		return err // connection exceptions (08), serialization failures and deadlocks (40), shutdowns (57P)
	}
	if mongosink.IsTransient(err) {
		return err
	}
	return err
}
