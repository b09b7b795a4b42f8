package mongosink

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"go.mongodb.org/mongo-driver/mongo"
)

func TestIsTransient(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"nil", nil, false},
		{"plain", errors.New("boom"), false},
		{"canceled", fmt.Errorf("writing: %w", context.Canceled), false},
		{"deadline", fmt.Errorf("writing: %w", context.DeadlineExceeded), true},
		{"client disconnected", mongo.ErrClientDisconnected, false},
		{"not writable primary", mongo.CommandError{Code: 10107, Name: "NotWritablePrimary"}, true},
		{"stepped down, wrapped", fmt.Errorf("x: %w", mongo.CommandError{Code: 189}), true},
		{"shutdown", mongo.CommandError{Code: 91}, true},
		{"network label", mongo.CommandError{Code: 0, Labels: []string{"NetworkError"}}, true},
		{"retryable write label", mongo.CommandError{Code: 1234, Labels: []string{"RetryableWriteError"}}, true},
		{"unauthorized", mongo.CommandError{Code: 13, Name: "Unauthorized"}, false},
		{"duplicate key", mongo.CommandError{Code: 11000}, false},
		{"internal error", mongo.CommandError{Code: 1}, false},
		{"write concern timeout", mongo.BulkWriteException{WriteConcernError: &mongo.WriteConcernError{Code: 64}}, true},
		{"write error only", mongo.BulkWriteException{WriteErrors: []mongo.BulkWriteError{{WriteError: mongo.WriteError{Code: 11000}}}}, false},
		{"max time", mongo.CommandError{Code: 50, Name: "MaxTimeMSExpired"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := IsTransient(tt.err); got != tt.want {
				t.Errorf("IsTransient(%v) = %v, want %v", tt.err, got, tt.want)
			}
		})
	}
}
