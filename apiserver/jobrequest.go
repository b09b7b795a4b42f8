package apiserver

import (
	"fmt"
	"strings"
	"time"

	"github.com/relmongo/relmongo/internal/contract"
	"github.com/relmongo/relmongo/internal/project"
)

// createJobRequest is the body of POST /jobs (API.md, Create request). Pointer fields tell a
// missing value from a zero one; fields Relational Migrator defines but relmongo does not act on
// are accepted so its users' scripts keep working.
type createJobRequest struct {
	ProjectID              *string                                   `json:"projectId"`
	JDBC                   *jdbcDetails                              `json:"jdbcConnectionDetails"`
	Mongo                  *mongoDetails                             `json:"mongodbConnectionDetails"`
	Options                *jobOptions                               `json:"options"`
	Verification           *verification                             `json:"verification"`
	RelationalTableFilters map[string]map[string]project.TableFilter `json:"relationalTableFilters,omitempty"`
	CollectionFilters      []string                                  `json:"collectionFilters,omitempty"`
	// TestHooks is accepted only by servers started for tests (Config.AllowTestHooks).
	TestHooks *contract.TestHooks `json:"testHooks,omitempty"`
}

type jdbcDetails struct {
	Type                 *string `json:"type"`
	URL                  *string `json:"url"`
	User                 string  `json:"user,omitempty"`
	Password             string  `json:"password,omitempty"`
	ID                   string  `json:"id,omitempty"`
	SavePassword         bool    `json:"savePassword,omitempty"`
	ExistingConnectionID string  `json:"existingConnectionId,omitempty"`
	IsManualURI          bool    `json:"isManualUri,omitempty"`
	OraclePdbName        string  `json:"oraclePdbName,omitempty"`
}

type mongoDetails struct {
	ConnectionString     *string `json:"connectionString"`
	ID                   string  `json:"id,omitempty"`
	SavePassword         bool    `json:"savePassword,omitempty"`
	ExistingConnectionID string  `json:"existingConnectionId,omitempty"`
	ProjectID            string  `json:"projectId,omitempty"`
	ProjectName          string  `json:"projectName,omitempty"`
	ClusterName          string  `json:"clusterName,omitempty"`
}

type jobOptions struct {
	Mode                       *string `json:"mode"`
	DropCollections            *bool   `json:"dropCollections,omitempty"`
	ErrorHandling              *string `json:"errorHandling,omitempty"`
	ErrorTolerance             *int64  `json:"errorTolerance,omitempty"`
	SourceTimeZone             *string `json:"sourceTimeZone,omitempty"`
	ChunkRows                  *int64  `json:"chunkRows,omitempty"`
	ChunkBytes                 *int64  `json:"chunkBytes,omitempty"`
	Parallelism                *int    `json:"parallelism,omitempty"`
	ChunkWindow                *int    `json:"chunkWindow,omitempty"`
	MaxSourceConnections       *int    `json:"maxSourceConnections,omitempty"`
	SignalingTable             any     `json:"signalingTable,omitempty"`
	IncrementalSnapshotOptions any     `json:"incrementalSnapshotOptions,omitempty"`
}

type verification struct {
	Enabled     *bool  `json:"enabled"`
	Mode        string `json:"mode,omitempty"`
	SampleSize  *int64 `json:"sampleSize,omitempty"`
	Type        string `json:"type,omitempty"`
	CountMethod string `json:"countMethod,omitempty"`
}

// requestProblems collects every problem of a request: 400s (invalid) and 422s (valid but not
// runnable by this build).
type requestProblems struct {
	invalid   []string
	unrunning []string
}

func (p *requestProblems) bad(format string, args ...any) {
	p.invalid = append(p.invalid, fmt.Sprintf(format, args...))
}

func (p *requestProblems) cannot(format string, args ...any) {
	p.unrunning = append(p.unrunning, fmt.Sprintf(format, args...))
}

// validate checks required fields, enums and ranges, and resolves defaults into options.
func (req *createJobRequest) validate(allowHooks bool) (contract.Options, requestProblems) {
	var p requestProblems
	if req.ProjectID == nil || *req.ProjectID == "" {
		p.bad("projectId is required")
	} else if !idPattern.MatchString(*req.ProjectID) {
		p.bad("projectId %q must match ^[A-Za-z0-9-]+$", *req.ProjectID)
	}
	if req.JDBC == nil {
		p.bad("jdbcConnectionDetails is required")
	} else {
		switch {
		case req.JDBC.Type == nil || *req.JDBC.Type == "":
			p.bad("jdbcConnectionDetails.type is required (POSTGRESQL, SQL_SERVER or SQLITE)")
		case *req.JDBC.Type == "POSTGRESQL", *req.JDBC.Type == "SQLITE", *req.JDBC.Type == "SQL_SERVER":
		case *req.JDBC.Type == "MYSQL", *req.JDBC.Type == "ORACLE", *req.JDBC.Type == "SYBASE", *req.JDBC.Type == "DB2":
			p.cannot("jdbcConnectionDetails.type %s is not supported yet; POSTGRESQL, SQL_SERVER and SQLITE are", *req.JDBC.Type)
		default:
			p.bad("jdbcConnectionDetails.type %q is not a known database type", *req.JDBC.Type)
		}
		if (req.JDBC.URL == nil || *req.JDBC.URL == "") && req.JDBC.ExistingConnectionID == "" {
			p.bad("jdbcConnectionDetails.url is required (or existingConnectionId)")
		}
		savedConnectionProblems(&p, "jdbcConnectionDetails", req.JDBC.ID, req.JDBC.ExistingConnectionID, req.JDBC.SavePassword)
	}
	if req.Mongo == nil {
		p.bad("mongodbConnectionDetails is required")
	} else {
		if (req.Mongo.ConnectionString == nil || *req.Mongo.ConnectionString == "") && req.Mongo.ExistingConnectionID == "" {
			p.bad("mongodbConnectionDetails.connectionString is required (or existingConnectionId)")
		}
		savedConnectionProblems(&p, "mongodbConnectionDetails", req.Mongo.ID, req.Mongo.ExistingConnectionID, req.Mongo.SavePassword)
	}
	opts := contract.Options{Mode: "SNAPSHOT", ErrorHandling: "FAIL", SourceTimeZone: "UTC", ChunkRows: 10000,
		ChunkBytes: 16 << 20, Parallelism: 2, ChunkWindow: 4, MaxSourceConnections: 8}
	if req.Options == nil {
		p.bad("options is required (at least {\"mode\": \"SNAPSHOT\"})")
	} else {
		o := req.Options
		switch {
		case o.Mode == nil || *o.Mode == "":
			p.bad("options.mode is required (SNAPSHOT)")
		case *o.Mode == "SNAPSHOT":
		case *o.Mode == "CDC", *o.Mode == "CDC_ONLY", *o.Mode == "INCREMENTAL":
			p.cannot("options.mode %s is not supported yet; use SNAPSHOT", *o.Mode)
		default:
			p.bad("options.mode %q must be SNAPSHOT, CDC, CDC_ONLY or INCREMENTAL", *o.Mode)
		}
		if o.DropCollections != nil {
			opts.DropCollections = *o.DropCollections
		}
		if o.ErrorHandling != nil {
			switch *o.ErrorHandling {
			case "FAIL", "WARN", "SKIP":
				opts.ErrorHandling = *o.ErrorHandling
			default:
				p.bad("options.errorHandling %q must be FAIL, WARN or SKIP", *o.ErrorHandling)
			}
		}
		if o.ErrorTolerance != nil {
			if *o.ErrorTolerance < 0 {
				p.bad("options.errorTolerance must be >= 0")
			}
			opts.ErrorTolerance = *o.ErrorTolerance
		}
		if o.SourceTimeZone != nil {
			if _, err := time.LoadLocation(*o.SourceTimeZone); err != nil || *o.SourceTimeZone == "" || strings.EqualFold(*o.SourceTimeZone, "local") {
				p.bad("options.sourceTimeZone %q is not an IANA time zone name (e.g. UTC, Europe/Paris)", *o.SourceTimeZone)
			} else {
				opts.SourceTimeZone = *o.SourceTimeZone
			}
		}
		intOpt(&p, "chunkRows", o.ChunkRows, 1, 10_000_000, &opts.ChunkRows)
		intOpt(&p, "chunkBytes", o.ChunkBytes, 1<<10, 1<<30, &opts.ChunkBytes)
		smallOpt(&p, "parallelism", o.Parallelism, 1, 64, &opts.Parallelism)
		smallOpt(&p, "chunkWindow", o.ChunkWindow, 1, 64, &opts.ChunkWindow)
		smallOpt(&p, "maxSourceConnections", o.MaxSourceConnections, 1, 256, &opts.MaxSourceConnections)
		if o.SignalingTable != nil || o.IncrementalSnapshotOptions != nil {
			p.cannot("options.signalingTable and options.incrementalSnapshotOptions need CDC, which is not supported yet")
		}
	}
	if req.Verification == nil || req.Verification.Enabled == nil {
		p.bad("verification.enabled is required (true or false)")
	}
	if req.TestHooks != nil && !allowHooks {
		p.bad("unknown field \"testHooks\"")
	}
	for schemaName, tables := range req.RelationalTableFilters {
		for table, f := range tables {
			if f.RowCount != nil && *f.RowCount < 0 {
				p.bad("relationalTableFilters[%q][%q].rowCount must be >= 0", schemaName, table)
			}
		}
	}
	return opts, p
}

// maxSampleSize bounds verification.sampleSize: a larger sample is better served by mode ALL.
const maxSampleSize = 1_000_000

// verificationOf validates the verification object and applies its defaults (mode SAMPLE, 1000
// rows). Mode and sampleSize are checked even when verification is disabled, so a typo is
// reported rather than ignored.
func (req *createJobRequest) verificationOf(p *requestProblems) contract.Verification {
	v := contract.Verification{Mode: contract.VerifySample, SampleSize: 1000}
	r := req.Verification
	if r == nil || r.Enabled == nil {
		return v
	}
	v.Enabled = *r.Enabled
	switch r.Mode {
	case "":
	case contract.VerifySample, contract.VerifyAll:
		v.Mode = r.Mode
	default:
		p.bad("verification.mode %q must be SAMPLE (sampleSize root rows spread over each collection) or ALL (every document)", r.Mode)
	}
	if r.SampleSize != nil {
		if *r.SampleSize < 1 || *r.SampleSize > maxSampleSize {
			p.bad("verification.sampleSize must be between 1 and %d (got %d); use mode ALL to compare every document", maxSampleSize, *r.SampleSize)
		} else {
			v.SampleSize = *r.SampleSize
		}
	}
	return v
}

func intOpt(p *requestProblems, name string, v *int64, lo, hi int64, dst *int64) {
	if v == nil {
		return
	}
	if *v < lo || *v > hi {
		p.bad("options.%s must be between %d and %d (got %d)", name, lo, hi, *v)
		return
	}
	*dst = *v
}

func smallOpt(p *requestProblems, name string, v *int, lo, hi int, dst *int) {
	if v == nil {
		return
	}
	if *v < lo || *v > hi {
		p.bad("options.%s must be between %d and %d (got %d)", name, lo, hi, *v)
		return
	}
	*dst = *v
}
