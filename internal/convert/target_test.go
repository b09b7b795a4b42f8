package convert

import (
	"errors"
	"math"
	"strings"
	"testing"

	"go.mongodb.org/mongo-driver/bson/bsontype"
	"go.mongodb.org/mongo-driver/bson/primitive"
	"go.mongodb.org/mongo-driver/x/bsonx/bsoncore"
)

func jsonValue(t *testing.T, text string) bsoncore.Value {
	t.Helper()
	v, _, err := Value(Column{Name: "j", Kind: KindJSON}, text, Options{})
	if err != nil {
		t.Fatalf("convert %s: %v", text, err)
	}
	return v
}

func TestCheckTarget(t *testing.T) {
	ferret := TargetLimits{NoDecimal128: true, NoNaNInf: true, NoNestedArrays: true, NoNULInStrings: true, NoDottedOrDollarKeys: true, NoNegativeZero: true}
	tests := []struct {
		name   string
		v      bsoncore.Value
		caps   TargetLimits
		errSub string // "" = accepted
	}{
		{"decimal refused", decimalValue(mustDec(t, "1.5")), ferret, "a Decimal128 value cannot be stored"},
		{"decimal allowed on MongoDB", decimalValue(mustDec(t, "1.5")), TargetLimits{}, ""},
		{"NaN refused", doubleValue(math.NaN()), ferret, "the double NaN cannot be stored"},
		{"Inf refused", doubleValue(math.Inf(-1)), TargetLimits{NoNaNInf: true}, "the double -Infinity"},
		{"finite double ok", doubleValue(1.5), ferret, ""},
		{"negative zero refused", doubleValue(math.Copysign(0, -1)), ferret, "the double -0"},
		{"negative zero allowed without the limit", doubleValue(math.Copysign(0, -1)), TargetLimits{NoNaNInf: true}, ""},
		{"NUL string refused", stringValue("a\x00"), ferret, "NUL character"},
		{"plain string ok", stringValue("a"), ferret, ""},
		{"nested array refused", jsonValue(t, `{"a":[1,[2]]}`), ferret, `an array directly inside an array at $."a"[1]`},
		{"array of documents with arrays ok", jsonValue(t, `[{"a":[1]}]`), ferret, ""},
		{"nested array allowed on MongoDB", jsonValue(t, `[[1]]`), TargetLimits{NoDecimal128: true}, ""},
		{"dotted key refused", jsonValue(t, `{"x":{"a.b":1}}`), ferret, `the field name "a.b" at $."x"."a.b"`},
		{"dollar key refused", jsonValue(t, `{"$set":1}`), ferret, `field name "$set"`},
		{"inner dollar ok", jsonValue(t, `{"a$":1}`), ferret, ""},
		{"deep decimal found", jsonValue(t, `{"a":[{"b":1e400}]}`), ferret, `at $."a"[0]."b"`},
		{"deep NaN in array", bsoncore.Value{Type: bsontype.Array, Data: bsoncore.BuildArray(nil, doubleValue(1), doubleValue(math.NaN()))}, ferret, "the double NaN at $[1]"},
		{"malformed document", bsoncore.Value{Type: bsontype.EmbeddedDocument, Data: []byte{1}}, ferret, "malformed"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := CheckTarget(tc.v, tc.caps)
			if tc.errSub == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.errSub) {
				t.Fatalf("error %v does not contain %q", err, tc.errSub)
			}
			var ce *Error
			if strings.Contains(tc.errSub, "malformed") {
				if errors.As(err, &ce) {
					t.Fatalf("malformed BSON must not be a record error: %v", err)
				}
				return
			}
			if !errors.As(err, &ce) {
				t.Fatalf("want *Error, got %T", err)
			}
		})
	}
}

func mustDec(t *testing.T, s string) primitive.Decimal128 {
	t.Helper()
	x, ok := parseDecimalText(s)
	if !ok {
		t.Fatalf("parse %q", s)
	}
	dec, why := x.decimal128()
	if why != "" {
		t.Fatalf("decimal128 %q: %s", s, why)
	}
	return dec
}

func TestKindNeedsDecimal128(t *testing.T) {
	tests := []struct {
		col  Column
		want bool
	}{
		{Column{Kind: KindDecimal}, true},
		{Column{Kind: KindDecimal, Override: OverrideDecimal}, true},
		{Column{Kind: KindDecimal, Override: OverrideString}, false},
		{Column{Kind: KindDecimal, Override: OverrideDouble}, false},
		{Column{Kind: KindInt64, Override: OverrideDecimal}, true},
		{Column{Kind: KindArray, Element: KindDecimal}, true},
		{Column{Kind: KindArray, Element: KindDecimal, Override: OverrideString}, false},
		{Column{Kind: KindJSON}, false},
		{Column{Kind: KindInt64}, false},
	}
	for _, tc := range tests {
		if got := KindNeedsDecimal128(tc.col); got != tc.want {
			t.Errorf("KindNeedsDecimal128(%+v) = %v, want %v", tc.col, got, tc.want)
		}
	}
}
