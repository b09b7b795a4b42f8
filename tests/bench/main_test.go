package main

import (
	"slices"
	"testing"

	"go.mongodb.org/mongo-driver/bson"
)

func TestParseInts(t *testing.T) {
	tests := []struct {
		in      string
		want    []int
		wantErr bool
	}{
		{in: "1,2,4", want: []int{1, 2, 4}},
		{in: " 500 , 1000", want: []int{500, 1000}},
		{in: "7", want: []int{7}},
		{in: "", wantErr: true},
		{in: "1,,2", wantErr: true},
		{in: "0", wantErr: true},
		{in: "-3", wantErr: true},
		{in: "x", wantErr: true},
	}
	for _, tc := range tests {
		got, err := parseInts("-flag", tc.in)
		if (err != nil) != tc.wantErr {
			t.Errorf("parseInts(%q) error = %v, want error %v", tc.in, err, tc.wantErr)
			continue
		}
		if !tc.wantErr && !slices.Equal(got, tc.want) {
			t.Errorf("parseInts(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

func TestParseFlags(t *testing.T) {
	tests := []struct {
		name       string
		args       []string
		wantErr    bool
		wantSample int
	}{
		{name: "defaults", args: nil, wantSample: 100_000},
		{name: "sample capped at rows", args: []string{"-rows", "5000"}, wantSample: 5000},
		{name: "zero rows", args: []string{"-rows", "0"}, wantErr: true},
		{name: "bad batch sizes", args: []string{"-batch-sizes", "a"}, wantErr: true},
		{name: "zero latency runs", args: []string{"-latency-runs", "0"}, wantErr: true},
		{name: "unknown flag", args: []string{"-nope"}, wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := parseFlags(tc.args)
			if (err != nil) != tc.wantErr {
				t.Fatalf("error = %v, want error %v", err, tc.wantErr)
			}
			if err == nil && c.ceilingSample != tc.wantSample {
				t.Errorf("ceilingSample = %d, want %d", c.ceilingSample, tc.wantSample)
			}
		})
	}
}

func TestWithDatabase(t *testing.T) {
	tests := []struct {
		in, want string
		wantErr  bool
	}{
		{in: "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable", want: "postgres://postgres@127.0.0.1:5432/relmongo_bench?sslmode=disable"},
		{in: "postgresql://u:p@h/x", want: "postgresql://u:p@h/relmongo_bench"},
		{in: "mysql://h/x", wantErr: true},
		{in: "host=127.0.0.1 user=postgres", wantErr: true},
	}
	for _, tc := range tests {
		got, err := withDatabase(tc.in, "relmongo_bench")
		if (err != nil) != tc.wantErr {
			t.Errorf("withDatabase(%q) error = %v, want error %v", tc.in, err, tc.wantErr)
			continue
		}
		if got != tc.want {
			t.Errorf("withDatabase(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// TestFlatDoc checks that the write ceiling's documents have the flat job's shape, nulls included.
func TestFlatDoc(t *testing.T) {
	tests := []struct {
		i        int
		nullKeys []string
	}{
		{i: 1},
		{i: 3, nullKeys: []string{"note"}},
		{i: 5, nullKeys: []string{"qty"}},
		{i: 105, nullKeys: []string{"note", "qty", "ratio"}},
	}
	keys := []string{"_id", "name", "descr", "amount", "created_at", "active", "note", "qty", "ratio"}
	for _, tc := range tests {
		raw, err := flatDoc(tc.i)
		if err != nil {
			t.Fatal(err)
		}
		elems, err := raw.Elements()
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, e := range elems {
			got = append(got, e.Key())
			if (e.Value().Type == bson.TypeNull) != slices.Contains(tc.nullKeys, e.Key()) {
				t.Errorf("row %d: %s is %s, nulls expected in %v", tc.i, e.Key(), e.Value().Type, tc.nullKeys)
			}
		}
		if !slices.Equal(got, keys) {
			t.Errorf("row %d: keys %v, want %v", tc.i, got, keys)
		}
		if id := raw.Lookup("_id"); id.Type != bson.TypeInt32 || id.Int32() != int32(tc.i) {
			t.Errorf("row %d: _id %v", tc.i, id)
		}
		if a := raw.Lookup("amount"); a.Type != bson.TypeString {
			t.Errorf("row %d: amount is %s, want string (numeric mapped to STRING)", tc.i, a.Type)
		}
	}
}
