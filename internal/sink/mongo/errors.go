package mongosink

import (
	"context"
	"errors"

	"go.mongodb.org/mongo-driver/mongo"
)

// transientCodes are server error codes after which the same command may succeed: the replica set
// is electing or shutting down a node, the network failed between servers, a lock or time limit
// was hit, or (Azure Cosmos DB) the request rate was throttled.
var transientCodes = []int{
	6,     // HostUnreachable
	7,     // HostNotFound
	24,    // LockTimeout
	46,    // LockBusy
	50,    // MaxTimeMSExpired
	64,    // WriteConcernFailed (wtimeout)
	89,    // NetworkTimeout
	91,    // ShutdownInProgress
	112,   // WriteConflict
	133,   // FailedToSatisfyReadPreference
	134,   // ReadConcernMajorityNotAvailableYet
	189,   // PrimarySteppedDown
	202,   // NetworkInterfaceExceededTimeLimit
	262,   // ExceededTimeLimit
	9001,  // SocketException
	10107, // NotWritablePrimary
	11600, // InterruptedAtShutdown
	11602, // InterruptedDueToReplStateChange
	13435, // NotPrimaryNoSecondaryOk
	13436, // NotPrimaryOrSecondary
	16500, // RequestRateTooLarge (Cosmos DB)
}

// transientLabels are the error labels the driver and server attach to retryable failures.
var transientLabels = []string{"RetryableWriteError", "TransientTransactionError", "NetworkError", "RetryableError"}

// IsTransient reports whether err, returned by this package, is worth retrying: a network error or
// timeout, a server selection failure, a primary stepping down, or another server condition that
// passes. Typed checks only, never message text. A cancellation by the caller is not transient;
// record errors never reach here (they are Rejected entries, not errors).
func IsTransient(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, mongo.ErrClientDisconnected) {
		return false
	}
	if mongo.IsNetworkError(err) || mongo.IsTimeout(err) {
		return true
	}
	var se mongo.ServerError
	if errors.As(err, &se) {
		for _, l := range transientLabels {
			if se.HasErrorLabel(l) {
				return true
			}
		}
		for _, c := range transientCodes {
			if se.HasErrorCode(c) {
				return true
			}
		}
	}
	return false
}
