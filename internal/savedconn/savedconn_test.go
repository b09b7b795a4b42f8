package savedconn

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/relmongo/relmongo/internal/connstr"
	"github.com/relmongo/relmongo/internal/contract"
	"github.com/relmongo/relmongo/internal/secret"
	"github.com/relmongo/relmongo/internal/store"
)

const pw = "S3cret-pw-4711"

func mustKey(t *testing.T) secret.Key {
	t.Helper()
	k, err := secret.NewKey()
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestMergeSource(t *testing.T) {
	saved := Source{Type: "POSTGRESQL", URL: "postgres://h/db", User: "app", Password: pw}
	tests := []struct {
		name                     string
		typ, url, user, password string
		want                     Source
		wantErr                  string // substring; "" = no error
	}{
		{name: "saved as is", typ: "POSTGRESQL", want: saved},
		{name: "same url again", typ: "POSTGRESQL", url: " postgres://h/db ", want: saved},
		{name: "rotated password", typ: "POSTGRESQL", password: "new", want: Source{Type: "POSTGRESQL", URL: "postgres://h/db", User: "app", Password: "new"}},
		{name: "other user", typ: "POSTGRESQL", user: "ro", want: Source{Type: "POSTGRESQL", URL: "postgres://h/db", User: "ro", Password: pw}},
		{name: "other type", typ: "SQL_SERVER", wantErr: `saved connection "c1" is a POSTGRESQL connection but jdbcConnectionDetails.type is SQL_SERVER`},
		{name: "other url", typ: "POSTGRESQL", url: "postgres://evil/db", wantErr: `jdbcConnectionDetails.url differs from the url of saved connection "c1"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := MergeSource("c1", saved, tt.typ, tt.url, tt.user, tt.password)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !errors.Is(err, ErrInvalid) {
					t.Fatalf("got %v, want an ErrInvalid saying %q", err, tt.wantErr)
				}
				if strings.Contains(err.Error(), pw) {
					t.Fatalf("the error reveals the password: %v", err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("got %+v, %v; want %+v", got, err, tt.want)
			}
		})
	}
}

func TestMergeTarget(t *testing.T) {
	saved := Target{ConnectionString: "mongodb://u:" + pw + "@h/db"}
	for _, given := range []string{"", "mongodb://u:" + pw + "@h/db"} {
		if got, err := MergeTarget("m1", saved, given); err != nil || got != saved {
			t.Errorf("MergeTarget(%q) = %+v, %v; want the saved target", given, got, err)
		}
	}
	_, err := MergeTarget("m1", saved, "mongodb://other/db")
	if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), `differs from the one of saved connection "m1"`) {
		t.Fatalf("another connection string: got %v", err)
	}
}

// TestSealOpen: what is stored is ciphertext only; it opens with the key as the right kind only;
// another key gives an ErrUnusable that says what to do.
func TestSealOpen(t *testing.T) {
	key := mustKey(t)
	src := Source{Type: "POSTGRESQL", URL: "postgres://h/db", User: "app", Password: pw}
	jc, err := Seal(key, "c1", src, "jdbc:postgresql://h:5432/db?user=app")
	if err != nil {
		t.Fatal(err)
	}
	if jc.ID != "c1" || jc.Kind != KindJDBC || bytes.Contains(jc.Sealed, []byte(pw)) || !bytes.HasPrefix(jc.Sealed, []byte("v1:")) {
		t.Fatalf("sealed record %+v", jc)
	}
	mc, err := Seal(key, "m1", Target{ConnectionString: "mongodb://u:" + pw + "@h/db"}, "mongodb://u:*****@h/db")
	if err != nil || mc.Kind != KindMongo || bytes.Contains(mc.Sealed, []byte(pw)) {
		t.Fatalf("sealed target %+v, %v", mc, err)
	}
	if got, err := OpenSource(key, jc); err != nil || got != src {
		t.Fatalf("OpenSource = %+v, %v", got, err)
	}
	if got, err := OpenTarget(key, mc); err != nil || got.ConnectionString != "mongodb://u:"+pw+"@h/db" {
		t.Fatalf("OpenTarget = %+v, %v", got, err)
	}
	// The sealed source opens as a job's contract.SourceSecret too.
	var sec contract.SourceSecret
	if err := key.OpenJSON(secret.Sealed{Ciphertext: string(jc.Sealed)}, &sec); err != nil || sec.Password != pw || sec.URL != src.URL {
		t.Fatalf("as a SourceSecret: %+v, %v", sec, err)
	}
	for name, err := range map[string]error{
		"target as source": func() error { _, err := OpenSource(key, mc); return err }(),
		"source as target": func() error { _, err := OpenTarget(key, jc); return err }(),
	} {
		if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "existingConnectionId") {
			t.Errorf("%s: got %v, want ErrInvalid naming the right field", name, err)
		}
	}
	_, err = OpenSource(mustKey(t), jc)
	if !errors.Is(err, ErrUnusable) || !strings.Contains(err.Error(), "another secret key") || strings.Contains(err.Error(), pw) {
		t.Fatalf("another key: got %v", err)
	}
	if _, err := Seal(key, "x", "not a connection", ""); err == nil {
		t.Fatal("Seal accepted a string")
	}
}

// TestTypeOf reads the type back from the masked forms connstr makes.
func TestTypeOf(t *testing.T) {
	tests := []struct{ typ, url string }{
		{"POSTGRESQL", "postgres://u:" + pw + "@h/db"},
		{"SQL_SERVER", "sqlserver://sa:" + pw + "@h:1433?database=x"},
		{"SQLITE", "/data/app.db"},
	}
	for _, tt := range tests {
		src, err := connstr.ParseSource(tt.typ, tt.url, "", "")
		if err != nil {
			t.Fatal(err)
		}
		if got := TypeOf(store.Connection{Kind: KindJDBC, MaskedURL: src.Masked()}); got != tt.typ {
			t.Errorf("TypeOf(%s) = %q, want %s", src.Masked(), got, tt.typ)
		}
	}
	if got := TypeOf(store.Connection{Kind: KindMongo, MaskedURL: "mongodb://h/db"}); got != KindMongo {
		t.Errorf("TypeOf(target) = %q", got)
	}
	if got := TypeOf(store.Connection{Kind: KindJDBC, MaskedURL: "odd"}); got != "" {
		t.Errorf("TypeOf(unknown) = %q, want empty", got)
	}
}
