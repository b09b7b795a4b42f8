package store

// sqliteMigrations is the ordered schema history of the SQLite backend.
// Append a new entry to change the schema; never edit or reorder an entry that
// has shipped, because existing files record which versions they applied.
//
// Conventions that keep a PostgreSQL port mechanical: times are unix
// milliseconds (BIGINT), booleans are INTEGER 0/1, JSON is TEXT, ciphertext is
// BLOB (bytea), and the only SQLite-specific construct is the AUTOINCREMENT
// event id (BIGSERIAL / identity on PostgreSQL).
var sqliteMigrations = [][]string{
	// 1: initial schema.
	{
		`CREATE TABLE projects (
			id            TEXT PRIMARY KEY,
			name          TEXT NOT NULL UNIQUE,
			source_type   TEXT NOT NULL,
			document      TEXT NOT NULL,
			last_modified BIGINT NOT NULL
		)`,
		`CREATE INDEX projects_last_modified ON projects (last_modified)`,

		// Jobs deliberately do not reference projects: a job freezes its
		// project, and finished jobs outlive the project they came from.
		`CREATE TABLE jobs (
			id                  TEXT PRIMARY KEY,
			project_id          TEXT NOT NULL,
			schedule_id         TEXT NOT NULL DEFAULT '',
			submitted_at        BIGINT NOT NULL,
			started_at          BIGINT,
			finished_at         BIGINT,
			status              TEXT NOT NULL,
			target_key          TEXT NOT NULL DEFAULT '',
			request             TEXT,
			project             TEXT,
			jdbc_connection     TEXT NOT NULL DEFAULT '',
			mongo_connection    TEXT NOT NULL DEFAULT '',
			failure_error       TEXT,
			snapshot_completed  INTEGER NOT NULL DEFAULT 0,
			total_table_count   INTEGER NOT NULL DEFAULT 0,
			estimated_rows      BIGINT NOT NULL DEFAULT 0,
			verification_status TEXT NOT NULL DEFAULT ''
		)`,
		`CREATE INDEX jobs_submitted_at ON jobs (submitted_at)`,
		`CREATE INDEX jobs_status ON jobs (status, submitted_at)`,
		`CREATE INDEX jobs_project ON jobs (project_id, status, target_key)`,

		`CREATE TABLE job_collections (
			job_id         TEXT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
			collection     TEXT NOT NULL,
			state          TEXT NOT NULL,
			root_table     TEXT NOT NULL DEFAULT '',
			estimated_rows BIGINT NOT NULL DEFAULT 0,
			chunks_planned BIGINT NOT NULL DEFAULT 0,
			PRIMARY KEY (job_id, collection)
		)`,

		// Chunks reference the job, not the collection row, so an activity
		// may report a chunk before or without its collection state.
		`CREATE TABLE job_chunks (
			job_id        TEXT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
			collection    TEXT NOT NULL,
			seq           BIGINT NOT NULL,
			rows_read     BIGINT NOT NULL DEFAULT 0,
			docs_written  BIGINT NOT NULL DEFAULT 0,
			rows_excluded BIGINT NOT NULL DEFAULT 0,
			bytes         BIGINT NOT NULL DEFAULT 0,
			record_errors BIGINT NOT NULL DEFAULT 0,
			done          INTEGER NOT NULL DEFAULT 0,
			updated_at    BIGINT NOT NULL,
			PRIMARY KEY (job_id, collection, seq)
		)`,

		`CREATE TABLE job_events (
			id            INTEGER PRIMARY KEY AUTOINCREMENT,
			job_id        TEXT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
			event_type    TEXT NOT NULL,
			stage         TEXT NOT NULL DEFAULT '',
			message       TEXT NOT NULL,
			details       TEXT NOT NULL DEFAULT '',
			ts            BIGINT NOT NULL,
			error_type    TEXT NOT NULL DEFAULT '',
			error_code    TEXT NOT NULL DEFAULT '',
			location_type TEXT NOT NULL DEFAULT '',
			location_name TEXT NOT NULL DEFAULT '',
			field_name    TEXT NOT NULL DEFAULT '',
			key_json      TEXT,
			count         BIGINT NOT NULL DEFAULT 0
		)`,
		`CREATE INDEX job_events_job ON job_events (job_id, id)`,
		`CREATE INDEX job_events_job_type ON job_events (job_id, event_type, id)`,

		`CREATE TABLE connections (
			id         TEXT PRIMARY KEY,
			kind       TEXT NOT NULL,
			masked_url TEXT NOT NULL DEFAULT '',
			sealed     BLOB,
			created_at BIGINT NOT NULL
		)`,
	},
	// 2: chunk reports (store/reports.go). Events of a chunk carry its scope so a retried chunk
	// replaces them; summary events carry a key so each exists once per job; tallies hold each
	// chunk's counts per table/column/kind; job_chunk_reports the newest attempt of each chunk.
	{
		`ALTER TABLE job_events ADD COLUMN scope TEXT NOT NULL DEFAULT ''`,
		`ALTER TABLE job_events ADD COLUMN summary_key TEXT NOT NULL DEFAULT ''`,
		`CREATE INDEX job_events_scope ON job_events (job_id, scope)`,
		`CREATE INDEX job_events_summary ON job_events (job_id, summary_key)`,
		`CREATE TABLE job_chunk_reports (
			job_id     TEXT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
			collection TEXT NOT NULL,
			seq        BIGINT NOT NULL,
			generation BIGINT NOT NULL,
			PRIMARY KEY (job_id, collection, seq)
		)`,
		`CREATE TABLE job_tallies (
			job_id        TEXT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
			collection    TEXT NOT NULL,
			seq           BIGINT NOT NULL,
			location_name TEXT NOT NULL,
			field_name    TEXT NOT NULL,
			kind          TEXT NOT NULL,
			count         BIGINT NOT NULL,
			PRIMARY KEY (job_id, collection, seq, location_name, field_name, kind)
		)`,
		`CREATE INDEX job_tallies_key ON job_tallies (job_id, kind, location_name, field_name)`,
	},
	// 3: counted marks a chunk whose completion was added to a worker's Prometheus counters, so a
	// chunk retried after completing is counted once (store.MarkChunkCounted). The progress upsert
	// (PutChunk) never touches it.
	{
		`ALTER TABLE job_chunks ADD COLUMN counted INTEGER NOT NULL DEFAULT 0`,
	},
}
