package devstack

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/google/uuid"
	"go.temporal.io/server/common/authorization"
	"go.temporal.io/server/common/cluster"
	"go.temporal.io/server/common/config"
	"go.temporal.io/server/common/dynamicconfig"
	"go.temporal.io/server/common/membership/static"
	sqliteplugin "go.temporal.io/server/common/persistence/sql/sqlplugin/sqlite"
	"go.temporal.io/server/common/primitives"
	sqliteschema "go.temporal.io/server/schema/sqlite"
	"go.temporal.io/server/temporal"
	"google.golang.org/protobuf/types/known/durationpb"
)

const (
	// clusterName is the single cluster's name; it is persisted in file mode,
	// so it must never change.
	clusterName = "active"
	// storeName is the data store both persistence and visibility use, so
	// no Elasticsearch is needed.
	storeName = "sqlite-default"
	// temporalDBFile is the Temporal SQLite file inside Config.DataDir.
	temporalDBFile = "temporal.db"
	// namespaceRetention is how long closed workflows stay listed. The SQLite
	// schema helper hard-codes 24h, which would make last week's migration
	// jobs vanish from a developer's history, so it is raised for namespaces
	// this package creates. A namespace that already exists keeps its value.
	namespaceRetention = 7 * 24 * time.Hour
)

// sqlStore describes the Temporal SQLite database of one stack.
//
// The sqlite plugin keeps a process-global connection pool keyed by the DSN
// and never closes it (DEVSTACK.md pitfall 3). So the very same config.SQL
// value must reach the schema helpers and the server, memory databases need a
// name no other stack in this process uses, and a file database stays open
// for the life of the process (a later stack on the same file reuses it).
func sqlStore(dataDir string) (*config.SQL, error) {
	if dataDir == "" {
		name, err := uniqueName("relmongo-temporal-")
		if err != nil {
			return nil, err
		}
		return &config.SQL{
			PluginName:        sqliteplugin.PluginName,
			DatabaseName:      name,
			ConnectAttributes: map[string]string{"mode": "memory", "cache": "shared"},
		}, nil
	}

	dbPath := filepath.Join(dataDir, temporalDBFile)
	sql := &config.SQL{
		PluginName:   sqliteplugin.PluginName,
		DatabaseName: dbPath,
		// WAL and synchronous=FULL: a dev server killed with Ctrl-C or a
		// crash must not lose acknowledged workflow state.
		ConnectAttributes: map[string]string{"mode": "rwc", "journal_mode": "wal", "synchronous": "2"},
	}
	_, err := os.Stat(dbPath)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		// Only a new file gets the schema: running it again on an existing
		// database fails on the first CREATE TABLE.
		if err := sqliteschema.SetupSchema(sql); err != nil {
			removeSQLiteFiles(dbPath)
			return nil, fmt.Errorf("creating the Temporal schema in %s: %w", dbPath, err)
		}
	case err != nil:
		return nil, fmt.Errorf("checking the Temporal database %s: %w", dbPath, err)
	}
	return sql, nil
}

// removeSQLiteFiles deletes a half-initialised database so that the next start
// sets it up from scratch instead of failing on a partial schema.
func removeSQLiteFiles(dbPath string) {
	for _, suffix := range []string{"", "-wal", "-shm", "-journal"} {
		_ = os.Remove(dbPath + suffix)
	}
}

// uniqueName returns prefix followed by 16 random hex digits.
func uniqueName(prefix string) (string, error) {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("generating a unique database name: %w", err)
	}
	return prefix + hex.EncodeToString(b[:]), nil
}

// createNamespace writes the namespace straight into the database before the
// server starts. Search attributes registered this way are usable by the first
// workflow (DEVSTACK.md pitfall 2); CreateNamespaces is a no-op when the
// namespace exists, which is what keeps restarts in file mode working.
func createNamespace(sql *config.SQL, cfg Config) error {
	ns, err := sqliteschema.NewNamespaceConfig(clusterName, cfg.Namespace, false, cfg.SearchAttributes)
	if err != nil {
		return fmt.Errorf("preparing namespace %q: %w", cfg.Namespace, err)
	}
	ns.Detail.Config.Retention = durationpb.New(namespaceRetention)
	if err := sqliteschema.CreateNamespaces(sql, ns); err != nil {
		return fmt.Errorf("creating namespace %q in the Temporal database: %w", cfg.Namespace, err)
	}
	return nil
}

// hostPort formats a loopback address.
func hostPort(port int) string {
	return loopback + ":" + strconv.Itoa(port)
}

// newTemporalServer builds (but does not start) the in-process Temporal server:
// frontend, history, matching and worker services on loopback ports, with
// static membership so no gossip ports are needed.
func newTemporalServer(sql *config.SQL, p ports, logger *slog.Logger) (temporal.Server, error) {
	conf := &config.Config{}
	conf.Global.Membership.MaxJoinDuration = 30 * time.Second
	conf.Global.Membership.BroadcastAddress = loopback

	conf.Persistence.DefaultStore = storeName
	conf.Persistence.VisibilityStore = storeName
	conf.Persistence.NumHistoryShards = 1
	conf.Persistence.DataStores = map[string]config.DataStore{storeName: {SQL: sql}}

	conf.ClusterMetadata = &cluster.Config{
		EnableGlobalNamespace:    false,
		FailoverVersionIncrement: 10,
		MasterClusterName:        clusterName,
		CurrentClusterName:       clusterName,
		ClusterInformation: map[string]cluster.ClusterInformation{
			clusterName: {
				Enabled:                true,
				InitialFailoverVersion: 1,
				RPCAddress:             hostPort(p.frontend),
				HTTPAddress:            hostPort(p.frontendHTTP),
				// Only used when the database is new; a persisted ID wins.
				ClusterID: uuid.NewString(),
			},
		},
	}
	conf.DCRedirectionPolicy.Policy = "noop"

	service := func(grpcPort, httpPort int) config.Service {
		var s config.Service
		s.RPC.GRPCPort = grpcPort
		s.RPC.HTTPPort = httpPort
		s.RPC.BindOnIP = loopback
		return s
	}
	conf.Services = map[string]config.Service{
		string(primitives.FrontendService): service(p.frontend, p.frontendHTTP),
		string(primitives.HistoryService):  service(p.history, 0),
		string(primitives.MatchingService): service(p.matching, 0),
		string(primitives.WorkerService):   service(p.worker, 0),
	}
	conf.Archival.History.State = "disabled"
	conf.Archival.Visibility.State = "disabled"
	conf.NamespaceDefaults.Archival.History.State = "disabled"
	conf.NamespaceDefaults.Archival.Visibility.State = "disabled"
	// The server's own system workers (scheduler, batcher…) dial this.
	conf.PublicClient.HostPort = hostPort(p.frontend)

	tl := temporalLogger{log: logger}
	authorizer, err := authorization.GetAuthorizerFromConfig(&conf.Global.Authorization)
	if err != nil {
		return nil, fmt.Errorf("configuring the Temporal authorizer: %w", err)
	}
	claimMapper, err := authorization.GetClaimMapperFromConfig(&conf.Global.Authorization, tl)
	if err != nil {
		return nil, fmt.Errorf("configuring the Temporal claim mapper: %w", err)
	}

	srv, err := temporal.NewServer(
		temporal.WithConfig(conf),
		temporal.ForServices(temporal.DefaultServices),
		temporal.WithStaticHosts(map[primitives.ServiceName]static.Hosts{
			primitives.FrontendService: static.SingleLocalHost(hostPort(p.frontend)),
			primitives.HistoryService:  static.SingleLocalHost(hostPort(p.history)),
			primitives.MatchingService: static.SingleLocalHost(hostPort(p.matching)),
			primitives.WorkerService:   static.SingleLocalHost(hostPort(p.worker)),
		}),
		temporal.WithLogger(tl),
		temporal.WithAuthorizer(authorizer),
		temporal.WithClaimMapper(func(*config.Config) authorization.ClaimMapper { return claimMapper }),
		temporal.WithDynamicConfigClient(dynamicConfig()),
	)
	if err != nil {
		return nil, fmt.Errorf("building the embedded Temporal server: %w", err)
	}
	return srv, nil
}

// dynamicConfig tunes the server for one developer on one machine.
func dynamicConfig() dynamicconfig.StaticClient {
	return dynamicconfig.StaticClient{
		// The default host-level mutable-state cache (128k entries) is sized
		// for production hosts; 8k keeps memory small (value from the CLI).
		dynamicconfig.HistoryCacheHostLevelMaxSize.Key(): 8096,
		// The default of 10 visibility RPS per namespace throttles the Web UI
		// and the REST API's job listing as soon as both are open.
		dynamicconfig.FrontendMaxNamespaceVisibilityRPSPerInstance.Key(): 100,
		// One partition per task queue: with a single local worker, the default
		// four partitions only add forwarding hops and four times the task
		// bookkeeping in SQLite. Kept constant so a data directory never sees
		// the partition count shrink (which strands queued tasks).
		dynamicconfig.MatchingNumTaskqueueReadPartitions.Key():  1,
		dynamicconfig.MatchingNumTaskqueueWritePartitions.Key(): 1,
	}
}
