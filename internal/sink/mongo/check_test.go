package mongosink

import (
	"math"
	"slices"
	"strings"
	"testing"

	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/bson/primitive"
	"go.mongodb.org/mongo-driver/mongo"
)

// mustRaw marshals v or fails the test.
func mustRaw(t testing.TB, v any) bson.Raw {
	t.Helper()
	b, err := bson.Marshal(v)
	if err != nil {
		t.Fatalf("marshalling %v: %v", v, err)
	}
	return b
}

var (
	ferretCaps = Capabilities{Product: ProductFerretDB, Version: "unknown"}
	mongoCaps  = Capabilities{Product: ProductMongoDB, Version: "7.0.12", Decimal128: true, NaNInfDoubles: true,
		NestedArrays: true, DottedDollarKeys: true, NULInStrings: true, FastUpsert: true, RenameDropTarget: true}
)

func TestPrecheck(t *testing.T) {
	ferret := &Target{caps: ferretCaps, maxDocBytes: 1000}
	mongo := &Target{caps: mongoCaps, maxDocBytes: 1000, rareTypes: true}
	dec := primitive.NewDecimal128(0, 125)
	tests := []struct {
		name     string
		doc      bson.Raw
		target   *Target
		wantCode int    // 0: accepted
		wantText string // substring of the message
	}{
		{"plain on ferret", mustRaw(t, bson.D{{Key: "_id", Value: 1}, {Key: "a", Value: "x"}}), ferret, 0, ""},
		{"composite id", mustRaw(t, bson.D{{Key: "_id", Value: bson.D{{Key: "a", Value: 1}, {Key: "b", Value: "x"}}}, {Key: "v", Value: 2.5}}), ferret, 0, ""},
		{"negative zero is stored (as 0)", mustRaw(t, bson.D{{Key: "_id", Value: 1}, {Key: "v", Value: math.Copysign(0, -1)}}), ferret, 0, ""},
		{"no _id", mustRaw(t, bson.D{{Key: "a", Value: 1}}), ferret, CodeInvalidDocument, "no _id"},
		{"array _id", mustRaw(t, bson.D{{Key: "_id", Value: bson.A{1}}}), mongo, CodeInvalidDocument, "type array"},
		{"regex _id", mustRaw(t, bson.D{{Key: "_id", Value: primitive.Regex{Pattern: "a"}}}), mongo, CodeInvalidDocument, "not allow"},
		{"invalid bson", bson.Raw{5, 0, 0, 0, 1}, ferret, CodeInvalidDocument, "not valid BSON"},
		{"truncated", mustRaw(t, bson.D{{Key: "_id", Value: 1}, {Key: "a", Value: "x"}})[:10], ferret, CodeInvalidDocument, "not valid BSON"},
		{"too large", mustRaw(t, bson.D{{Key: "_id", Value: 1}, {Key: "a", Value: strings.Repeat("x", 1000)}}), mongo, CodeDocumentTooLarge, "above the target's limit of 1000 bytes"},
		{"NaN on ferret", mustRaw(t, bson.D{{Key: "_id", Value: 1}, {Key: "sub", Value: bson.D{{Key: "v", Value: math.NaN()}}}}), ferret, CodeUnsupportedValue, `"sub.v" holds the double NaN`},
		{"NaN on mongo", mustRaw(t, bson.D{{Key: "_id", Value: 1}, {Key: "v", Value: math.NaN()}}), mongo, 0, ""},
		{"Inf in array on ferret", mustRaw(t, bson.D{{Key: "_id", Value: 1}, {Key: "a", Value: bson.A{1.0, math.Inf(-1)}}}), ferret, CodeUnsupportedValue, `"a.1" holds the double -Inf`},
		{"decimal on ferret", mustRaw(t, bson.D{{Key: "_id", Value: 1}, {Key: "price", Value: dec}}), ferret, CodeUnsupportedValue, `"price" holds a Decimal128`},
		{"decimal _id on ferret", mustRaw(t, bson.D{{Key: "_id", Value: dec}}), ferret, CodeUnsupportedValue, `"_id" holds a Decimal128`},
		{"decimal on mongo", mustRaw(t, bson.D{{Key: "_id", Value: 1}, {Key: "price", Value: dec}}), mongo, 0, ""},
		{"nested array on ferret", mustRaw(t, bson.D{{Key: "_id", Value: 1}, {Key: "m", Value: bson.A{bson.A{1, 2}}}}), ferret, CodeUnsupportedValue, `"m.0" is an array directly inside an array`},
		{"array of docs with array on ferret", mustRaw(t, bson.D{{Key: "_id", Value: 1}, {Key: "m", Value: bson.A{bson.D{{Key: "x", Value: bson.A{1}}}}}}), ferret, 0, ""},
		{"nested array on mongo", mustRaw(t, bson.D{{Key: "_id", Value: 1}, {Key: "m", Value: bson.A{bson.A{1}}}}), mongo, 0, ""},
		{"dotted key on ferret", mustRaw(t, bson.D{{Key: "_id", Value: 1}, {Key: "d", Value: bson.D{{Key: "a.b", Value: 1}}}}), ferret, CodeUnsupportedValue, `"d.a.b" has a name`},
		{"dollar key on ferret", mustRaw(t, bson.D{{Key: "_id", Value: 1}, {Key: "$x", Value: 1}}), ferret, CodeUnsupportedValue, `"$x" has a name`},
		{"dollar key on mongo", mustRaw(t, bson.D{{Key: "_id", Value: 1}, {Key: "$x", Value: 1}}), mongo, 0, ""},
		{"NUL on ferret", mustRaw(t, bson.D{{Key: "_id", Value: 1}, {Key: "s", Value: "a\x00b"}}), ferret, CodeUnsupportedValue, "NUL character"},
		{"NUL on mongo", mustRaw(t, bson.D{{Key: "_id", Value: 1}, {Key: "s", Value: "a\x00b"}}), mongo, 0, ""},
		{"min key on ferret", mustRaw(t, bson.D{{Key: "_id", Value: 1}, {Key: "k", Value: primitive.MinKey{}}}), ferret, CodeUnsupportedValue, "BSON type"},
		{"javascript on ferret", mustRaw(t, bson.D{{Key: "_id", Value: 1}, {Key: "k", Value: primitive.JavaScript("x")}}), ferret, CodeUnsupportedValue, "BSON type"},
		{"javascript on mongo", mustRaw(t, bson.D{{Key: "_id", Value: 1}, {Key: "k", Value: primitive.JavaScript("x")}}), mongo, 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rej := tt.target.precheck(7, tt.doc)
			if tt.wantCode == 0 {
				if rej != nil {
					t.Fatalf("rejected: %+v", *rej)
				}
				return
			}
			if rej == nil {
				t.Fatalf("accepted, want code %d", tt.wantCode)
			}
			if rej.Code != tt.wantCode || rej.Index != 7 || !strings.Contains(rej.Message, tt.wantText) {
				t.Errorf("got %+v, want code %d index 7 and message containing %q", *rej, tt.wantCode, tt.wantText)
			}
			if rej.Code == CodeUnsupportedValue && rej.ID.Type == 0 {
				t.Errorf("rejection carries no _id")
			}
		})
	}
}

func TestIDFirst(t *testing.T) {
	tests := []struct {
		name string
		in   bson.D
		want bson.D
	}{
		{"already first", bson.D{{Key: "_id", Value: 1}, {Key: "a", Value: 2}}, bson.D{{Key: "_id", Value: 1}, {Key: "a", Value: 2}}},
		{"moved", bson.D{{Key: "$a", Value: 1}, {Key: "b", Value: bson.D{{Key: "c", Value: 1}}}, {Key: "_id", Value: bson.D{{Key: "k", Value: 2}}}}, bson.D{{Key: "_id", Value: bson.D{{Key: "k", Value: 2}}}, {Key: "$a", Value: 1}, {Key: "b", Value: bson.D{{Key: "c", Value: 1}}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := idFirst(mustRaw(t, tt.in))
			if want := mustRaw(t, tt.want); !bytesEqual(got, want) {
				t.Errorf("idFirst = %v, want %v", got, bson.Raw(want))
			}
		})
	}
}

func bytesEqual(a, b []byte) bool { return string(a) == string(b) }

func TestDetectCapabilities(t *testing.T) {
	tests := []struct {
		name      string
		info      bson.D
		want      Capabilities
		wantMax   int
		wantTypes bool
	}{
		{"ferretdb", bson.D{{Key: "version", Value: "7.0.42"}, {Key: "maxBsonObjectSize", Value: int32(16777216)}, {Key: "ferretdbVersion", Value: "v1.24.2"}, {Key: "ok", Value: 1.0}},
			Capabilities{Product: ProductFerretDB, Version: "v1.24.2"}, 16777216, false},
		{"mongodb 7", bson.D{{Key: "version", Value: "7.0.12"}, {Key: "maxBsonObjectSize", Value: int32(16777216)}, {Key: "ok", Value: 1.0}},
			mongoCaps, 16777216, true},
		{"mongodb 4.4", bson.D{{Key: "version", Value: "4.4.29"}, {Key: "ok", Value: 1.0}},
			func() Capabilities { c := mongoCaps; c.Version = "4.4.29"; c.DottedDollarKeys = false; return c }(), defaultMaxBSONObjectSize, true},
		{"mongodb 3.2", bson.D{{Key: "version", Value: "3.2.1"}, {Key: "ok", Value: 1.0}},
			func() Capabilities {
				c := mongoCaps
				c.Version, c.DottedDollarKeys, c.Decimal128 = "3.2.1", false, false
				return c
			}(), defaultMaxBSONObjectSize, true},
		{"unparseable version", bson.D{{Key: "version", Value: "weird"}, {Key: "ok", Value: 1.0}},
			func() Capabilities { c := mongoCaps; c.Version = "weird"; return c }(), defaultMaxBSONObjectSize, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			caps, maxBytes, types := detectCapabilities(mustRaw(t, tt.info))
			if caps != tt.want || maxBytes != tt.wantMax || types != tt.wantTypes {
				t.Errorf("got %+v %d %v, want %+v %d %v", caps, maxBytes, types, tt.want, tt.wantMax, tt.wantTypes)
			}
		})
	}
}

func TestIDKey(t *testing.T) {
	oid, _ := primitive.ObjectIDFromHex("65f0a1b2c3d4e5f601234567")
	tests := []struct {
		name string
		id   any
		want string
	}{
		{"int32", int32(42), `{"$numberInt":"42"}`},
		{"int64", int64(1) << 60, `{"$numberLong":"1152921504606846976"}`},
		{"string", "a\"b", `"a\"b"`},
		{"objectid", oid, `{"$oid":"65f0a1b2c3d4e5f601234567"}`},
		{"composite", bson.D{{Key: "a", Value: int32(1)}, {Key: "b", Value: "x"}}, `{"a":{"$numberInt":"1"},"b":"x"}`},
		{"uuid", primitive.Binary{Subtype: 4, Data: make([]byte, 16)}, `{"$binary":{"base64":"AAAAAAAAAAAAAAAAAAAAAA==","subType":"04"}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id := mustRaw(t, bson.D{{Key: "_id", Value: tt.id}}).Lookup("_id")
			got, err := IDKey(id)
			if err != nil || got != tt.want {
				t.Errorf("IDKey = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
	if _, err := IDKey(bson.RawValue{}); err == nil {
		t.Error("IDKey of an empty value succeeded")
	}
}

func TestClassifyWriteErrors(t *testing.T) {
	writeErr := func(index, code int, raw bson.Raw) mongo.BulkWriteError {
		return mongo.BulkWriteError{WriteError: mongo.WriteError{Index: index, Code: code, Message: "m", Raw: raw}}
	}
	kp := func(keys ...string) bson.Raw {
		d := bson.D{}
		for _, k := range keys {
			d = append(d, bson.E{Key: k, Value: 1})
		}
		return mustRaw(t, bson.D{{Key: "index", Value: 0}, {Key: "code", Value: 11000}, {Key: "keyPattern", Value: d}, {Key: "keyValue", Value: bson.D{}}})
	}
	tests := []struct {
		name    string
		err     error
		want    []writeFailure
		wantErr bool
	}{
		{name: "no error"},
		{name: "network error", err: mongo.CommandError{Code: 6, Labels: []string{"NetworkError"}}, wantErr: true},
		{name: "duplicate on _id (MongoDB)", err: mongo.BulkWriteException{WriteErrors: []mongo.BulkWriteError{writeErr(2, 11000, kp("_id"))}},
			want: []writeFailure{{pos: 2, kind: failDuplicateID, code: 11000, message: "m"}}},
		{name: "duplicate on another index (MongoDB)", err: mongo.BulkWriteException{WriteErrors: []mongo.BulkWriteError{writeErr(0, 11000, kp("email"))}},
			want: []writeFailure{{pos: 0, kind: failDuplicateOther, code: 11000, message: "m"}}},
		{name: "duplicate on compound index starting with _id", err: mongo.BulkWriteException{WriteErrors: []mongo.BulkWriteError{writeErr(0, 11000, kp("_id", "x"))}},
			want: []writeFailure{{pos: 0, kind: failDuplicateOther, code: 11000, message: "m"}}},
		{name: "duplicate without key pattern (FerretDB)", err: mongo.BulkWriteException{WriteErrors: []mongo.BulkWriteError{writeErr(1, 11000, nil)}},
			want: []writeFailure{{pos: 1, kind: failDuplicateUnknown, code: 11000, message: "m"}}},
		{name: "other write error", err: mongo.BulkWriteException{WriteErrors: []mongo.BulkWriteError{writeErr(1, 2, nil), writeErr(1, 2, nil)}},
			want: []writeFailure{{pos: 1, kind: failOther, code: 2, message: "m"}}},
		{name: "write concern error", err: mongo.BulkWriteException{WriteConcernError: &mongo.WriteConcernError{Code: 64},
			WriteErrors: []mongo.BulkWriteError{writeErr(0, 11000, nil)}}, wantErr: true},
		{name: "index out of range", err: mongo.BulkWriteException{WriteErrors: []mongo.BulkWriteError{writeErr(3, 11000, nil)}}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := classifyWriteErrors(tt.err, 3)
			if (err != nil) != tt.wantErr {
				t.Fatalf("error = %v, want error %v", err, tt.wantErr)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("failures = %+v, want %+v", got, tt.want)
			}
		})
	}
}
