package tests

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/mongo"
	"go.mongodb.org/mongo-driver/x/bsonx/bsoncore"

	"github.com/relmongo/relmongo/internal/apiclient"
	"github.com/relmongo/relmongo/internal/chinook"
	"github.com/relmongo/relmongo/internal/convert"
)

// The type table: one column of every PostgreSQL type of TYPES.md, rows with typical, minimal,
// maximal, empty, BC, infinite and NULL values, and rows holding one value the embedded target
// (FerretDB 1.x) cannot store. Each value's expected BSON is written as canonical Extended JSON,
// independently of the code under test.

// typeCol is one column of the type table. numeric marks the columns that produce Decimal128 and
// therefore need the STRING override on FerretDB.
type typeCol struct {
	name, typ string
	numeric   bool
}

var typeCols = []typeCol{
	{name: "id", typ: "integer PRIMARY KEY"},
	{name: "c_smallint", typ: "smallint"},
	{name: "c_int", typ: "integer"},
	{name: "c_bigint", typ: "bigint"},
	{name: "c_numeric", typ: "numeric", numeric: true},
	{name: "c_numeric_s", typ: "numeric(12,4)", numeric: true},
	{name: "c_money", typ: "money", numeric: true},
	{name: "c_real", typ: "real"},
	{name: "c_double", typ: "double precision"},
	{name: "c_bool", typ: "boolean"},
	{name: "c_bit1", typ: "bit(1)"},
	{name: "c_bits", typ: "bit(4)"},
	{name: "c_varbit", typ: "bit varying"},
	{name: "c_char", typ: "char(3)"},
	{name: "c_varchar", typ: "varchar(20)"},
	{name: "c_text", typ: "text"},
	{name: "c_citext", typ: "citext"},
	{name: "c_enum", typ: "mood"},
	{name: "c_domain", typ: "shorttext"},
	{name: "c_bytea", typ: "bytea"},
	{name: "c_uuid", typ: "uuid"},
	{name: "c_date", typ: "date"},
	{name: "c_ts", typ: "timestamp"},
	{name: "c_tstz", typ: "timestamptz"},
	{name: "c_time", typ: "time"},
	{name: "c_timetz", typ: "timetz"},
	{name: "c_interval", typ: "interval"},
	{name: "c_json", typ: "json"},
	{name: "c_jsonb", typ: "jsonb"},
	{name: "c_int_arr", typ: "integer[]"},
	{name: "c_text_arr", typ: "text[]"},
	{name: "c_num_arr", typ: "numeric[]", numeric: true},
	{name: "c_tstz_arr", typ: "timestamptz[]"},
	{name: "c_hstore", typ: "hstore"},
	{name: "c_xml", typ: "xml"},
	{name: "c_inet", typ: "inet"},
	{name: "c_cidr", typ: "cidr"},
	{name: "c_macaddr", typ: "macaddr"},
	{name: "c_tsvector", typ: "tsvector"},
	{name: "c_point", typ: "point"},
	{name: "c_polygon", typ: "polygon"},
	{name: "c_range", typ: "int4range"}, // no rule: text, one WARNING for the column
	{name: "dotted.name", typ: "text"},  // field name rule: '.' -> U+FF0E
	{name: "$dollar", typ: "text"},      // field name rule: leading '$' -> U+FF04
}

// typeVal is one value: its SQL literal, its canonical Extended JSON, and for numeric columns
// the Extended JSON under the STRING override.
type typeVal struct{ lit, want, str string }

// typeRow is one row. ferretBad names the column whose value FerretDB cannot store (the row is
// then a record error there and stored exactly on MongoDB).
type typeRow struct {
	id        int
	vals      map[string]typeVal
	ferretBad string
}

func i32(n int64) string  { return fmt.Sprintf(`{"$numberInt":"%d"}`, n) }
func i64(n int64) string  { return fmt.Sprintf(`{"$numberLong":"%d"}`, n) }
func dec(s string) string { return `{"$numberDecimal":"` + s + `"}` }
func dbl(s string) string { return `{"$numberDouble":"` + s + `"}` }
func dt(ms string) string { return `{"$date":{"$numberLong":"` + ms + `"}}` }
func str(s string) string {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false) // Extended JSON does not escape <, > and &
	_ = enc.Encode(s)
	return strings.TrimSuffix(b.String(), "\n")
}
func bin(b64, sub string) string {
	return `{"$binary":{"base64":"` + b64 + `","subType":"` + sub + `"}}`
}

// numv is a numeric value: Decimal128 naturally, its exact text under STRING.
func numv(lit, text string) typeVal { return typeVal{lit: lit, want: dec(text), str: str(text)} }

const (
	dateMax = "9223372036854775807"
	dateMin = "-9223372036854775808"
)

var typeRows = []typeRow{
	{id: 1, vals: map[string]typeVal{ // typical values
		"c_smallint": {"1", i32(1), ""}, "c_int": {"42", i32(42), ""}, "c_bigint": {"9007199254740993", i64(9007199254740993), ""},
		"c_numeric": numv("12.5000", "12.5000"), "c_numeric_s": numv("1.5", "1.5000"), "c_money": numv("1234.56", "1234.56"),
		"c_real": {"1.5", dbl("1.5"), ""}, "c_double": {"0.1", dbl("0.1"), ""},
		"c_bool": {"true", "true", ""}, "c_bit1": {"B'1'", str("1"), ""}, "c_bits": {"B'1010'", str("1010"), ""}, "c_varbit": {"B'101'", str("101"), ""},
		"c_char": {"'ab'", str("ab "), ""}, "c_varchar": {"'héllo'", str("héllo"), ""}, "c_text": {"'text ✓ 日本'", str("text ✓ 日本"), ""},
		"c_citext": {"'MiXed'", str("MiXed"), ""}, "c_enum": {"'happy'", str("happy"), ""}, "c_domain": {"'dom'", str("dom"), ""},
		"c_bytea": {`'\xdeadbeef'`, bin("3q2+7w==", "00"), ""}, "c_uuid": {"'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'", bin("oO68mZwLTvi7bWu5vTgKEQ==", "04"), ""},
		"c_date": {"'2024-01-02'", dt("1704153600000"), ""}, "c_ts": {"'2024-01-02 03:04:05.123'", dt("1704164645123"), ""},
		"c_tstz": {"'2024-01-02 03:04:05+02'", dt("1704157445000"), ""},
		"c_time": {"'12:34:56.789'", str("12:34:56.789"), ""}, "c_timetz": {"'12:00:00+02'", str("12:00:00+02:00"), ""},
		"c_interval": {"'1 year 2 months 3 days 04:05:06.5'", str("P1Y2M3DT4H5M6.5S"), ""},
		"c_json":     {`'{"b":1,"a":[1.5,{"x":null}],"s":"t"}'`, `{"b":{"$numberInt":"1"},"a":[{"$numberDouble":"1.5"},{"x":null}],"s":"t"}`, ""},
		"c_jsonb":    {`'{"n":-7,"k":[true,false]}'`, `{"k":[true,false],"n":{"$numberInt":"-7"}}`, ""},
		"c_int_arr":  {"'{1,NULL,3}'", `[{"$numberInt":"1"},null,{"$numberInt":"3"}]`, ""},
		"c_text_arr": {`'{"a",NULL,"b,c"}'`, `["a",null,"b,c"]`, ""},
		"c_num_arr":  {"'{1.50,NULL}'", `[{"$numberDecimal":"1.50"},null]`, `["1.50",null]`},
		"c_tstz_arr": {`'{"2024-01-02 00:00:00+00",infinity}'`, `[` + dt("1704153600000") + `,` + dt(dateMax) + `]`, ""},
		"c_hstore":   {"'b=>2, a=>NULL'", `{"a":null,"b":"2"}`, ""},
		"c_xml":      {"'<a>1</a>'", str("<a>1</a>"), ""}, "c_inet": {"'192.168.0.1/24'", str("192.168.0.1/24"), ""},
		"c_cidr": {"'10.0.0.0/8'", str("10.0.0.0/8"), ""}, "c_macaddr": {"'08:00:2b:01:02:03'", str("08:00:2b:01:02:03"), ""},
		"c_tsvector": {"'a fat cat'", str("'a' 'cat' 'fat'"), ""}, "c_point": {"'(1.5,2)'", str("(1.5,2)"), ""},
		"c_polygon": {"'((0,0),(1,1),(1,0))'", str("((0,0),(1,1),(1,0))"), ""}, "c_range": {"'[1,5)'", str("[1,5)"), ""},
		"dotted.name": {"'dot'", str("dot"), ""}, "$dollar": {"'dollar'", str("dollar"), ""},
	}},
	{id: 2, vals: map[string]typeVal{ // minima, negatives, BC, empty values
		"c_smallint": {"-32768", i32(-32768), ""}, "c_int": {"-2147483648", i32(-2147483648), ""},
		"c_bigint":  {"-9223372036854775808", i64(-9223372036854775808), ""},
		"c_numeric": numv("-0.001", "-0.001"), "c_numeric_s": numv("0", "0.0000"), "c_money": numv("-0.01", "-0.01"),
		"c_real": {"-1.25", dbl("-1.25"), ""}, "c_double": {"-2.5e-300", dbl("-2.5E-300"), ""},
		"c_bool": {"false", "false", ""}, "c_bit1": {"B'0'", str("0"), ""}, "c_bits": {"B'0000'", str("0000"), ""}, "c_varbit": {"B''", str(""), ""},
		"c_char": {"''", str("   "), ""}, "c_varchar": {"''", str(""), ""}, "c_text": {"''", str(""), ""}, "c_citext": {"''", str(""), ""},
		"c_enum": {"'sad'", str("sad"), ""}, "c_domain": {"''", str(""), ""},
		"c_bytea": {"''::bytea", bin("", "00"), ""}, "c_uuid": {"'00000000-0000-0000-0000-000000000000'", bin("AAAAAAAAAAAAAAAAAAAAAA==", "04"), ""},
		"c_date": {"'4713-01-01 BC'", dt("-210863520000000"), ""}, "c_ts": {"'-infinity'", dt(dateMin), ""}, "c_tstz": {"'infinity'", dt(dateMax), ""},
		"c_time": {"'00:00:00'", str("00:00:00"), ""}, "c_timetz": {"'23:59:59.999999-05:30'", str("23:59:59.999999-05:30"), ""},
		"c_interval": {"'-1 day +02:00'", str("P-1DT2H"), ""},
		"c_json":     {"'[]'", "[]", ""}, "c_jsonb": {"'{}'", "{}", ""},
		"c_int_arr": {"'{}'", "[]", ""}, "c_text_arr": {"'{NULL}'", "[null]", ""}, "c_num_arr": {"'{}'", "[]", "[]"}, "c_tstz_arr": {"'{}'", "[]", ""},
		"c_hstore": {"''", "{}", ""}, "c_xml": {"'<e/>'", str("<e/>"), ""}, "c_inet": {"'::1'", str("::1"), ""}, "c_cidr": {"'::/0'", str("::/0"), ""},
		"c_macaddr": {"'00:00:00:00:00:00'", str("00:00:00:00:00:00"), ""}, "c_tsvector": {"''", str(""), ""},
		"c_point": {"'(0,0)'", str("(0,0)"), ""}, "c_polygon": {"'((0,0))'", str("((0,0))"), ""}, "c_range": {"'empty'", str("empty"), ""},
		"dotted.name": {"''", str(""), ""}, "$dollar": {"''", str(""), ""},
	}},
	{id: 3, vals: map[string]typeVal{ // maxima, years past 9999, 34 significant digits
		"c_smallint": {"32767", i32(32767), ""}, "c_int": {"2147483647", i32(2147483647), ""},
		"c_bigint":    {"9223372036854775807", i64(9223372036854775807), ""},
		"c_numeric":   numv("1234567890123456789012345678901234", "1234567890123456789012345678901234"),
		"c_numeric_s": numv("99999999.9999", "99999999.9999"), "c_money": numv("92233720368547758.07", "92233720368547758.07"),
		"c_real": {"3.4028235e38", dbl("3.4028234663852886E+38"), ""}, "c_double": {"1.7976931348623157e308", dbl("1.7976931348623157E+308"), ""},
		"c_date": {"'294276-12-31'", dt("9224317929600000"), ""}, "c_ts": {"'294276-12-31 23:59:59'", dt("9224318015999000"), ""},
		"c_tstz": {"'-infinity'", dt(dateMin), ""},
		"c_time": {"'24:00:00'", str("24:00:00"), ""}, "c_timetz": {"'12:00:00+01:02:03'", str("12:00:00+01:02:03"), ""},
		"c_interval": {"'178000000 years'", str("P178000000Y"), ""},
		"c_json":     {`'{"n":9223372036854775807,"f":0.5,"i":2147483648}'`, `{"n":{"$numberLong":"9223372036854775807"},"f":{"$numberDouble":"0.5"},"i":{"$numberLong":"2147483648"}}`, ""},
		"c_jsonb":    {`'"str"'`, str("str"), ""},
		"c_int_arr":  {"'{2147483647,-2147483648}'", `[{"$numberInt":"2147483647"},{"$numberInt":"-2147483648"}]`, ""},
		"c_num_arr":  {"'{NaN,-Infinity,0.10}'", `[{"$numberDecimal":"NaN"},{"$numberDecimal":"-Infinity"},{"$numberDecimal":"0.10"}]`, `["NaN","-Infinity","0.10"]`},
	}},
	{id: 4, vals: map[string]typeVal{}}, // every column NULL
	{id: 5, vals: map[string]typeVal{ // more infinities, NaN numerics, sub-millisecond digits
		"c_date": {"'infinity'", dt(dateMax), ""}, "c_ts": {"'infinity'", dt(dateMax), ""},
		"c_tstz":    {"'2024-06-01 12:00:00.987654+00'", dt("1717243200987"), ""},
		"c_numeric": numv("'-Infinity'", "-Infinity"), "c_numeric_s": numv("'NaN'", "NaN"), // no infinity in numeric(p,s)
	}},
	{id: 6, vals: map[string]typeVal{
		"c_date": {"'-infinity'", dt(dateMin), ""}, "c_ts": {"'2024-01-02 03:04:05.123456'", dt("1704164645123"), ""},
		"c_numeric": numv("'Infinity'", "Infinity"),
	}},
	// One value FerretDB cannot store per row (TYPES.md, Targets).
	{id: 101, ferretBad: "c_double", vals: map[string]typeVal{"c_double": {"'NaN'", dbl("NaN"), ""}, "c_int": {"1", i32(1), ""}}},
	{id: 102, ferretBad: "c_real", vals: map[string]typeVal{"c_real": {"'Infinity'", dbl("Infinity"), ""}}},
	{id: 103, ferretBad: "c_double", vals: map[string]typeVal{"c_double": {"'-0'", dbl("-0.0"), ""}}},
	{id: 104, ferretBad: "c_int_arr", vals: map[string]typeVal{"c_int_arr": {"'{{1,2},{3,NULL}}'", `[[{"$numberInt":"1"},{"$numberInt":"2"}],[{"$numberInt":"3"},null]]`, ""}}},
	{id: 105, ferretBad: "c_jsonb", vals: map[string]typeVal{"c_jsonb": {`'{"a.b":1}'`, `{"a.b":{"$numberInt":"1"}}`, ""}}},
	{id: 106, ferretBad: "c_json", vals: map[string]typeVal{"c_json": {`'{"s":"x\u0000y"}'`, `{"s":"x\u0000y"}`, ""}}},
	{id: 107, ferretBad: "c_jsonb", vals: map[string]typeVal{"c_jsonb": {`'{"n":12345678901234567890}'`, `{"n":{"$numberDecimal":"12345678901234567890"}}`, ""}}},
	{id: 108, ferretBad: "c_jsonb", vals: map[string]typeVal{"c_jsonb": {`'[[1],[]]'`, `[[{"$numberInt":"1"}],[]]`, ""}}},
	{id: 109, ferretBad: "c_json", vals: map[string]typeVal{"c_json": {`'{"$x":1}'`, `{"$x":{"$numberInt":"1"}}`, ""}}},
}

// typesDB creates a fresh database with the type table (relmongo_test_* , dropped at cleanup).
func typesDB(t *testing.T) (name, url string) {
	t.Helper()
	name, url = emptyTestDB(t)
	stmts := []string{
		"CREATE EXTENSION IF NOT EXISTS hstore",
		"CREATE EXTENSION IF NOT EXISTS citext",
		"CREATE TYPE mood AS ENUM ('sad', 'happy')",
		"CREATE DOMAIN shorttext AS text CHECK (length(VALUE) < 20)",
	}
	defs := make([]string, len(typeCols))
	names := make([]string, len(typeCols))
	for i, c := range typeCols {
		defs[i] = pgx.Identifier{c.name}.Sanitize() + " " + c.typ
		names[i] = pgx.Identifier{c.name}.Sanitize()
	}
	stmts = append(stmts, "CREATE TABLE alltypes ("+strings.Join(defs, ", ")+")")
	for _, r := range typeRows {
		lits := make([]string, len(typeCols))
		for i, c := range typeCols {
			switch v, ok := r.vals[c.name]; {
			case c.name == "id":
				lits[i] = strconv.Itoa(r.id)
			case ok:
				lits[i] = v.lit
			default:
				lits[i] = "NULL"
			}
		}
		stmts = append(stmts, "INSERT INTO alltypes ("+strings.Join(names, ", ")+") VALUES ("+strings.Join(lits, ", ")+")")
	}
	conn := pgConn(t, url)
	for _, s := range stmts {
		if _, err := conn.Exec(context.Background(), s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
	return name, url
}

// emptyTestDB creates an empty database relmongo_test_<random> and drops it at cleanup.
func emptyTestDB(t *testing.T) (name, url string) {
	t.Helper()
	ctx := context.Background()
	name = chinook.OwnedPrefix + "test_" + randomSuffix()
	admin, err := pgx.Connect(ctx, e2e.pgAdmin)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(ctx)
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		conn, err := pgx.Connect(context.Background(), e2e.pgAdmin)
		if err != nil {
			return
		}
		defer conn.Close(context.Background())
		_, _ = conn.Exec(context.Background(), "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)")
	})
	cfg, err := pgx.ParseConfig(e2e.pgAdmin)
	if err != nil {
		t.Fatal(err)
	}
	return name, fmt.Sprintf("postgres://%s@%s:%d/%s?sslmode=disable", cfg.User, cfg.Host, cfg.Port, name)
}

// typesProject is the project document of the type table: names kept as they are, numeric
// columns overridden to STRING when stringNumerics.
func typesProject(stringNumerics bool) []byte {
	fields := map[string]any{}
	if stringNumerics {
		for _, c := range typeCols {
			if c.numeric {
				fields[c.name] = map[string]any{"type": "STRING"}
			}
		}
	}
	p := map[string]any{
		"version":  1,
		"name":     "types",
		"source":   map[string]any{"type": "POSTGRESQL", "schemas": []string{"public"}},
		"settings": map[string]any{"keyHandling": "SINGLE", "casing": "KEEP", "nullHandling": "INCLUDE"},
		"collections": []any{map[string]any{
			"name": "alltypes", "table": map[string]any{"schema": "public", "name": "alltypes"}, "fields": fields,
		}},
	}
	b, _ := json.Marshal(p)
	return b
}

// valueJSON renders one stored value as canonical Extended JSON.
func valueJSON(t *testing.T, v bson.RawValue) string {
	t.Helper()
	doc := bsoncore.BuildDocument(nil, bsoncore.AppendValueElement(nil, "v", bsoncore.Value{Type: v.Type, Data: v.Value}))
	b, err := bson.MarshalExtJSON(bson.Raw(doc), true, false)
	if err != nil {
		t.Fatalf("MarshalExtJSON: %v", err)
	}
	s := string(b)
	return s[len(`{"v":`) : len(s)-1]
}

// compareTypeTable checks that coll holds exactly the rows of typeRows that are not skipped,
// field by field in column order, with each value's canonical Extended JSON.
func compareTypeTable(t *testing.T, coll *mongo.Collection, stringNumerics bool, skipped func(typeRow) bool) {
	t.Helper()
	ctx := context.Background()
	cur, err := coll.Find(ctx, bson.D{})
	if err != nil {
		t.Fatal(err)
	}
	docs := map[string]bson.Raw{}
	for cur.Next(ctx) {
		raw := slices.Clone(cur.Current)
		docs[valueJSON(t, raw.Lookup("_id"))] = raw
	}
	if err := cur.Err(); err != nil {
		t.Fatal(err)
	}
	want := 0
	for _, r := range typeRows {
		id := i32(int64(r.id))
		doc, ok := docs[id]
		if skipped(r) {
			if ok {
				t.Errorf("row %d was stored although it is a record error: %s", r.id, doc)
			}
			continue
		}
		want++
		if !ok {
			t.Errorf("row %d: no document", r.id)
			continue
		}
		elems, err := doc.Elements()
		if err != nil {
			t.Fatal(err)
		}
		var gotNames []string
		for _, e := range elems {
			gotNames = append(gotNames, e.Key())
		}
		wantNames := []string{"_id"}
		for _, c := range typeCols[1:] {
			wantNames = append(wantNames, convert.FieldName(c.name))
		}
		if !slices.Equal(gotNames, wantNames) {
			t.Errorf("row %d: fields %q, want %q", r.id, gotNames, wantNames)
		}
		for _, c := range typeCols[1:] {
			w := "null"
			if v, ok := r.vals[c.name]; ok {
				w = v.want
				if stringNumerics && c.numeric {
					w = v.str
				}
			}
			rv, err := doc.LookupErr(convert.FieldName(c.name))
			if err != nil {
				continue // reported by the field list above
			}
			if got := valueJSON(t, rv); got != w {
				t.Errorf("row %d column %s (%s):\n got %s\nwant %s", r.id, c.name, c.typ, got, w)
			}
		}
	}
	if len(docs) != want {
		t.Errorf("%d documents, want %d", len(docs), want)
	}
}

// jobEvents returns a job's events (newest first).
func jobEvents(t *testing.T, jobID string) []apiEvent {
	t.Helper()
	var evs []apiEvent
	if err := e2e.api.Do(context.Background(), http.MethodGet, "/api/v1/jobs/"+jobID+"/logs?limit=1000", nil, &evs); err != nil {
		t.Fatal(err)
	}
	return evs
}

// apiEvent is a job event as the API returns it.
type apiEvent struct {
	EventType    string            `json:"eventType"`
	Stage        string            `json:"stage"`
	Message      string            `json:"message"`
	ErrorType    string            `json:"errorType"`
	LocationType string            `json:"locationType"`
	LocationName string            `json:"locationName"`
	FieldName    string            `json:"fieldName"`
	Key          map[string]string `json:"key"`
	Count        int64             `json:"count"`
}

// recordEvents returns the events about single records (those with a key), by key "id".
func recordEvents(evs []apiEvent) map[string][]apiEvent {
	out := map[string][]apiEvent{}
	for _, e := range evs {
		if e.ErrorType == "RecordError" && len(e.Key) > 0 {
			out[e.Key["id"]] = append(out[e.Key["id"]], e)
		}
	}
	return out
}

// TestTypesNumericWithoutOverrideIsRefused: the embedded FerretDB cannot store Decimal128, so a
// project whose numeric columns are not overridden is refused before the job starts (422), naming
// every such column and nothing else.
func TestTypesNumericWithoutOverrideIsRefused(t *testing.T) {
	t.Parallel()
	db, srcURL := typesDB(t)
	projectID := importProject(t, typesProject(false))
	var job apiclient.Job
	err := e2e.api.Do(context.Background(), http.MethodPost, "/api/v1/jobs", jobRequest(projectID, srcURL, db, nil), &job)
	var apiErr *apiclient.Error
	if !errors.As(err, &apiErr) || apiErr.Status != http.StatusUnprocessableEntity {
		t.Fatalf("POST /jobs = %v, want 422", err)
	}
	msg := apiErr.Message + " " + apiErr.Description
	for _, c := range typeCols {
		named := strings.Contains(msg, "public.alltypes."+c.name+" ")
		if named != c.numeric {
			t.Errorf("column %s named %v in the refusal, want %v: %s", c.name, named, c.numeric, msg)
		}
	}
	if !strings.Contains(msg, "Decimal128") || !strings.Contains(msg, "STRING") {
		t.Errorf("the refusal does not say why and what to do: %s", msg)
	}
}

// TestTypesEndToEnd migrates the type table to the embedded FerretDB with the numeric columns
// overridden to STRING, under errorHandling WARN: every storable row arrives with every value
// exact; each row holding a value FerretDB cannot store is a record error with one WARNING event
// naming table, key and column; the column without a rule and the sub-millisecond truncations
// each get one WARNING for the job.
func TestTypesEndToEnd(t *testing.T) {
	t.Parallel()
	db, srcURL := typesDB(t)
	projectID := importProject(t, typesProject(true))
	job := runJob(t, jobRequest(projectID, srcURL, db, map[string]any{"errorHandling": "WARN", "chunkRows": 4}))
	compareTypeTable(t, e2e.mongo.Database(db).Collection("alltypes"), true, func(r typeRow) bool { return r.ferretBad != "" })
	if job.Statistics.TotalEventsSeen != int64(len(typeRows)) {
		t.Errorf("totalEventsSeen %d, want %d", job.Statistics.TotalEventsSeen, len(typeRows))
	}

	evs := jobEvents(t, job.ID)
	byKey := recordEvents(evs)
	bad := 0
	for _, r := range typeRows {
		got := byKey[strconv.Itoa(r.id)]
		if r.ferretBad == "" {
			if len(got) > 0 {
				t.Errorf("row %d: unexpected record events %+v", r.id, got)
			}
			continue
		}
		bad++
		if len(got) != 1 {
			t.Errorf("row %d: %d record events, want 1: %+v", r.id, len(got), got)
			continue
		}
		e := got[0]
		if e.EventType != "WARNING" || e.LocationType != "TABLE" || e.LocationName != "public.alltypes" || e.FieldName != r.ferretBad || e.Stage != "SNAPSHOTTING" {
			t.Errorf("row %d: event %+v, want a WARNING on public.alltypes column %s", r.id, e, r.ferretBad)
		}
		if !strings.Contains(e.Message, "cannot be stored by the target") {
			t.Errorf("row %d: message %q does not say why", r.id, e.Message)
		}
	}
	if n := len(byKey); n != bad {
		t.Errorf("%d rows with record events, want %d", n, bad)
	}
	// One WARNING per column for the job: the type without a rule (at the start), and the
	// sub-millisecond truncations (rows 5 and 6 are in different chunks of 4 rows).
	want := map[string]string{
		"c_range": "no conversion rule",
		"c_tstz":  "1 value had digits below the millisecond",
		"c_ts":    "1 value had digits below the millisecond",
	}
	for _, e := range evs {
		if e.EventType != "WARNING" || len(e.Key) > 0 {
			continue
		}
		sub, ok := want[e.FieldName]
		if !ok || !strings.Contains(e.Message, sub) || e.LocationName != "public.alltypes" {
			t.Errorf("unexpected warning %+v", e)
			continue
		}
		delete(want, e.FieldName)
	}
	for col, sub := range want {
		t.Errorf("no WARNING for column %s (%q)", col, sub)
	}
}

// TestTypesNotesOncePerColumn reads timestamps without time zone in Europe/Berlin over several
// chunks, one of them retried: the DST gap, the ambiguous wall times and the sub-millisecond
// truncations are each reported by ONE WARNING per column for the whole job, with the total
// count, and the values are exact.
func TestTypesNotesOncePerColumn(t *testing.T) {
	t.Parallel()
	db, srcURL := emptyTestDB(t)
	conn := pgConn(t, srcURL)
	for _, s := range []string{
		"CREATE TABLE walls (id integer PRIMARY KEY, ts timestamp, ts2 timestamp)",
		`INSERT INTO walls VALUES
			(1, '2024-03-31 02:30', '2024-01-01 00:00:00.0001'),
			(2, '2024-03-31 02:59:59.999', NULL),
			(3, '2024-10-27 02:30', '2024-01-01 00:00:00.0002'),
			(4, '2024-07-01 12:00', '2024-01-01 00:00:00.0003'),
			(5, '2025-03-30 02:00:00.0005', NULL),
			(6, '2024-10-27 02:00', NULL)`,
	} {
		if _, err := conn.Exec(context.Background(), s); err != nil {
			t.Fatal(err)
		}
	}
	p := map[string]any{
		"version": 1, "name": "walls",
		"source":      map[string]any{"type": "POSTGRESQL", "schemas": []string{"public"}},
		"settings":    map[string]any{"casing": "KEEP"},
		"collections": []any{map[string]any{"name": "walls", "table": map[string]any{"schema": "public", "name": "walls"}}},
	}
	doc, _ := json.Marshal(p)
	body := jobRequest(importProject(t, doc), srcURL, db, map[string]any{"sourceTimeZone": "Europe/Berlin", "chunkRows": 2})
	body["testHooks"] = map[string]any{"failChunkOnce": 1} // chunk 1 (rows 3-4) is reported twice
	job := runJob(t, body)

	coll := e2e.mongo.Database(db).Collection("walls")
	wantTS := map[int32]string{
		1: "1711848600000", // gap: offset before the gap (+01:00) -> 01:30Z
		2: "1711850399999", // gap, 01:59:59.999Z
		3: "1729989000000", // ambiguous: the earlier offset (+02:00) -> 00:30Z
		4: "1719828000000",
		5: "1743296400000", // gap and a truncated 0.0005 s
		6: "1729987200000", // ambiguous, 00:00Z
	}
	for id, ms := range wantTS {
		var raw bson.Raw
		if err := coll.FindOne(context.Background(), bson.M{"_id": id}).Decode(&raw); err != nil {
			t.Fatalf("row %d: %v", id, err)
		}
		if got := valueJSON(t, raw.Lookup("ts")); got != dt(ms) {
			t.Errorf("row %d ts = %s, want %s", id, got, dt(ms))
		}
	}
	counts := map[string]int{}
	for _, e := range jobEvents(t, job.ID) {
		if e.EventType != "WARNING" {
			continue
		}
		counts[e.FieldName+" "+strconv.FormatInt(e.Count, 10)+" "+noteOf(e.Message)]++
	}
	want := map[string]int{
		"ts 3 dst-gap":       1,
		"ts 2 dst-ambiguous": 1,
		"ts 1 sub-ms":        1,
		"ts2 3 sub-ms":       1,
	}
	if fmt.Sprint(counts) != fmt.Sprint(want) {
		t.Errorf("warnings %v, want %v", counts, want)
	}
	if !activityRetried(t, job.ID+"-walls") {
		t.Error("the failing-chunk hook did not make CopyChunk retry: the test proves nothing about retries")
	}
}

func noteOf(msg string) string {
	switch {
	case strings.Contains(msg, "spring-forward gap"):
		return "dst-gap"
	case strings.Contains(msg, "earlier offset"):
		return "dst-ambiguous"
	case strings.Contains(msg, "below the millisecond"):
		return "sub-ms"
	}
	return msg
}
