package sqlserver

import (
	"fmt"
	"strings"
	"time"

	mssql "github.com/microsoft/go-mssqldb"

	"github.com/relmongo/relmongo/internal/convert"
	"github.com/relmongo/relmongo/internal/project"
)

// codec reads one column: its select expressions (one, or two for sql_variant: the value and
// its base type name) and the decoding of what go-mssqldb returned for them into package
// convert's representation (nil for NULL). Values are scanned into *any, so they are the
// driver's own Go types: int64, float64, bool, string, []byte (binary, decimal and money text,
// GUIDs in wire byte order) and time.Time.
type codec struct {
	exprs  []string
	decode func(vals []any) any
}

// selectList returns the select expressions of t's columns followed by the text form of its
// TextColumns, and the codecs that decode them. Expressions are left unnamed: ORDER BY then
// always means the table's own columns.
func selectList(t project.TablePlan) ([]string, []codec, error) {
	var exprs []string
	codecs := make([]codec, 0, len(t.Columns)+len(t.TextColumns))
	for _, c := range t.Columns {
		ts, err := parseType(c.DataType)
		if err != nil {
			return nil, nil, fmt.Errorf("column %q of %s: %w", c.Name, t.Table, err)
		}
		cd := codecFor(ts, quoteIdent(c.Name))
		codecs = append(codecs, cd)
		exprs = append(exprs, cd.exprs...)
	}
	for _, name := range t.TextColumns {
		c, _, ok := t.Column(name)
		if !ok {
			return nil, nil, fmt.Errorf("link column %q of %s is not in the plan", name, t.Table)
		}
		ts, err := parseType(c.DataType)
		if err != nil {
			return nil, nil, fmt.Errorf("column %q of %s: %w", c.Name, t.Table, err)
		}
		cd := codec{exprs: []string{textExpr(ts, quoteIdent(name))}, decode: one(textValue)}
		codecs = append(codecs, cd)
		exprs = append(exprs, cd.exprs...)
	}
	return exprs, codecs, nil
}

// one adapts a single-value decoder, answering nil for NULL.
func one(f func(any) any) func([]any) any {
	return func(vals []any) any {
		if vals[0] == nil {
			return nil
		}
		return f(vals[0])
	}
}

// codecFor chooses how to read a column of type ts (quoted name q) so that no value passes
// through a lossy Go type: decimals and money arrive as the driver's exact text, times as
// time.Time with all 7 fractional digits (100 ns), CLR types through their text methods.
func codecFor(ts typeSpec, q string) codec {
	kind, _ := kindOf(ts)
	switch ts.Name {
	case "hierarchyid":
		return codec{exprs: []string{q + ".ToString()"}, decode: one(stringValue)}
	case "geography", "geometry":
		// WKT (STAsText); the SRID of geography is not part of it.
		return codec{exprs: []string{q + ".STAsText()"}, decode: one(stringValue)}
	case "sql_variant":
		return codec{
			exprs:  []string{q, "CAST(SQL_VARIANT_PROPERTY(" + q + ", 'BaseType') AS nvarchar(128))"},
			decode: variantValue,
		}
	case "real":
		return codec{exprs: []string{q}, decode: one(realValue)}
	case "time":
		return codec{exprs: []string{q}, decode: one(timeValue)}
	}
	switch kind {
	case convert.KindInt32, convert.KindInt64:
		return codec{exprs: []string{q}, decode: one(intValue)}
	case convert.KindDecimal:
		return codec{exprs: []string{q}, decode: one(decimalValue)}
	case convert.KindDouble:
		return codec{exprs: []string{q}, decode: one(floatValue)}
	case convert.KindBool:
		return codec{exprs: []string{q}, decode: one(boolValue)}
	case convert.KindString:
		return codec{exprs: []string{q}, decode: one(stringValue)}
	case convert.KindBinary:
		return codec{exprs: []string{q}, decode: one(bytesValue)}
	case convert.KindUUID:
		return codec{exprs: []string{q}, decode: one(guidValue)}
	case convert.KindDate:
		return codec{exprs: []string{q}, decode: one(dateValue)}
	case convert.KindTimestamp:
		return codec{exprs: []string{q}, decode: one(wallTimeValue)}
	case convert.KindTimestampTZ:
		return codec{exprs: []string{q}, decode: one(instantValue)}
	}
	// No rule (json, vector, user CLR types, …): the server's text, stored as a String with one
	// WARNING per column. A CLR type has no CONVERT to nvarchar, but every CLR type has ToString.
	expr := "CONVERT(nvarchar(max), " + q + ")"
	if ts.Name != "" && !isBuiltin(ts.Name) {
		expr = q + ".ToString()"
	}
	return codec{exprs: []string{expr}, decode: one(stringValue)}
}

// isBuiltin reports the system type names of SQL Server 2016–2025 that CONVERT to nvarchar.
func isBuiltin(name string) bool {
	switch name {
	case "json", "vector", "sysname":
		return true
	}
	k, _ := kindOf(typeSpec{Name: name})
	return k != convert.KindText
}

func unexpected(v any, what string) convert.Unconvertible {
	return convert.Unconvertible{Reason: fmt.Sprintf("the SQL Server driver returned a %T for a %s value; override the field type to STRING or exclude the column", v, what)}
}

func intValue(v any) any {
	switch x := v.(type) {
	case int64:
		return x
	case int32, int16, int8, uint8, int:
		return x
	}
	return unexpected(v, "integer")
}

// decimalValue keeps the driver's exact text of decimal, numeric, money and smallmoney
// ("12.5000": scale kept); it never passes through float64.
func decimalValue(v any) any {
	switch x := v.(type) {
	case []byte:
		return string(x)
	case string:
		return x
	}
	return unexpected(v, "decimal")
}

func floatValue(v any) any {
	switch x := v.(type) {
	case float64, float32:
		return x
	}
	return unexpected(v, "float")
}

// realValue narrows a real back to float32: the driver widens it to float64, and a STRING
// override must print the real's own shortest text ("0.1", not 0.10000000149011612). The
// narrowing is exact because the value was a float32.
func realValue(v any) any {
	switch x := v.(type) {
	case float64:
		return float32(x)
	case float32:
		return x
	}
	return unexpected(v, "real")
}

func boolValue(v any) any {
	if b, ok := v.(bool); ok {
		return b
	}
	return unexpected(v, "bit")
}

func stringValue(v any) any {
	switch x := v.(type) {
	case string:
		return x
	case []byte:
		return string(x)
	}
	return unexpected(v, "text")
}

// textValue is the text form of a key or link column.
func textValue(v any) any {
	switch x := v.(type) {
	case string:
		return x
	case []byte:
		return string(x)
	}
	return fmt.Sprint(v)
}

// bytesValue keeps an empty binary value as an empty, non-nil slice (an empty Binary, not null).
func bytesValue(v any) any {
	if b, ok := v.([]byte); ok {
		if b == nil {
			return []byte{}
		}
		return b
	}
	return unexpected(v, "binary")
}

// guidValue returns a uniqueidentifier in RFC 4122 byte order. SQL Server stores (and the driver
// returns) its first three groups little-endian; mssql.UniqueIdentifier.Scan swaps them, so the
// canonical text of the result equals what SQL Server displays.
func guidValue(v any) any {
	switch x := v.(type) {
	case []byte:
		var u mssql.UniqueIdentifier
		if err := u.Scan(x); err != nil {
			return convert.Unconvertible{Reason: fmt.Sprintf("a uniqueidentifier value has %d bytes instead of 16; override the field type to BINARY", len(x))}
		}
		return [16]byte(u)
	case mssql.UniqueIdentifier:
		return [16]byte(x)
	case [16]byte:
		return x
	}
	return unexpected(v, "uniqueidentifier")
}

func dateValue(v any) any {
	t, ok := v.(time.Time)
	if !ok {
		return unexpected(v, "date")
	}
	y, m, d := t.Date()
	return convert.Date{Year: int64(y), Month: int(m), Day: d}
}

// wallTimeValue reads the fields the driver built from a datetime, datetime2 or smalldatetime
// (in its own location, which does not matter: only the fields are used); the job's
// sourceTimeZone is applied by package convert.
func wallTimeValue(v any) any {
	t, ok := v.(time.Time)
	if !ok {
		return unexpected(v, "datetime")
	}
	y, mo, d := t.Date()
	h, mi, s := t.Clock()
	return convert.WallTime{Year: int64(y), Month: int(mo), Day: d, Hour: h, Minute: mi, Second: s, Nanosecond: t.Nanosecond()}
}

// instantValue is a datetimeoffset: the driver returns the time in a fixed zone of the value's
// own offset, which identifies the instant.
func instantValue(v any) any {
	t, ok := v.(time.Time)
	if !ok {
		return unexpected(v, "datetimeoffset")
	}
	return t
}

// timeValue formats a time as HH:MM:SS[.fffffff] with the trailing zeros of the fraction
// dropped (the value is exact: SQL Server's time has at most 7 fractional digits).
func timeValue(v any) any {
	t, ok := v.(time.Time)
	if !ok {
		return unexpected(v, "time")
	}
	return formatTime(t)
}

func formatTime(t time.Time) string {
	h, m, s := t.Clock()
	out := fmt.Sprintf("%02d:%02d:%02d", h, m, s)
	if ns := t.Nanosecond(); ns != 0 {
		frac := strings.TrimRight(fmt.Sprintf("%09d", ns), "0")
		out += "." + frac
	}
	return out
}

// variantValue decodes a sql_variant from its value and base type name: each value carries the
// kind of its base type (convert.Typed), as TYPES.md asks.
func variantValue(vals []any) any {
	if vals[0] == nil {
		return nil
	}
	base, _ := vals[1].(string)
	base = strings.ToLower(base)
	ts := typeSpec{Name: base}
	if base == "timestamp" {
		ts.Name = "rowversion"
	}
	kind, _ := kindOf(ts)
	var val any
	switch ts.Name {
	case "real":
		val = realValue(vals[0])
	case "time":
		val = timeValue(vals[0])
	default:
		switch kind {
		case convert.KindInt32, convert.KindInt64:
			val = intValue(vals[0])
			if base == "bigint" {
				kind = convert.KindInt64
			}
		case convert.KindDecimal:
			val = decimalValue(vals[0])
		case convert.KindDouble:
			val = floatValue(vals[0])
		case convert.KindBool:
			val = boolValue(vals[0])
		case convert.KindBinary:
			val = bytesValue(vals[0])
		case convert.KindUUID:
			val = guidValue(vals[0])
		case convert.KindDate:
			val = dateValue(vals[0])
		case convert.KindTimestamp:
			val = wallTimeValue(vals[0])
		case convert.KindTimestampTZ:
			val = instantValue(vals[0])
		case convert.KindString:
			val = stringValue(vals[0])
		default:
			return convert.Unconvertible{Reason: fmt.Sprintf("a sql_variant holds a value of base type %q, which relmongo cannot convert; override the field type to STRING", base)}
		}
	}
	if u, ok := val.(convert.Unconvertible); ok {
		return u
	}
	return convert.Typed{Kind: kind, Value: val}
}
