package postgres

import (
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgtype"

	"github.com/relmongo/relmongo/internal/convert"
	"github.com/relmongo/relmongo/internal/project"
)

// kindOf maps a PostgreSQL base type to a conversion kind (TYPES.md). typtype 'e' is an enum,
// typcategory 'A' an array whose element type is elem.
func kindOf(typ, typtype, typcat, elem string) (convert.Kind, convert.Kind) {
	if typcat == "A" {
		k, _ := kindOf(elem, "b", "", "")
		return convert.KindArray, k
	}
	if typtype == "e" {
		return convert.KindString, 0
	}
	switch typ {
	case "int2", "int4":
		return convert.KindInt32, 0
	case "int8":
		return convert.KindInt64, 0
	case "numeric", "money":
		return convert.KindDecimal, 0
	case "float4", "float8":
		return convert.KindDouble, 0
	case "bool":
		return convert.KindBool, 0
	case "text", "varchar", "bpchar", "name", "citext", "char", "xml",
		"inet", "cidr", "macaddr", "macaddr8", "tsvector", "tsquery",
		"point", "line", "lseg", "box", "path", "polygon", "circle":
		return convert.KindString, 0
	case "bytea":
		return convert.KindBinary, 0
	case "uuid":
		return convert.KindUUID, 0
	case "date":
		return convert.KindDate, 0
	case "timestamp":
		return convert.KindTimestamp, 0
	case "timestamptz":
		return convert.KindTimestampTZ, 0
	case "time", "timetz":
		return convert.KindTime, 0
	case "interval":
		return convert.KindInterval, 0
	case "json", "jsonb":
		return convert.KindJSON, 0
	case "bit", "varbit":
		return convert.KindBitString, 0
	}
	return convert.KindText, 0
}

// codec reads one column: the select expression, a fresh scan target and the decoding of the
// scanned target into package convert's representation (nil for NULL).
type codec struct {
	expr   func(quoted string) string
	target func() any
	value  func(target any) (any, error)
}

func asIs(q string) string   { return q }
func asText(q string) string { return q + "::text" }

func textCodec(expr func(string) string) codec {
	return codec{
		expr:   expr,
		target: func() any { return new(pgtype.Text) },
		value: func(t any) (any, error) {
			v := t.(*pgtype.Text)
			if !v.Valid {
				return nil, nil
			}
			return v.String, nil
		},
	}
}

// codecFor chooses how to read a column so that no value passes through a lossy Go type:
// numerics as text (never float64), infinities through pgtype's InfinityModifier, JSON as text.
func codecFor(c project.ColumnPlan) codec {
	switch c.Kind {
	case convert.KindInt32, convert.KindInt64:
		return codec{expr: asIs, target: func() any { return new(pgtype.Int8) }, value: func(t any) (any, error) {
			v := t.(*pgtype.Int8)
			if !v.Valid {
				return nil, nil
			}
			return v.Int64, nil
		}}
	case convert.KindDouble:
		return codec{expr: asIs, target: func() any { return new(pgtype.Float8) }, value: func(t any) (any, error) {
			v := t.(*pgtype.Float8)
			if !v.Valid {
				return nil, nil
			}
			return v.Float64, nil
		}}
	case convert.KindDecimal:
		// money's text form depends on lc_monetary: go through numeric (TYPES.md).
		return textCodec(func(q string) string {
			if c.DataType == "money" {
				return q + "::numeric::text"
			}
			return q + "::text"
		})
	case convert.KindBool:
		return codec{expr: asIs, target: func() any { return new(pgtype.Bool) }, value: func(t any) (any, error) {
			v := t.(*pgtype.Bool)
			if !v.Valid {
				return nil, nil
			}
			return v.Bool, nil
		}}
	case convert.KindString:
		if isPlainText(c.DataType) {
			return textCodec(asIs)
		}
		return textCodec(asText)
	case convert.KindBinary:
		return codec{expr: asIs, target: func() any { return new([]byte) }, value: func(t any) (any, error) {
			v := *t.(*[]byte)
			if v == nil {
				return nil, nil
			}
			return v, nil
		}}
	case convert.KindUUID:
		return codec{expr: asIs, target: func() any { return new(pgtype.UUID) }, value: func(t any) (any, error) {
			v := t.(*pgtype.UUID)
			if !v.Valid {
				return nil, nil
			}
			return v.Bytes, nil
		}}
	case convert.KindDate:
		return codec{expr: asIs, target: func() any { return new(pgtype.Date) }, value: func(t any) (any, error) {
			v := t.(*pgtype.Date)
			if !v.Valid {
				return nil, nil
			}
			switch v.InfinityModifier {
			case pgtype.Infinity:
				return convert.Date{Inf: 1}, nil
			case pgtype.NegativeInfinity:
				return convert.Date{Inf: -1}, nil
			}
			y, m, d := v.Time.Date()
			return convert.Date{Year: int64(y), Month: int(m), Day: d}, nil
		}}
	case convert.KindTimestamp:
		return codec{expr: asIs, target: func() any { return new(pgtype.Timestamp) }, value: func(t any) (any, error) {
			v := t.(*pgtype.Timestamp)
			if !v.Valid {
				return nil, nil
			}
			switch v.InfinityModifier {
			case pgtype.Infinity:
				return convert.WallTime{Inf: 1}, nil
			case pgtype.NegativeInfinity:
				return convert.WallTime{Inf: -1}, nil
			}
			return wallTime(v.Time), nil
		}}
	case convert.KindTimestampTZ:
		return codec{expr: asIs, target: func() any { return new(pgtype.Timestamptz) }, value: func(t any) (any, error) {
			v := t.(*pgtype.Timestamptz)
			if !v.Valid {
				return nil, nil
			}
			switch v.InfinityModifier {
			case pgtype.Infinity:
				return convert.Infinity(1), nil
			case pgtype.NegativeInfinity:
				return convert.Infinity(-1), nil
			}
			return v.Time.UTC(), nil
		}}
	case convert.KindInterval:
		return codec{expr: asIs, target: func() any { return new(pgtype.Interval) }, value: func(t any) (any, error) {
			v := t.(*pgtype.Interval)
			if !v.Valid {
				return nil, nil
			}
			return convert.Interval{Months: v.Months, Days: v.Days, Microseconds: v.Microseconds}, nil
		}}
	case convert.KindJSON:
		return textCodec(asText)
	case convert.KindTime, convert.KindBitString, convert.KindText:
		return textCodec(asText)
	case convert.KindArray:
		// Arrays are read as text until the array decoder lands; the column then converts as text.
		return textCodec(asText)
	}
	return codec{expr: asText, target: func() any { return new(pgtype.Text) }, value: func(t any) (any, error) {
		return nil, fmt.Errorf("column %s: unsupported kind %v", c.Name, c.Kind)
	}}
}

// isPlainText reports types that pgx scans as text without a cast.
func isPlainText(dataType string) bool {
	switch {
	case dataType == "text", dataType == "name", dataType == "citext",
		len(dataType) >= 17 && dataType[:17] == "character varying",
		len(dataType) >= 9 && dataType[:9] == "character":
		return true
	}
	return false
}

func wallTime(t time.Time) convert.WallTime {
	y, mo, d := t.Date()
	h, mi, s := t.Clock()
	return convert.WallTime{Year: int64(y), Month: int(mo), Day: d, Hour: h, Minute: mi, Second: s, Nanosecond: t.Nanosecond()}
}
