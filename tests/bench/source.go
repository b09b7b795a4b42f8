package main

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
)

// sourceInfo describes the generated source tables. Bytes are the size of each table's binary
// COPY stream: the unit every "source MB/s" figure in the report is based on, so read ceiling
// and jobs are compared on the same bytes.
type sourceInfo struct {
	Database       string  `json:"database"`
	FlatRows       int64   `json:"flatRows"`
	Orders         int64   `json:"orders"`
	Lines          int64   `json:"orderLines"`
	FlatCopyBytes  int64   `json:"flatCopyBytes"`
	OrderCopyBytes int64   `json:"ordersCopyBytes"`
	LineCopyBytes  int64   `json:"orderLinesCopyBytes"`
	FlatHeapBytes  int64   `json:"flatTableBytes"`
	AvgFlatRowSize float64 `json:"avgFlatRowBytes"` // pg_column_size of a whole row, on average
	GenerateSecs   float64 `json:"generateSeconds"`
}

// source is the benchmark's PostgreSQL database.
type source struct {
	admin string // admin connection string
	db    string // name of the benchmark database
	url   string // connection string of the benchmark database
	conn  *pgx.Conn
	info  sourceInfo
}

// sourceDDL builds the tables with generate_series. The flat table mixes the column kinds the
// issue names (int key, text, numeric, timestamptz, boolean, nullable columns), about 200 bytes
// a row; orders/order_lines is the 1:N pair, linked by the only foreign key so projects need no via.
func sourceDDL(rows, orders, lines int) []string {
	return []string{
		`CREATE TABLE flat (id integer NOT NULL, name text NOT NULL, descr text NOT NULL, amount numeric(14,4) NOT NULL,
			created_at timestamptz NOT NULL, active boolean NOT NULL, note text, qty integer, ratio double precision)`,
		fmt.Sprintf(`INSERT INTO flat SELECT i, 'name-' || i, repeat(md5(i::text), 3), round((i %% 1000003) / 7.0, 4),
			timestamptz '2020-01-01 00:00:00+00' + i * interval '17 seconds', i %% 2 = 0,
			CASE WHEN i %% 3 = 0 THEN NULL ELSE md5((i * 7)::text) END,
			CASE WHEN i %% 5 = 0 THEN NULL ELSE i %% 1000 END,
			CASE WHEN i %% 7 = 0 THEN NULL ELSE i / 3.0 END
			FROM generate_series(1, %d) AS i`, rows),
		`ALTER TABLE flat ADD PRIMARY KEY (id)`,
		`CREATE TABLE orders (id integer NOT NULL, customer text NOT NULL, placed_at timestamptz NOT NULL,
			total numeric(12,2) NOT NULL, status text NOT NULL, note text)`,
		fmt.Sprintf(`INSERT INTO orders SELECT o, 'customer-' || (o %% 50000), timestamptz '2021-01-01 00:00:00+00' + o * interval '61 seconds',
			round((o %% 100000) / 3.0, 2), (ARRAY['NEW','PAID','SHIPPED','DONE'])[1 + o %% 4],
			CASE WHEN o %% 4 = 0 THEN NULL ELSE md5(o::text) END
			FROM generate_series(1, %d) AS o`, orders),
		`ALTER TABLE orders ADD PRIMARY KEY (id)`,
		`CREATE TABLE order_lines (id integer NOT NULL, order_id integer NOT NULL, line_no integer NOT NULL, sku text NOT NULL,
			qty integer NOT NULL, price numeric(10,2) NOT NULL, discount numeric(5,2))`,
		fmt.Sprintf(`INSERT INTO order_lines SELECT (o - 1) * %[2]d + l, o, l, 'SKU-' || substr(md5((o * 10 + l)::text), 1, 12),
			1 + (o + l) %% 9, round(((o * l) %% 10000) / 7.0, 2), CASE WHEN l %% 2 = 0 THEN NULL ELSE 5.00 END
			FROM generate_series(1, %[1]d) AS o, generate_series(1, %[2]d) AS l`, orders, lines),
		`ALTER TABLE order_lines ADD PRIMARY KEY (id)`,
		`ALTER TABLE order_lines ADD FOREIGN KEY (order_id) REFERENCES orders (id)`,
		`CREATE INDEX ON order_lines (order_id)`,
		`CREATE TABLE tiny (id integer PRIMARY KEY, name text NOT NULL)`,
		`INSERT INTO tiny VALUES (1, 'one row')`,
		`VACUUM ANALYZE flat`, `VACUUM ANALYZE orders`, `VACUUM ANALYZE order_lines`, `VACUUM ANALYZE tiny`,
	}
}

// createSource (re)creates the benchmark database and fills it.
func createSource(ctx context.Context, cfg *config) (*source, error) {
	if strings.ContainsAny(cfg.dbName, `"'\ `) || cfg.dbName == "" {
		return nil, fmt.Errorf("invalid -db %q: use a plain identifier such as relmongo_bench", cfg.dbName)
	}
	s := &source{admin: cfg.pgURL, db: cfg.dbName}
	start := time.Now()
	if err := s.dropDB(ctx); err != nil {
		return nil, err
	}
	admin, err := pgx.Connect(ctx, cfg.pgURL)
	if err != nil {
		return nil, fmt.Errorf("connecting to PostgreSQL (set -pg or RELMONGO_TEST_PG_URL): %w", err)
	}
	_, err = admin.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{cfg.dbName}.Sanitize())
	admin.Close(ctx)
	if err != nil {
		return nil, fmt.Errorf("creating database %s: %w", cfg.dbName, err)
	}
	if s.url, err = withDatabase(cfg.pgURL, cfg.dbName); err != nil {
		return nil, err
	}
	if s.conn, err = pgx.Connect(ctx, s.url); err != nil {
		return nil, fmt.Errorf("connecting to %s: %w", cfg.dbName, err)
	}
	progress("generating %d flat rows and %d orders x %d lines in database %s", cfg.rows, cfg.orders, cfg.linesPerOrder, cfg.dbName)
	for _, stmt := range sourceDDL(cfg.rows, cfg.orders, cfg.linesPerOrder) {
		if _, err := s.conn.Exec(ctx, stmt); err != nil {
			s.close()
			return nil, fmt.Errorf("generating the source (%s...): %w", firstLine(stmt), err)
		}
	}
	s.info = sourceInfo{Database: cfg.dbName, FlatRows: int64(cfg.rows), Orders: int64(cfg.orders),
		Lines: int64(cfg.orders) * int64(cfg.linesPerOrder), GenerateSecs: time.Since(start).Seconds()}
	err = s.conn.QueryRow(ctx, `SELECT pg_table_size('flat'), (SELECT avg(pg_column_size(f.*)) FROM flat f)::float8`).
		Scan(&s.info.FlatHeapBytes, &s.info.AvgFlatRowSize)
	if err != nil {
		s.close()
		return nil, fmt.Errorf("measuring the flat table: %w", err)
	}
	progress("source generated in %.1fs (flat: %.1f MB on disk, %.0f bytes a row)", s.info.GenerateSecs,
		float64(s.info.FlatHeapBytes)/1e6, s.info.AvgFlatRowSize)
	return s, nil
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	return s
}

// withDatabase returns the admin connection string pointed at database db.
func withDatabase(admin, db string) (string, error) {
	u, err := url.Parse(admin)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return "", fmt.Errorf("-pg must be a postgres:// URL, e.g. postgres://postgres@127.0.0.1:5432/postgres")
	}
	u.Path = "/" + db
	return u.String(), nil
}

func (s *source) close() {
	if s.conn != nil {
		s.conn.Close(context.Background())
		s.conn = nil
	}
}

// drop removes the benchmark database (with a fresh context: it also runs after Ctrl-C).
func (s *source) drop() error {
	s.close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	return s.dropDB(ctx)
}

func (s *source) dropDB(ctx context.Context) error {
	admin, err := pgx.Connect(ctx, s.admin)
	if err != nil {
		return fmt.Errorf("connecting to PostgreSQL (set -pg or RELMONGO_TEST_PG_URL): %w", err)
	}
	defer admin.Close(context.Background())
	// FORCE: a worker killed mid-job may leave connections behind.
	if _, err := admin.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{s.db}.Sanitize()+" WITH (FORCE)"); err != nil {
		return fmt.Errorf("dropping database %s: %w", s.db, err)
	}
	return nil
}

// countingDiscard counts and drops what is written to it.
type countingDiscard struct{ n atomic.Int64 }

func (c *countingDiscard) Write(p []byte) (int, error) {
	c.n.Add(int64(len(p)))
	return len(p), nil
}

// copyOut streams COPY (query) TO STDOUT (FORMAT binary) into a discarding writer on a new
// connection and returns the bytes received.
func copyOut(ctx context.Context, connURL, query string) (int64, error) {
	conn, err := pgx.Connect(ctx, connURL)
	if err != nil {
		return 0, fmt.Errorf("connecting for COPY: %w", err)
	}
	defer conn.Close(context.Background())
	w := &countingDiscard{}
	if _, err := conn.PgConn().CopyTo(ctx, w, "COPY ("+query+") TO STDOUT (FORMAT binary)"); err != nil {
		return 0, fmt.Errorf("COPY (%s): %w", query, err)
	}
	return w.n.Load(), nil
}

// readCeiling measures the read ceiling: the flat table's rows through binary COPY, split into
// key ranges read by 1, 2, 4... connections at once; the best is the ceiling. It also records
// the COPY size of every table, the unit of the report's source MB/s.
func readCeiling(ctx context.Context, cfg *config, s *source) (*ceiling, error) {
	var err error
	// The order tables are read once, for their byte sizes (and to warm the cache like the flat one).
	if s.info.OrderCopyBytes, err = copyOut(ctx, s.url, "SELECT * FROM orders"); err != nil {
		return nil, err
	}
	if s.info.LineCopyBytes, err = copyOut(ctx, s.url, "SELECT * FROM order_lines"); err != nil {
		return nil, err
	}
	// Warm-up: the first pass may still read from disk; the ceiling is the steady state.
	if s.info.FlatCopyBytes, err = copyOut(ctx, s.url, "SELECT * FROM flat"); err != nil {
		return nil, err
	}
	c := &ceiling{}
	for _, streams := range cfg.readStreams {
		if streams < 1 {
			continue
		}
		start := time.Now()
		var wg sync.WaitGroup
		var total atomic.Int64
		errs := make([]error, streams)
		per := (cfg.rows + streams - 1) / streams
		for i := range streams {
			lo, hi := 1+i*per, 1+(i+1)*per
			wg.Add(1)
			go func() {
				defer wg.Done()
				n, err := copyOut(ctx, s.url, "SELECT * FROM flat WHERE id >= "+strconv.Itoa(lo)+" AND id < "+strconv.Itoa(hi))
				total.Add(n)
				errs[i] = err
			}()
		}
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				return nil, err
			}
		}
		t := trial{Label: fmt.Sprintf("%d COPY stream(s)", streams), Streams: streams, Rows: int64(cfg.rows),
			Bytes: total.Load(), Seconds: time.Since(start).Seconds()}
		t.rates()
		progress("  read  %-22s %10.0f rows/s %8.1f MB/s", t.Label, t.RowsPerSec, t.MBPerSec)
		c.add(t)
	}
	return c, nil
}
