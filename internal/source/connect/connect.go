// Package connect opens the source dialect that a parsed connection names.
package connect

import (
	"context"
	"fmt"

	"github.com/relmongo/relmongo/internal/connstr"
	"github.com/relmongo/relmongo/internal/source"
	"github.com/relmongo/relmongo/internal/source/postgres"
	"github.com/relmongo/relmongo/internal/source/sqlite"
	"github.com/relmongo/relmongo/internal/source/sqlserver"
)

// Open connects to the source database described by cs with at most maxConns connections.
func Open(ctx context.Context, cs connstr.Source, maxConns int) (source.Source, error) {
	switch cs.Type {
	case "POSTGRESQL":
		return postgres.Open(ctx, cs.PgxConnString(), maxConns)
	case connstr.TypeSQLite:
		return sqlite.Open(ctx, cs.Path, cs.Params, maxConns)
	case connstr.TypeSQLServer:
		s, err := sqlserver.Open(ctx, cs, maxConns)
		if err != nil {
			return nil, err // not a typed nil inside the interface
		}
		return s, nil
	default:
		return nil, fmt.Errorf("source type %s is not supported yet; use POSTGRESQL, SQL_SERVER or SQLITE", cs.Type)
	}
}
