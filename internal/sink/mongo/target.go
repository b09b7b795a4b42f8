package mongosink

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/mongo"
	"go.mongodb.org/mongo-driver/mongo/options"
	"go.mongodb.org/mongo-driver/mongo/readpref"
)

// Product names reported in Capabilities.Product.
const (
	ProductMongoDB  = "MongoDB"
	ProductFerretDB = "FerretDB"
)

// Defaults applied unless the connection string sets its own value.
const (
	// defaultServerSelectionTimeout bounds how long an operation waits for a usable server. The
	// driver's 30 s default makes a wrong host look like a hang in the API's time-boxed checks.
	defaultServerSelectionTimeout = 5 * time.Second
	// defaultConnectTimeout bounds one TCP+TLS handshake.
	defaultConnectTimeout = 10 * time.Second
	// defaultMaxBSONObjectSize is MongoDB's document limit, used when the server does not say.
	defaultMaxBSONObjectSize = 16 * 1024 * 1024
)

// Capabilities of the connected target, detected once by Connect from the server's buildInfo
// (FerretDB answers with a "ferretdbVersion" field). A false flag means the target cannot store
// that kind of value; Write rejects such documents before sending them.
type Capabilities struct {
	// Product is ProductMongoDB or ProductFerretDB.
	Product string
	// Version is the server version: MongoDB's "version", or FerretDB's "ferretdbVersion" (an
	// embedded FerretDB built without version information reports "unknown").
	Version string
	// Decimal128 values can be stored.
	Decimal128 bool
	// NaNInfDoubles: doubles that are NaN or ±Infinity can be stored.
	NaNInfDoubles bool
	// NestedArrays: arrays directly inside arrays can be stored.
	NestedArrays bool
	// DottedDollarKeys: field names containing '.' or starting with '$' can be stored.
	DottedDollarKeys bool
	// NULInStrings: strings containing a NUL character can be stored.
	NULInStrings bool
	// FastUpsert is false on FerretDB, where a replaceOne upsert costs about 0.6 s per document,
	// so existing documents are rewritten there by delete + insert instead.
	FastUpsert bool
	// RenameDropTarget is false on FerretDB, which refuses renameCollection with dropTarget.
	RenameDropTarget bool
}

// Target is a connection to one database of a MongoDB-compatible server. It is safe for concurrent
// use; create it once per process or activity worker and Close it when done.
type Target struct {
	client *mongo.Client
	db     *mongo.Database
	caps   Capabilities
	// maxDocBytes is the server's maxBsonObjectSize; larger documents are rejected before sending.
	maxDocBytes int
	// rareTypes reports whether BSON types outside the common set (undefined, DBPointer,
	// JavaScript, symbol, code with scope, min/max key) can be sent. FerretDB 1.x closes the
	// connection on them; nothing relmongo assembles should contain them, but a record must not
	// be able to break a connection.
	rareTypes bool
	// afterDeleteHook, when set (by tests only), runs between the delete and the insert of a
	// FerretDB rewrite, so that a test can cancel exactly there.
	afterDeleteHook func()
}

// Connect parses uri, which must name a database (see DatabaseName), connects with bounded
// timeouts (server selection 5 s unless the URI sets serverSelectionTimeoutMS), pings the server
// and detects its capabilities. The caller must Close the Target.
//
// Errors never contain the password or other secrets of uri.
func Connect(ctx context.Context, uri string) (*Target, error) {
	name, err := DatabaseName(uri)
	if err != nil {
		return nil, err
	}
	// Defaults first: ApplyURI overrides only what the connection string sets explicitly.
	opts := options.Client().
		SetServerSelectionTimeout(defaultServerSelectionTimeout).
		SetConnectTimeout(defaultConnectTimeout).
		SetAppName("relmongo").
		ApplyURI(uri)
	if err := opts.Validate(); err != nil {
		return nil, fmt.Errorf("the MongoDB connection string is invalid: %w", redactURIError(err, uri))
	}
	client, err := mongo.Connect(ctx, opts)
	if err != nil {
		return nil, fmt.Errorf("connecting to MongoDB: %w", redactURIError(err, uri))
	}
	t := &Target{client: client, db: client.Database(name)}
	if err := t.init(ctx); err != nil {
		// The ping or buildInfo failure is what the user needs; a disconnect error would hide it.
		dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), defaultConnectTimeout)
		_ = client.Disconnect(dctx)
		cancel()
		return nil, err
	}
	return t, nil
}

// init pings the server and detects its capabilities.
func (t *Target) init(ctx context.Context) error {
	if err := t.client.Ping(ctx, readpref.Primary()); err != nil {
		return fmt.Errorf("reaching the MongoDB server (check host, port, credentials and that a primary is available): %w", err)
	}
	var info bson.Raw
	if err := t.client.Database("admin").RunCommand(ctx, bson.D{{Key: "buildInfo", Value: 1}}).Decode(&info); err != nil {
		return fmt.Errorf("reading the MongoDB server's buildInfo: %w", err)
	}
	t.caps, t.maxDocBytes, t.rareTypes = detectCapabilities(info)
	return nil
}

// detectCapabilities derives the capabilities from a buildInfo reply. It never fails: unknown or
// missing fields fall back to what MongoDB 6+ supports, except on FerretDB, where every flag stays
// at the 1.x limits whatever the version, because nothing short of writing the values tells what a
// FerretDB backend accepts (the SQLite backend stores NUL in strings, the PostgreSQL one fails the
// whole command) and probing would risk the connection.
func detectCapabilities(info bson.Raw) (caps Capabilities, maxDocBytes int, rareTypes bool) {
	maxDocBytes = defaultMaxBSONObjectSize
	if v, ok := info.Lookup("maxBsonObjectSize").AsInt64OK(); ok && v > 0 {
		maxDocBytes = int(v)
	}
	version, _ := info.Lookup("version").StringValueOK()
	if fv, ok := info.Lookup("ferretdbVersion").StringValueOK(); ok {
		return Capabilities{Product: ProductFerretDB, Version: fv}, maxDocBytes, false
	}
	major, minor := parseVersion(version)
	return Capabilities{
		Product:       ProductMongoDB,
		Version:       version,
		Decimal128:    major > 3 || (major == 3 && minor >= 4) || major == 0,
		NaNInfDoubles: true,
		NestedArrays:  true,
		// Field names with '.' or a leading '$' are fully supported from 5.0 on; older servers
		// refuse some of them, so they are rejected here rather than failing on the server.
		DottedDollarKeys: major >= 5 || major == 0,
		NULInStrings:     true,
		FastUpsert:       true,
		RenameDropTarget: true,
	}, maxDocBytes, true
}

// parseVersion returns the major and minor numbers of a "7.0.12"-style version, or 0, 0.
func parseVersion(v string) (major, minor int) {
	parts := strings.SplitN(v, ".", 3)
	if len(parts) < 2 {
		return 0, 0
	}
	major, err1 := strconv.Atoi(parts[0])
	minor, err2 := strconv.Atoi(strings.TrimFunc(parts[1], func(r rune) bool { return r < '0' || r > '9' }))
	if err1 != nil || err2 != nil {
		return 0, 0
	}
	return major, minor
}

// Database returns the name of the database this Target writes into.
func (t *Target) Database() string { return t.db.Name() }

// Capabilities returns what Connect detected.
func (t *Target) Capabilities() Capabilities { return t.caps }

// Close disconnects from the server, waiting for in-use connections up to ctx's deadline.
func (t *Target) Close(ctx context.Context) error {
	if err := t.client.Disconnect(ctx); err != nil && !errors.Is(err, mongo.ErrClientDisconnected) {
		return fmt.Errorf("disconnecting from MongoDB: %w", err)
	}
	return nil
}
