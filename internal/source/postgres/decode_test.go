package postgres

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/x/bsonx/bsoncore"

	"github.com/relmongo/relmongo/internal/convert"
	"github.com/relmongo/relmongo/internal/project"
	"github.com/relmongo/relmongo/internal/schema"
	"github.com/relmongo/relmongo/internal/source"
)

// These tests read real PostgreSQL values through the dialect's codecs and convert them, so they
// check what pgx actually returns for every type of TYPES.md (binary or text format) together with
// the conversion policy. PostgreSQL is required, as for the end-to-end tests: they never skip.

func adminURL() string {
	if u := os.Getenv("RELMONGO_TEST_PG_URL"); u != "" {
		return u
	}
	return "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
}

// testDB creates a fresh database named relmongo_test_<suffix> (with extra CREATE DATABASE
// options), drops it at cleanup and returns its connection string.
func testDB(t testing.TB, options string) string {
	t.Helper()
	ctx := context.Background()
	admin, err := pgx.Connect(ctx, adminURL())
	if err != nil {
		t.Fatalf("PostgreSQL is required (set RELMONGO_TEST_PG_URL): %v", err)
	}
	defer admin.Close(ctx)
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	name := "relmongo_test_decode_" + hex.EncodeToString(b)
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()+" "+options); err != nil {
		t.Fatalf("creating database %s: %v", name, err)
	}
	t.Cleanup(func() {
		c, err := pgx.Connect(context.Background(), adminURL())
		if err != nil {
			return
		}
		defer c.Close(context.Background())
		_, _ = c.Exec(context.Background(), "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)")
	})
	cfg, err := pgx.ParseConfig(adminURL())
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("postgres://%s@%s:%d/%s?sslmode=disable", cfg.User, cfg.Host, cfg.Port, name)
}

func execAll(t testing.TB, url string, stmts ...string) {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	for _, s := range stmts {
		if _, err := conn.Exec(ctx, s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
}

// readTable introspects table and reads all its rows (key column id) through ReadRange.
func readTable(t *testing.T, src *Source, table string) ([]project.ColumnPlan, map[int64]source.Row) {
	t.Helper()
	ctx := context.Background()
	cat, err := src.Introspect(ctx, []string{"public"})
	if err != nil {
		t.Fatal(err)
	}
	tab, ok := cat.Table("public", table)
	if !ok {
		t.Fatalf("table %s not introspected", table)
	}
	plan := planOf(tab)
	snap, err := src.Snapshot(ctx, source.SnapshotOptions{StatementTimeoutMillis: 60_000})
	if err != nil {
		t.Fatal(err)
	}
	defer snap.Close(ctx) //nolint:errcheck
	rows := map[int64]source.Row{}
	err = snap.ReadRange(ctx, plan, nil, nil, func(r source.Row) error {
		rows[r[0].(int64)] = append(source.Row(nil), r...)
		return nil
	})
	if err != nil {
		t.Fatalf("reading %s: %v", table, err)
	}
	return plan.Columns, rows
}

func planOf(tab *schema.Table) project.TablePlan {
	p := project.TablePlan{Table: project.TableRef{Schema: tab.Schema, Name: tab.Name}, KeyColumns: tab.PrimaryKey}
	for _, c := range tab.Columns {
		p.Columns = append(p.Columns, project.ColumnPlan{Name: c.Name, DataType: c.DataType, Kind: c.Kind, Element: c.Element, Scale: c.Scale, Output: []string{c.Name}})
	}
	return p
}

func extJSON(t *testing.T, v bsoncore.Value) string {
	t.Helper()
	doc := bsoncore.BuildDocument(nil, bsoncore.AppendValueElement(nil, "v", v))
	b, err := bson.MarshalExtJSON(bson.Raw(doc), true, false)
	if err != nil {
		t.Fatalf("MarshalExtJSON: %v", err)
	}
	return string(b)
}

// decodeCase is one value of one column type. Exactly one of want and errSub is set; want "null"
// means the decoder must return SQL NULL.
type decodeCase struct {
	name     string
	typ      string // column type
	lit      string // SQL expression of the value
	override string
	tz       string // sourceTimeZone; "" = UTC
	want     string // canonical Extended JSON of {"v": value}
	note     convert.Note
	kind     convert.Kind // the kind introspection must choose (0: not checked)
	errSub   string
}

const (
	d = `{"v":{"$date":{"$numberLong":"%s"}}}`
)

func date(ms string) string { return fmt.Sprintf(d, ms) }

var decodeCases = []decodeCase{
	// Integers.
	{name: "smallint max", typ: "smallint", lit: "32767", want: `{"v":{"$numberInt":"32767"}}`, kind: convert.KindInt32},
	{name: "smallint min", typ: "smallint", lit: "-32768", want: `{"v":{"$numberInt":"-32768"}}`},
	{name: "smallint zero", typ: "smallint", lit: "0", want: `{"v":{"$numberInt":"0"}}`},
	{name: "int max", typ: "integer", lit: "2147483647", want: `{"v":{"$numberInt":"2147483647"}}`, kind: convert.KindInt32},
	{name: "int min", typ: "integer", lit: "-2147483648", want: `{"v":{"$numberInt":"-2147483648"}}`},
	{name: "int null", typ: "integer", lit: "NULL", want: "null"},
	{name: "bigint max", typ: "bigint", lit: "9223372036854775807", want: `{"v":{"$numberLong":"9223372036854775807"}}`, kind: convert.KindInt64},
	{name: "bigint min", typ: "bigint", lit: "-9223372036854775808", want: `{"v":{"$numberLong":"-9223372036854775808"}}`},
	{name: "bigint above 2^53", typ: "bigint", lit: "9007199254740993", want: `{"v":{"$numberLong":"9007199254740993"}}`},
	{name: "domain over int", typ: "posint", lit: "7", want: `{"v":{"$numberInt":"7"}}`, kind: convert.KindInt32},

	// Decimals: exact text, scale kept, never float64.
	{name: "numeric scale kept", typ: "numeric", lit: "12.5000", want: `{"v":{"$numberDecimal":"12.5000"}}`, kind: convert.KindDecimal},
	{name: "numeric zero", typ: "numeric", lit: "0", want: `{"v":{"$numberDecimal":"0"}}`},
	{name: "numeric negative", typ: "numeric", lit: "-0.001", want: `{"v":{"$numberDecimal":"-0.001"}}`},
	{name: "numeric 34 digits", typ: "numeric", lit: "1234567890123456789012345678901234", want: `{"v":{"$numberDecimal":"1234567890123456789012345678901234"}}`},
	{name: "numeric 35 digits", typ: "numeric", lit: "12345678901234567890123456789012345", errSub: "significant digits"},
	{name: "numeric 35 digits as STRING", typ: "numeric", lit: "12345678901234567890123456789012345", override: "STRING", want: `{"v":"12345678901234567890123456789012345"}`},
	{name: "numeric NaN", typ: "numeric", lit: "'NaN'", want: `{"v":{"$numberDecimal":"NaN"}}`},
	{name: "numeric +Infinity", typ: "numeric", lit: "'Infinity'", want: `{"v":{"$numberDecimal":"Infinity"}}`},
	{name: "numeric -Infinity", typ: "numeric", lit: "'-Infinity'", want: `{"v":{"$numberDecimal":"-Infinity"}}`},
	{name: "numeric tiny", typ: "numeric", lit: "1e-300", want: `{"v":{"$numberDecimal":"1E-300"}}`},
	{name: "numeric(10,2) pads", typ: "numeric(10,2)", lit: "1.5", want: `{"v":{"$numberDecimal":"1.50"}}`},
	{name: "numeric as STRING", typ: "numeric", lit: "12.5000", override: "STRING", want: `{"v":"12.5000"}`},
	{name: "money via numeric", typ: "money", lit: "1234.56", want: `{"v":{"$numberDecimal":"1234.56"}}`, kind: convert.KindDecimal},
	{name: "money negative", typ: "money", lit: "-0.01", want: `{"v":{"$numberDecimal":"-0.01"}}`},
	{name: "money as STRING", typ: "money", lit: "1234.5", override: "STRING", want: `{"v":"1234.50"}`},
	{name: "domain over money", typ: "price", lit: "9.99", want: `{"v":{"$numberDecimal":"9.99"}}`},

	// Doubles.
	{name: "real", typ: "real", lit: "1.5", want: `{"v":{"$numberDouble":"1.5"}}`, kind: convert.KindDouble},
	{name: "real 0.1 is its binary value", typ: "real", lit: "0.1", want: `{"v":{"$numberDouble":"0.10000000149011612"}}`},
	{name: "real 0.1 as STRING keeps float4 text", typ: "real", lit: "0.1", override: "STRING", want: `{"v":"0.1"}`},
	{name: "real NaN", typ: "real", lit: "'NaN'", want: `{"v":{"$numberDouble":"NaN"}}`},
	{name: "real -Infinity", typ: "real", lit: "'-Infinity'", want: `{"v":{"$numberDouble":"-Infinity"}}`},
	{name: "double", typ: "double precision", lit: "0.1", want: `{"v":{"$numberDouble":"0.1"}}`, kind: convert.KindDouble},
	{name: "double max", typ: "double precision", lit: "1.7976931348623157e308", want: `{"v":{"$numberDouble":"1.7976931348623157E+308"}}`},
	{name: "double -0", typ: "double precision", lit: "'-0'", want: `{"v":{"$numberDouble":"-0.0"}}`},
	{name: "double Infinity", typ: "double precision", lit: "'Infinity'", want: `{"v":{"$numberDouble":"Infinity"}}`},

	// Booleans and bit strings.
	{name: "bool true", typ: "boolean", lit: "true", want: `{"v":true}`, kind: convert.KindBool},
	{name: "bool false", typ: "boolean", lit: "false", want: `{"v":false}`},
	{name: "bit(1) is a bit string", typ: "bit(1)", lit: "B'1'", want: `{"v":"1"}`, kind: convert.KindBitString},
	{name: "bit(4)", typ: "bit(4)", lit: "B'1010'", want: `{"v":"1010"}`},
	{name: "varbit", typ: "bit varying", lit: "B'0001'", want: `{"v":"0001"}`, kind: convert.KindBitString},
	{name: "varbit empty", typ: "bit varying", lit: "B''", want: `{"v":""}`},

	// Text.
	{name: "text", typ: "text", lit: "'héllo ✓'", want: `{"v":"héllo ✓"}`, kind: convert.KindString},
	{name: "text empty", typ: "text", lit: "''", want: `{"v":""}`},
	{name: "varchar", typ: "varchar(5)", lit: "'abc'", want: `{"v":"abc"}`},
	{name: "char padded", typ: "char(4)", lit: "'ab'", want: `{"v":"ab  "}`},
	{name: "citext", typ: "citext", lit: "'MiXed'", want: `{"v":"MiXed"}`, kind: convert.KindString},
	{name: "enum", typ: "mood", lit: "'happy'", want: `{"v":"happy"}`, kind: convert.KindString},
	{name: "domain over text", typ: "shorttext", lit: "'dom'", want: `{"v":"dom"}`, kind: convert.KindString},
	{name: "name", typ: "name", lit: "'pg_name'", want: `{"v":"pg_name"}`},
	{name: "xml", typ: "xml", lit: "'<a b=\"1\">x</a>'", want: `{"v":"<a b=\"1\">x</a>"}`, kind: convert.KindString},

	// Binary and UUID.
	{name: "bytea empty is not null", typ: "bytea", lit: "''::bytea", want: `{"v":{"$binary":{"base64":"","subType":"00"}}}`, kind: convert.KindBinary},
	{name: "bytea", typ: "bytea", lit: `'\x00ff'::bytea`, want: `{"v":{"$binary":{"base64":"AP8=","subType":"00"}}}`},
	{name: "bytea invalid UTF-8 is fine", typ: "bytea", lit: `'\xc328'::bytea`, want: `{"v":{"$binary":{"base64":"wyg=","subType":"00"}}}`},
	{name: "uuid", typ: "uuid", lit: "'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'", want: `{"v":{"$binary":{"base64":"oO68mZwLTvi7bWu5vTgKEQ==","subType":"04"}}}`, kind: convert.KindUUID},
	{name: "uuid as STRING", typ: "uuid", lit: "'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11'", override: "STRING", want: `{"v":"a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"}`},

	// Dates.
	{name: "date", typ: "date", lit: "'2024-01-02'", want: date("1704153600000"), kind: convert.KindDate},
	{name: "date 0001-01-01", typ: "date", lit: "'0001-01-01'", want: date("-62135596800000")},
	{name: "date 4713-01-01 BC", typ: "date", lit: "'4713-01-01 BC'", want: date("-210863520000000")},
	{name: "date 294276-12-31", typ: "date", lit: "'294276-12-31'", want: date("9224317929600000")},
	{name: "date max", typ: "date", lit: "'5874897-12-31'", want: date("185331706992000000")},
	{name: "date +infinity", typ: "date", lit: "'infinity'", want: date("9223372036854775807")},
	{name: "date -infinity", typ: "date", lit: "'-infinity'", want: date("-9223372036854775808")},
	{name: "date BC as STRING", typ: "date", lit: "'0044-03-15 BC'", override: "STRING", want: `{"v":"-0043-03-15"}`},

	// Timestamps without time zone: read in sourceTimeZone.
	{name: "timestamp sub-ms truncated", typ: "timestamp", lit: "'2024-01-02 03:04:05.123456'", want: date("1704164645123"), note: convert.NoteSubMillisecondTruncated, kind: convert.KindTimestamp},
	{name: "timestamp sub-ms as STRING", typ: "timestamp", lit: "'2024-01-02 03:04:05.123456'", override: "STRING", want: `{"v":"2024-01-02T03:04:05.123456"}`},
	{name: "timestamp in Berlin", typ: "timestamp", lit: "'2024-01-02 03:04:05'", tz: "Europe/Berlin", want: date("1704161045000")},
	{name: "timestamp DST gap", typ: "timestamp", lit: "'2024-03-31 02:30'", tz: "Europe/Berlin", want: date("1711848600000"), note: convert.NoteDSTGap},
	{name: "timestamp DST ambiguous", typ: "timestamp", lit: "'2024-10-27 02:30'", tz: "Europe/Berlin", want: date("1729989000000"), note: convert.NoteDSTAmbiguous},
	{name: "timestamp max", typ: "timestamp", lit: "'294276-12-31 23:59:59.999'", want: date("9224318015999999")},
	{name: "timestamp 4713 BC", typ: "timestamp", lit: "'4713-01-01 00:00:00 BC'", want: date("-210863520000000")},
	{name: "timestamp +infinity", typ: "timestamp", lit: "'infinity'", want: date("9223372036854775807")},
	{name: "timestamp -infinity", typ: "timestamp", lit: "'-infinity'", want: date("-9223372036854775808")},
	{name: "timestamptz instant", typ: "timestamptz", lit: "'2024-01-02 03:04:05+02'", want: date("1704157445000"), kind: convert.KindTimestampTZ},
	{name: "timestamptz ignores sourceTimeZone", typ: "timestamptz", lit: "'2024-01-02 03:04:05+02'", tz: "America/New_York", want: date("1704157445000")},
	{name: "timestamptz +infinity", typ: "timestamptz", lit: "'infinity'", want: date("9223372036854775807")},
	{name: "timestamptz -infinity", typ: "timestamptz", lit: "'-infinity'", want: date("-9223372036854775808")},

	// Times and intervals as strings.
	{name: "time", typ: "time", lit: "'12:34:56.789'", want: `{"v":"12:34:56.789"}`, kind: convert.KindTime},
	{name: "time microseconds", typ: "time", lit: "'00:00:00.000001'", want: `{"v":"00:00:00.000001"}`},
	{name: "time 24:00", typ: "time", lit: "'24:00:00'", want: `{"v":"24:00:00"}`},
	{name: "timetz whole hours", typ: "timetz", lit: "'12:00:00+02'", want: `{"v":"12:00:00+02:00"}`, kind: convert.KindTime},
	{name: "timetz half hours", typ: "timetz", lit: "'12:00:00.5-05:30'", want: `{"v":"12:00:00.5-05:30"}`},
	{name: "timetz offset seconds kept", typ: "timetz", lit: "'12:00:00+01:02:03'", want: `{"v":"12:00:00+01:02:03"}`},
	{name: "interval", typ: "interval", lit: "'1 year 2 months 3 days 04:05:06.5'", want: `{"v":"P1Y2M3DT4H5M6.5S"}`, kind: convert.KindInterval},
	{name: "interval mixed signs", typ: "interval", lit: "'-1 day +02:00'", want: `{"v":"P-1DT2H"}`},
	{name: "interval zero", typ: "interval", lit: "'0'", want: `{"v":"PT0S"}`},
	{name: "interval microseconds", typ: "interval", lit: "'-0.000001 seconds'", want: `{"v":"PT-0.000001S"}`},

	// JSON: parsed with the number rule, key order as the server returns it.
	{name: "json keeps text order and big integers", typ: "json", lit: `'{"b":1,"a":[1.5,12345678901234567890,{"x":null}],"c":0.1}'`,
		want: `{"v":{"b":{"$numberInt":"1"},"a":[{"$numberDouble":"1.5"},{"$numberDecimal":"12345678901234567890"},{"x":null}],"c":{"$numberDouble":"0.1"}}}`, kind: convert.KindJSON},
	// 2.50 denotes exactly the double 2.5 (JSON numbers carry no scale); 0.10000000000000000001
	// does not denote any double exactly.
	{name: "jsonb orders keys its way", typ: "jsonb", lit: `'{"bb":1,"a":2.50,"c":9223372036854775808,"d":0.10000000000000000001}'`,
		want: `{"v":{"a":{"$numberDouble":"2.5"},"c":{"$numberDecimal":"9223372036854775808"},"d":{"$numberDecimal":"0.10000000000000000001"},"bb":{"$numberInt":"1"}}}`, kind: convert.KindJSON},
	{name: "jsonb scalar", typ: "jsonb", lit: `'"s"'`, want: `{"v":"s"}`},
	{name: "jsonb int64", typ: "jsonb", lit: `'4294967296'`, want: `{"v":{"$numberLong":"4294967296"}}`},
	{name: "json NUL escape", typ: "json", lit: `'{"a":"x\u0000y"}'`, want: `{"v":{"a":"x\u0000y"}}`},
	{name: "jsonb as STRING", typ: "jsonb", lit: `'{"a": 1}'`, override: "STRING", want: `{"v":"{\"a\": 1}"}`},

	// Arrays.
	{name: "int 2-D with NULLs", typ: "integer[]", lit: "'{{1,NULL},{NULL,4}}'", want: `{"v":[[{"$numberInt":"1"},null],[null,{"$numberInt":"4"}]]}`, kind: convert.KindArray},
	{name: "int empty", typ: "integer[]", lit: "'{}'", want: `{"v":[]}`},
	{name: "int lower bound 0", typ: "integer[]", lit: "'[0:1]={1,2}'", errSub: "lower bound other than 1"},
	{name: "bigint array", typ: "bigint[]", lit: "'{9223372036854775807,NULL}'", want: `{"v":[{"$numberLong":"9223372036854775807"},null]}`},
	{name: "smallint 3-D", typ: "smallint[]", lit: "'{{{1},{2}},{{3},{4}}}'", want: `{"v":[[[{"$numberInt":"1"}],[{"$numberInt":"2"}]],[[{"$numberInt":"3"}],[{"$numberInt":"4"}]]]}`},
	{name: "text array", typ: "text[]", lit: `'{"a",NULL,"b,c","NULL"}'`, want: `{"v":["a",null,"b,c","NULL"]}`},
	{name: "numeric array", typ: "numeric[]", lit: "'{1.50,NaN,NULL}'", want: `{"v":[{"$numberDecimal":"1.50"},{"$numberDecimal":"NaN"},null]}`},
	{name: "numeric array as STRING", typ: "numeric[]", lit: "'{1.50,-2}'", override: "STRING", want: `{"v":["1.50","-2"]}`},
	{name: "money array", typ: "money[]", lit: "'{1.5,NULL}'", want: `{"v":[{"$numberDecimal":"1.50"},null]}`},
	{name: "real array", typ: "real[]", lit: "'{0.5,NaN,-Infinity}'", want: `{"v":[{"$numberDouble":"0.5"},{"$numberDouble":"NaN"},{"$numberDouble":"-Infinity"}]}`},
	{name: "real array as STRING", typ: "real[]", lit: "'{0.1}'", override: "STRING", want: `{"v":["0.1"]}`},
	{name: "double array", typ: "float8[]", lit: "'{0.1,NULL}'", want: `{"v":[{"$numberDouble":"0.1"},null]}`},
	{name: "bool array", typ: "boolean[]", lit: "'{t,f,NULL}'", want: `{"v":[true,false,null]}`},
	{name: "bytea array", typ: "bytea[]", lit: `ARRAY['\x00'::bytea, ''::bytea, NULL]`, want: `{"v":[{"$binary":{"base64":"AA==","subType":"00"}},{"$binary":{"base64":"","subType":"00"}},null]}`},
	{name: "uuid array", typ: "uuid[]", lit: "'{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11}'", want: `{"v":[{"$binary":{"base64":"oO68mZwLTvi7bWu5vTgKEQ==","subType":"04"}}]}`},
	{name: "date array", typ: "date[]", lit: "'{2024-01-02,infinity,4713-01-01 BC}'", want: `{"v":[` + `{"$date":{"$numberLong":"1704153600000"}},{"$date":{"$numberLong":"9223372036854775807"}},{"$date":{"$numberLong":"-210863520000000"}}]}`},
	{name: "timestamp array", typ: "timestamp[]", lit: "'{\"2024-01-02 03:04:05.123456\"}'", want: `{"v":[{"$date":{"$numberLong":"1704164645123"}}]}`, note: convert.NoteSubMillisecondTruncated},
	{name: "timestamptz array", typ: "timestamptz[]", lit: "'{\"2024-01-02 03:04:05+02\",-infinity}'", want: `{"v":[{"$date":{"$numberLong":"1704157445000"}},{"$date":{"$numberLong":"-9223372036854775808"}}]}`},
	{name: "interval array", typ: "interval[]", lit: "'{\"1 day\",NULL}'", want: `{"v":["P1D",null]}`},
	{name: "timetz array", typ: "timetz[]", lit: "'{12:00:00+02}'", want: `{"v":["12:00:00+02:00"]}`},
	{name: "jsonb array", typ: "jsonb[]", lit: `ARRAY['{"a":1}'::jsonb, '[1,2]', NULL]`, want: `{"v":[{"a":{"$numberInt":"1"}},[{"$numberInt":"1"},{"$numberInt":"2"}],null]}`},
	{name: "char(n) array keeps padding", typ: "char(3)[]", lit: "'{ab,NULL,\"\"}'", want: `{"v":["ab ",null,"   "]}`},
	{name: "varchar array", typ: "varchar(5)[]", lit: "'{x}'", want: `{"v":["x"]}`},
	{name: "citext array", typ: "citext[]", lit: "'{Ab}'", want: `{"v":["Ab"]}`},
	{name: "varbit array", typ: "varbit[]", lit: "'{101,0}'", want: `{"v":["101","0"]}`},
	{name: "inet array", typ: "inet[]", lit: "'{10.0.0.1/8}'", want: `{"v":["10.0.0.1/8"]}`},
	{name: "hstore array", typ: "hstore[]", lit: `ARRAY['a=>1'::hstore]`, want: `{"v":[{"a":"1"}]}`},
	// Enum and domain elements are not base types this dialect knows by name: they fall back to
	// their text (the same string an enum column gets) with the fallback note.
	{name: "enum array", typ: "mood[]", lit: "'{happy,NULL}'", want: `{"v":["happy",null]}`, note: convert.NoteFallbackText},

	// hstore: a document of strings in the server's order.
	{name: "hstore", typ: "hstore", lit: `'b=>2, a=>NULL, "long key"=>"x\"y\\z"'`, want: `{"v":{"a":null,"b":"2","long key":"x\"y\\z"}}`, kind: convert.KindHstore},
	{name: "hstore empty", typ: "hstore", lit: "''", want: `{"v":{}}`},
	{name: "hstore as STRING", typ: "hstore", lit: `'a=>1'`, override: "STRING", want: `{"v":"\"a\"=>\"1\""}`},

	// Network, text search and geometric types as their text.
	{name: "inet", typ: "inet", lit: "'192.168.0.1/24'", want: `{"v":"192.168.0.1/24"}`, kind: convert.KindString},
	{name: "inet host shows no netmask", typ: "inet", lit: "'10.0.0.1'", want: `{"v":"10.0.0.1"}`},
	{name: "inet IPv6 host", typ: "inet", lit: "'::1'", want: `{"v":"::1"}`},
	{name: "inet IPv6 network", typ: "inet", lit: "'2001:db8::1/64'", want: `{"v":"2001:db8::1/64"}`},
	{name: "cidr", typ: "cidr", lit: "'10.0.0.0/8'", want: `{"v":"10.0.0.0/8"}`},
	{name: "macaddr", typ: "macaddr", lit: "'08:00:2b:01:02:03'", want: `{"v":"08:00:2b:01:02:03"}`},
	{name: "tsvector", typ: "tsvector", lit: "'a fat cat'", want: `{"v":"'a' 'cat' 'fat'"}`},
	{name: "point", typ: "point", lit: "'(1.5,2)'", want: `{"v":"(1.5,2)"}`},
	{name: "circle", typ: "circle", lit: "'<(0,0),1>'", want: `{"v":"<(0,0),1>"}`},
	{name: "polygon", typ: "polygon", lit: "'((0,0),(1,1),(1,0))'", want: `{"v":"((0,0),(1,1),(1,0))"}`},

	// Anything else: its text, with the fallback note (one WARNING per column per job).
	{name: "range falls back to text", typ: "int4range", lit: "'[1,5)'", want: `{"v":"[1,5)"}`, note: convert.NoteFallbackText, kind: convert.KindText},
	{name: "pg_lsn falls back to text", typ: "pg_lsn", lit: "'0/16B3748'", want: `{"v":"0/16B3748"}`, note: convert.NoteFallbackText, kind: convert.KindText},
	{name: "composite falls back to text", typ: "pair", lit: "ROW(1,'x')::pair", want: `{"v":"(1,x)"}`, note: convert.NoteFallbackText, kind: convert.KindText},
}

// TestDecodeEveryType creates one table per column type, inserts the cases' values, reads them
// back through Introspect and ReadRange and converts them: the result must be the exact canonical
// Extended JSON, or the record error, of each case.
func TestDecodeEveryType(t *testing.T) {
	t.Parallel()
	url := testDB(t, "")
	setup := []string{
		"CREATE EXTENSION IF NOT EXISTS hstore",
		"CREATE EXTENSION IF NOT EXISTS citext",
		"CREATE TYPE mood AS ENUM ('sad', 'happy')",
		"CREATE TYPE pair AS (a int, b text)",
		"CREATE DOMAIN posint AS integer CHECK (VALUE > 0)",
		"CREATE DOMAIN shorttext AS text CHECK (length(VALUE) < 10)",
		"CREATE DOMAIN price AS money",
	}
	tables := map[string]string{} // type -> table
	var order []string
	for _, c := range decodeCases {
		if _, ok := tables[c.typ]; !ok {
			tables[c.typ] = fmt.Sprintf("t%d", len(tables))
			order = append(order, c.typ)
			setup = append(setup, fmt.Sprintf("CREATE TABLE %s (id bigint PRIMARY KEY, v %s)", tables[c.typ], c.typ))
		}
	}
	for i, c := range decodeCases {
		setup = append(setup, fmt.Sprintf("INSERT INTO %s VALUES (%d, %s)", tables[c.typ], i, c.lit))
	}
	execAll(t, url, setup...)
	src, err := Open(context.Background(), url, 2)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	for _, typ := range order {
		cols, rows := readTable(t, src, tables[typ])
		for i, c := range decodeCases {
			if c.typ != typ {
				continue
			}
			t.Run(c.name, func(t *testing.T) {
				if c.kind != 0 && cols[1].Kind != c.kind {
					t.Errorf("type %s introspected as kind %s, want %s", typ, cols[1].Kind, c.kind)
				}
				row, ok := rows[int64(i)]
				if !ok {
					t.Fatalf("row %d not read", i)
				}
				checkValue(t, cols[1], row[1], c)
			})
		}
	}
}

func checkValue(t *testing.T, cp project.ColumnPlan, v any, c decodeCase) {
	t.Helper()
	if c.want == "null" {
		if v != nil {
			t.Fatalf("decoded %#v, want NULL (nil)", v)
		}
		return
	}
	if v == nil {
		t.Fatal("decoded NULL for a non-NULL value")
	}
	col := cp.ConvertColumn()
	col.Override = c.override
	opts := convert.Options{}
	if c.tz != "" {
		loc, err := time.LoadLocation(c.tz)
		if err != nil {
			t.Fatal(err)
		}
		opts.Location = loc
	}
	got, note, err := convert.Value(col, v, opts)
	if c.errSub != "" {
		var ce *convert.Error
		if !errors.As(err, &ce) || !strings.Contains(ce.Error(), c.errSub) {
			t.Fatalf("decoded %#v: want a record error containing %q, got %v (err %v)", v, c.errSub, got, err)
		}
		return
	}
	if err != nil {
		t.Fatalf("decoded %#v (%T): %v", v, v, err)
	}
	if s := extJSON(t, got); s != c.want {
		t.Errorf("decoded %#v (%T)\n got %s\nwant %s", v, v, s, c.want)
	}
	if note != c.note {
		t.Errorf("note %v, want %v", note, c.note)
	}
}

// TestDecodeInvalidUTF8 uses a SQL_ASCII database, the only way PostgreSQL stores bytes that are
// not UTF-8 in a text column: such text is a record error (never replaced), the same bytes in
// bytea are a Binary.
func TestDecodeInvalidUTF8(t *testing.T) {
	t.Parallel()
	url := testDB(t, "ENCODING 'SQL_ASCII' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0")
	execAll(t, url,
		"CREATE TABLE t (id bigint PRIMARY KEY, s text, b bytea)",
		`INSERT INTO t VALUES (1, E'ok\xff', E'\\xff'::bytea), (2, 'fine', '')`,
	)
	src, err := Open(context.Background(), url, 2)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	cols, rows := readTable(t, src, "t")
	checkValue(t, cols[1], rows[1][1], decodeCase{errSub: "not valid UTF-8 (first bad byte at offset 2)"})
	checkValue(t, cols[2], rows[1][2], decodeCase{want: `{"v":{"$binary":{"base64":"/w==","subType":"00"}}}`})
	checkValue(t, cols[1], rows[2][1], decodeCase{want: `{"v":"fine"}`})
	checkValue(t, cols[2], rows[2][2], decodeCase{want: `{"v":{"$binary":{"base64":"","subType":"00"}}}`})
}

// TestDecodedRowsDoNotAlias checks that a decoded value stays intact after the next row is
// scanned: assembly keeps root rows of a chunk while it fetches their children.
func TestDecodedRowsDoNotAlias(t *testing.T) {
	t.Parallel()
	url := testDB(t, "")
	execAll(t, url,
		"CREATE TABLE t (id bigint PRIMARY KEY, b bytea, a int[], s text, j jsonb)",
		`INSERT INTO t VALUES (1, '\x0102', '{1,2}', 'one', '{"k":1}'), (2, '\x0304', '{3,4}', 'two', '{"k":2}')`,
	)
	src, err := Open(context.Background(), url, 2)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	_, rows := readTable(t, src, "t")
	if got := fmt.Sprint(rows[1][1:]); got != "[[1 2] {[2] [1 2]} one {\"k\": 1}]" {
		t.Errorf("row 1 after reading row 2: %s", got)
	}
	if got := fmt.Sprint(rows[2][1:]); got != "[[3 4] {[2] [3 4]} two {\"k\": 2}]" {
		t.Errorf("row 2: %s", got)
	}
}
