package devstack

import (
	"strings"
	"testing"

	enumspb "go.temporal.io/api/enums/v1"
)

func TestNormalize(t *testing.T) {
	tests := []struct {
		name    string
		cfg     Config
		wantErr string // substring; "" = valid
		check   func(t *testing.T, got Config)
	}{
		{
			name: "zero value gets defaults",
			check: func(t *testing.T, got Config) {
				if got.Namespace != "default" || got.Logger == nil {
					t.Errorf("got namespace %q logger %v", got.Namespace, got.Logger)
				}
			},
		},
		{
			name: "relative data dir becomes absolute",
			cfg:  Config{DataDir: "some/dir"},
			check: func(t *testing.T, got Config) {
				if !strings.HasPrefix(got.DataDir, "/") || !strings.HasSuffix(got.DataDir, "/some/dir") {
					t.Errorf("DataDir = %q", got.DataDir)
				}
			},
		},
		{name: "ui disabled", cfg: Config{UIPort: -1}},
		{name: "custom namespace", cfg: Config{Namespace: "relmongo-dev.1"}},
		{name: "bad namespace", cfg: Config{Namespace: "a b"}, wantErr: "namespace \"a b\" is not valid"},
		{name: "namespace starting with dash", cfg: Config{Namespace: "-x"}, wantErr: "is not valid"},
		{name: "negative frontend port", cfg: Config{FrontendPort: -1}, wantErr: "frontend port -1 is not valid"},
		{name: "frontend port too large", cfg: Config{FrontendPort: 65536}, wantErr: "frontend port 65536"},
		{name: "ui port -2", cfg: Config{UIPort: -2}, wantErr: "-1 to disable"},
		{name: "mongo port checked when enabled", cfg: Config{EmbeddedMongo: true, MongoPort: 70000}, wantErr: "MongoDB port 70000"},
		{name: "mongo port ignored when disabled", cfg: Config{MongoPort: 70000}},
		{name: "data dir with question mark", cfg: Config{DataDir: "/tmp/a?b"}, wantErr: "SQLite URIs"},
		{
			name: "valid search attributes",
			cfg: Config{SearchAttributes: map[string]enumspb.IndexedValueType{
				"RelmongoJobId": enumspb.INDEXED_VALUE_TYPE_KEYWORD,
				"Rows_2":        enumspb.INDEXED_VALUE_TYPE_INT,
			}},
		},
		{
			name:    "search attribute with a space",
			cfg:     Config{SearchAttributes: map[string]enumspb.IndexedValueType{"Job Id": enumspb.INDEXED_VALUE_TYPE_KEYWORD}},
			wantErr: "name \"Job Id\" is not valid",
		},
		{
			name:    "reserved search attribute",
			cfg:     Config{SearchAttributes: map[string]enumspb.IndexedValueType{"WorkflowId": enumspb.INDEXED_VALUE_TYPE_KEYWORD}},
			wantErr: "reserved",
		},
		{
			name:    "unspecified type",
			cfg:     Config{SearchAttributes: map[string]enumspb.IndexedValueType{"X": enumspb.INDEXED_VALUE_TYPE_UNSPECIFIED}},
			wantErr: "no valid type",
		},
		{
			name:    "unknown type",
			cfg:     Config{SearchAttributes: map[string]enumspb.IndexedValueType{"X": 99}},
			wantErr: "no valid type",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := normalize(tt.cfg)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("normalize: %v", err)
			case tt.wantErr != "" && err == nil:
				t.Fatalf("normalize succeeded, want error containing %q", tt.wantErr)
			case tt.wantErr != "" && !strings.Contains(err.Error(), tt.wantErr):
				t.Fatalf("error %q does not contain %q", err, tt.wantErr)
			}
			if err == nil && tt.check != nil {
				tt.check(t, got)
			}
		})
	}
}
