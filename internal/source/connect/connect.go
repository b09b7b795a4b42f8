// Package connect opens the source dialect that a parsed connection names.
package connect

import (
	"context"
	"fmt"

	"github.com/relmongo/relmongo/internal/connstr"
	"github.com/relmongo/relmongo/internal/source"
	"github.com/relmongo/relmongo/internal/source/postgres"
)

// Open connects to the source database described by cs with at most maxConns connections.
func Open(ctx context.Context, cs connstr.Source, maxConns int) (source.Source, error) {
	switch cs.Type {
	case "POSTGRESQL":
		return postgres.Open(ctx, cs.PgxConnString(), maxConns)
	default:
		return nil, fmt.Errorf("source type %s is not supported yet; use POSTGRESQL", cs.Type)
	}
}
