// Package mongosink writes assembled documents into a MongoDB-compatible target (MongoDB or
// FerretDB) idempotently, and provides the few collection operations a migration needs: drop,
// count, rename over a staging collection and verification reads.
//
// Idempotency is what lets Temporal retry a chunk blindly: writing the same documents twice leaves
// the collection as writing them once. Every document carries its own _id; a document whose _id
// already exists is replaced as a whole, never patched.
//
// A document that the target refuses for a reason of its own (a duplicate on a unique index other
// than _id, a value the target cannot store, a document that is too large) is reported as a
// [Rejected] record error instead of failing the whole write. Errors that concern the connection or
// the server are returned, and [IsTransient] tells the caller whether retrying may help.
//
// FerretDB 1.x cannot store some values (see [Capabilities]) and drops the connection on some of
// them (NaN doubles, Decimal128). Such documents are rejected here, before they are sent, so one bad
// value can never break the rest of a batch or turn into an endless retry of a dropped connection.
package mongosink
