package connstr

import (
	"strings"
	"testing"

	"go.mongodb.org/mongo-driver/x/mongo/driver/connstring"
)

func TestMaskMongoURI(t *testing.T) {
	tests := []struct{ in, want string }{
		{"mongodb://user:" + pw + "@host:27017/db?authSource=admin", "mongodb://user:*****@host:27017/db?authSource=admin"},
		{"mongodb+srv://user:p%40ss@cluster0.example.net/db", "mongodb+srv://user:*****@cluster0.example.net/db"},
		{"mongodb://user:@host/db", "mongodb://user:*****@host/db"},
		{"mongodb://host/db", "mongodb://host/db"},
		{"mongodb://host", "mongodb://host"},
		{"mongodb://host/?", "mongodb://host/?"},
		{"mongodb://user@host/db?authMechanism=MONGODB-X509", "mongodb://user@host/db?authMechanism=MONGODB-X509"},
		{"mongodb://u:" + pw + "@h1:27017,h2:27018/db?replicaSet=rs0;w=majority", "mongodb://u:*****@h1:27017,h2:27018/db?replicaSet=rs0;w=majority"},
		{"mongodb://u:" + pw + "@h/db?authMechanism=MONGODB-AWS&authMechanismProperties=AWS_SESSION_TOKEN:" + pw,
			"mongodb://u:*****@h/db?authMechanism=MONGODB-AWS&authMechanismProperties=*****"},
		{"mongodb://h/db?authMechanism=GSSAPI&authMechanismProperties=SERVICE_NAME:mongodb",
			"mongodb://h/db?authMechanism=GSSAPI&authMechanismProperties=SERVICE_NAME:mongodb"},
		{"mongodb://h/?tls=true&tlsCertificateKeyFilePassword=" + pw, "mongodb://h/?tls=true&tlsCertificateKeyFilePassword=*****"},
		{"mongodb://[::1]:27017/db", "mongodb://[::1]:27017/db"},
		{"mongodb://%2Ftmp%2Fmongodb-27017.sock/db", "mongodb://%2Ftmp%2Fmongodb-27017.sock/db"},
		{"  mongodb://u:" + pw + "@h/db \n", "mongodb://u:*****@h/db"},

		{"", invalidMongoURI},
		{pw, invalidMongoURI},
		{"postgres://u:" + pw + "@h/db", invalidMongoURI},
		{"MONGODB://u:" + pw + "@h/db", invalidMongoURI},
		{"mongodb://u:" + pw + "@x@h/db", invalidMongoURI},
		{"mongodb://u:" + pw + "/x@h/db", invalidMongoURI},
		{"mongodb://u:a:" + pw + "@h/db", invalidMongoURI},
		{"mongodb://u:" + pw + "%zz@h/db", invalidMongoURI},
		{"mongodb://", invalidMongoURI},
		{"mongodb://u:" + pw + "@/db", invalidMongoURI},
		{"mongodb://h?x=1", invalidMongoURI},
		{"mongodb://h:99999/db", invalidMongoURI},
		{"mongodb://::1/db", invalidMongoURI},
		{"mongodb+srv://a,b/db", invalidMongoURI},
		{"mongodb+srv://a:27017/db", invalidMongoURI},
		{"mongodb://u:" + pw + "@h/db\nx", invalidMongoURI},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got := MaskMongoURI(tt.in)
			if got != tt.want {
				t.Errorf("MaskMongoURI() = %q, want %q", got, tt.want)
			}
			if strings.Contains(got, pw) {
				t.Errorf("MaskMongoURI() contains the password: %q", got)
			}
		})
	}
}

// TestMaskMongoURIAgreesWithDriver checks that what MaskMongoURI accepts, the Go driver accepts
// too (without SRV lookups), and that the masked form still parses with the same hosts.
func TestMaskMongoURIAgreesWithDriver(t *testing.T) {
	for _, in := range []string{
		"mongodb://user:" + pw + "@host:27017/db?authSource=admin",
		"mongodb://u:" + pw + "@h1:27017,h2:27018/db?replicaSet=rs0",
		"mongodb://[::1]:27017/db",
		"mongodb://user@host/db?authMechanism=MONGODB-X509",
	} {
		t.Run(in, func(t *testing.T) {
			orig, err := connstring.ParseAndValidate(in)
			if err != nil {
				t.Fatalf("driver rejects the test input: %v", err)
			}
			masked, err := connstring.ParseAndValidate(MaskMongoURI(in))
			if err != nil {
				t.Fatalf("driver rejects the masked form: %v", err)
			}
			if strings.Join(orig.Hosts, ",") != strings.Join(masked.Hosts, ",") || orig.Database != masked.Database {
				t.Errorf("masked form names %v/%s, want %v/%s", masked.Hosts, masked.Database, orig.Hosts, orig.Database)
			}
		})
	}
}

func TestMongoTargetKey(t *testing.T) {
	tests := []struct{ in, want string }{
		{"mongodb://Host1.Example.com,host2:27018/app", "host1.example.com:27017,host2:27018/app"},
		{"mongodb://u:" + pw + "@b,a:27017,A/db?replicaSet=rs", "a:27017,b:27017/db"},
		{"mongodb://host2:27018,HOST1.example.com.:27017/app", "host1.example.com:27017,host2:27018/app"},
		{"mongodb://h:027017/db", "h:27017/db"},
		{"mongodb://[::1]/db", "[::1]:27017/db"},
		{"mongodb://[FD00::1]:27018/db", "[fd00::1]:27018/db"},
		{"mongodb://h/my%20db", "h:27017/my db"},
		{"mongodb+srv://u:" + pw + "@Cluster0.Example.NET/db?retryWrites=true", "cluster0.example.net/db"},
		{"mongodb://%2Ftmp%2Fmongodb-27017.sock/db", "/tmp/mongodb-27017.sock/db"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := MongoTargetKey(tt.in)
			if err != nil {
				t.Fatalf("MongoTargetKey: %v", err)
			}
			if got != tt.want {
				t.Errorf("MongoTargetKey() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestMongoTargetKeyErrors(t *testing.T) {
	tests := []struct{ in, wantIn string }{
		{"mongodb://u:" + pw + "@h/", "names no database"},
		{"mongodb://u:" + pw + "@h", "names no database"},
		{"mongodb://u:" + pw + "@h/?authSource=admin", "names no database"},
		{"mongodb://u:" + pw + "@x@h/db", "unencoded '@'"},
		{"mongodb://u:" + pw + "/x@h/db", "unencoded ':' or '/'"},
		{"mongodb://u:" + pw + "%zz@h/db", "password is not validly percent-encoded"},
		{"postgres://u:" + pw + "@h/db", "starts with mongodb://"},
		{pw, "starts with mongodb://"},
		{"mongodb://h:0/db", "port"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := MongoTargetKey(tt.in)
			if err == nil {
				t.Fatalf("MongoTargetKey() = %q, want an error", got)
			}
			if strings.Contains(err.Error(), pw) {
				t.Errorf("error contains the password: %v", err)
			}
			if !strings.Contains(err.Error(), tt.wantIn) {
				t.Errorf("error %q does not contain %q", err, tt.wantIn)
			}
		})
	}
}
