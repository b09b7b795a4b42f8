package main

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestBuildJobRequest(t *testing.T) {
	pw := "s3cret"
	yes, no := true, false
	tol := int64(3)
	cases := []struct {
		name    string
		base    string // request file; "" = none
		overlay requestOverlay
		want    string // the request as JSON; "" = an error is expected
		errSub  []string
	}{
		{
			name:    "flags alone, with the defaults",
			overlay: requestOverlay{projectID: "p1", sourceURL: "postgres://u@h/db", target: "mongodb://h/t"},
			want: `{"jdbcConnectionDetails":{"type":"POSTGRESQL","url":"postgres://u@h/db"},"mongodbConnectionDetails":{"connectionString":"mongodb://h/t"},` +
				`"options":{"mode":"SNAPSHOT"},"projectId":"p1","verification":{"enabled":false}}`,
		},
		{
			name: "every flag",
			overlay: requestOverlay{projectID: "p1", sourceURL: "jdbc:sqlserver://h;databaseName=d", sourceUser: "sa", password: &pw,
				target: "mongodb://h/t", verify: &yes, drop: &yes, errorHandling: "warn", errorTolerance: &tol, timeZone: "Europe/Paris",
				collections: []string{"a", "b"}, where: []string{"dbo.invoice=total > 10 AND note = 'x=y'"}},
			want: `{"collectionFilters":["a","b"],"jdbcConnectionDetails":{"password":"s3cret","type":"SQL_SERVER","url":"jdbc:sqlserver://h;databaseName=d","user":"sa"},` +
				`"mongodbConnectionDetails":{"connectionString":"mongodb://h/t"},"options":{"dropCollections":true,"errorHandling":"WARN","errorTolerance":3,` +
				`"mode":"SNAPSHOT","sourceTimeZone":"Europe/Paris"},"projectId":"p1","relationalTableFilters":{"dbo":{"invoice":{"whereClause":"total > 10 AND note = 'x=y'"}}},` +
				`"verification":{"enabled":true}}`,
		},
		{
			name: "flags override the file, which keeps the rest",
			base: `{"projectId":"old","jdbcConnectionDetails":{"type":"SQLITE","url":"sqlite:///a.db"},"mongodbConnectionDetails":{"connectionString":"mongodb://h/t"},` +
				`"options":{"mode":"SNAPSHOT","chunkRows":5,"dropCollections":true},"verification":{"enabled":true},"testHooks":{"throttleRowsPerSecond":10},` +
				`"relationalTableFilters":{"main":{"genre":{"rowCount":3}}}}`,
			overlay: requestOverlay{projectID: "new", drop: &no, where: []string{"main.genre=id > 1"}},
			want: `{"jdbcConnectionDetails":{"type":"SQLITE","url":"sqlite:///a.db"},"mongodbConnectionDetails":{"connectionString":"mongodb://h/t"},` +
				`"options":{"chunkRows":5,"dropCollections":false,"mode":"SNAPSHOT"},"projectId":"new","relationalTableFilters":{"main":{"genre":{"rowCount":3,"whereClause":"id > 1"}}},` +
				`"testHooks":{"throttleRowsPerSecond":10},"verification":{"enabled":true}}`,
		},
		{
			name:    "missing values are all listed",
			overlay: requestOverlay{sourceURL: "mysql://h/db"},
			errSub:  []string{"projectId is missing: give --project", "jdbcConnectionDetails.type is missing: give --source-type", "connectionString is missing: give --target"},
		},
		{
			name:    "a bad --where",
			overlay: requestOverlay{projectID: "p", sourceURL: "postgres://h/d", target: "mongodb://h/t", where: []string{"invoice=total > 1", "public.x="}},
			errSub:  []string{`--where "invoice=total > 1": use schema.table=CLAUSE`, `--where "public.x="`},
		},
		{
			name:    "a file whose section is not an object",
			base:    `{"options":"fast","projectId":"p","jdbcConnectionDetails":{"url":"postgres://h/d"},"mongodbConnectionDetails":{"connectionString":"mongodb://h/t"}}`,
			overlay: requestOverlay{drop: &yes},
			errSub:  []string{"options in the request file is not an object"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var base map[string]any
			if tc.base != "" {
				var err error
				if base, err = decodeRequestFile("request.json", []byte(tc.base)); err != nil {
					t.Fatal(err)
				}
			}
			got, err := buildJobRequest(base, tc.overlay)
			if tc.want == "" {
				if err == nil {
					t.Fatalf("no error; request %v", got)
				}
				if exitCode(err) != exitUsage {
					t.Fatalf("exit code %d for %v, want %d", exitCode(err), err, exitUsage)
				}
				for _, s := range tc.errSub {
					if !strings.Contains(err.Error(), s) {
						t.Fatalf("error %q does not mention %q", err, s)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var b strings.Builder
			enc := json.NewEncoder(&b)
			enc.SetEscapeHTML(false)
			if err := enc.Encode(got); err != nil {
				t.Fatal(err)
			}
			if strings.TrimSpace(b.String()) != tc.want {
				t.Fatalf("request\n%s\nwant\n%s", b.String(), tc.want)
			}
		})
	}
}

func TestSourceTypeOf(t *testing.T) {
	for url, want := range map[string]string{
		"jdbc:postgresql://h:5432/db": "POSTGRESQL", "postgres://u@h/db": "POSTGRESQL", "PostgreSQL://h/db": "POSTGRESQL",
		"jdbc:sqlserver://h;databaseName=d": "SQL_SERVER", "sqlserver://h": "SQL_SERVER",
		"jdbc:sqlite:/tmp/a.db": "SQLITE", "sqlite:///tmp/a.db": "SQLITE", "mysql://h/db": "", "": "",
	} {
		if got := sourceTypeOf(url); got != want {
			t.Errorf("sourceTypeOf(%q) = %q, want %q", url, got, want)
		}
	}
}

func TestDecodeRequestFile(t *testing.T) {
	for _, bad := range []string{`[]`, `null`, `"x"`, `{`} {
		if _, err := decodeRequestFile("r.json", []byte(bad)); err == nil || exitCode(err) != exitUsage || !strings.Contains(err.Error(), "r.json is not a JSON object") {
			t.Errorf("decodeRequestFile(%s): %v", bad, err)
		}
	}
}
