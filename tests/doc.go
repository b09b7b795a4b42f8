// Package tests holds relmongo's end-to-end tests: they drive the REST API of an in-process stack
// (embedded Temporal + FerretDB, real worker) against a real PostgreSQL, and read the results
// back from the MongoDB-wire target. PostgreSQL comes from RELMONGO_TEST_PG_URL (default
// postgres://postgres@127.0.0.1:5432/postgres); when it is unreachable the tests fail, they never skip.
package tests
