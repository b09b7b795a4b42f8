package convert

import (
	"errors"
	"strings"
	"testing"

	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/x/bsonx/bsoncore"
)

// extJSON renders {"v": value} as canonical Extended JSON, the form every
// table below asserts.
func extJSON(t testing.TB, v bsoncore.Value) string {
	t.Helper()
	doc := bsoncore.BuildDocument(nil, bsoncore.AppendValueElement(nil, "v", v))
	if err := bsoncore.Document(doc).Validate(); err != nil {
		t.Fatalf("produced invalid BSON: %v", err)
	}
	b, err := bson.MarshalExtJSON(bson.Raw(doc), true, false)
	if err != nil {
		t.Fatalf("MarshalExtJSON: %v", err)
	}
	return string(b)
}

// valueCase is one row of a conversion table. Exactly one of want, errSub
// and goType describes the expected outcome.
type valueCase struct {
	name   string
	col    Column
	v      any
	opts   Options
	want   string // canonical Extended JSON of {"v": value}
	note   Note
	errSub string // substring of the *Error message
	goType bool   // expect an error wrapping ErrUnexpectedGoType
}

func runValueCases(t *testing.T, cases []valueCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.col.Name == "" {
				tc.col.Name = "c"
			}
			got, note, err := Value(tc.col, tc.v, tc.opts)
			switch {
			case tc.goType:
				if !errors.Is(err, ErrUnexpectedGoType) {
					t.Fatalf("want ErrUnexpectedGoType, got value %v, err %v", got, err)
				}
				var ce *Error
				if errors.As(err, &ce) {
					t.Fatalf("a Go type mismatch must not be a record error: %v", err)
				}
			case tc.errSub != "":
				var ce *Error
				if !errors.As(err, &ce) {
					t.Fatalf("want *Error containing %q, got value %v, err %v", tc.errSub, got, err)
				}
				if !strings.Contains(err.Error(), tc.errSub) {
					t.Fatalf("error %q does not contain %q", err.Error(), tc.errSub)
				}
				if ce.Column != tc.col.Name || !strings.Contains(err.Error(), `"`+tc.col.Name+`"`) {
					t.Fatalf("error %q does not name column %q", err.Error(), tc.col.Name)
				}
			default:
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				if s := extJSON(t, got); s != tc.want {
					t.Fatalf("got  %s\nwant %s", s, tc.want)
				}
				if note != tc.note {
					t.Fatalf("note = %v, want %v", note, tc.note)
				}
			}
		})
	}
}
