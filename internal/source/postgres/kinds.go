package postgres

import (
	"strings"

	"github.com/relmongo/relmongo/internal/convert"
)

// kindOf maps a PostgreSQL base type (a domain's base type, never the domain) to a conversion
// kind (TYPES.md) and, for arrays, the kind of the elements. typtype 'e' is an enum; typcategory
// 'A' with a name starting with '_' is a true array type whose element type is elem (the
// vector types int2vector and oidvector are also category 'A' but have no array I/O in pgx, so
// they fall back to text). Types without a rule are KindText: their text cast is stored as a
// String and the job reports one WARNING per column.
//
// elemTyptype, when given, is the typtype of the element's base type. Without it an element is
// taken for a base type, so arrays of enums fall back to text: the same strings, but with the
// fallback WARNING. (Introspection can pass it once its query resolves the element's base type:
// a domain element by its typbasetype, as for columns.)
func kindOf(typ, typtype, typcat, elem string, elemTyptype ...string) (convert.Kind, convert.Kind) {
	if typcat == "A" && strings.HasPrefix(typ, "_") && elem != "" {
		et := "b"
		if len(elemTyptype) > 0 && elemTyptype[0] != "" {
			et = elemTyptype[0]
		}
		k, _ := kindOf(elem, et, "", "")
		return convert.KindArray, k
	}
	switch typtype {
	case "e":
		return convert.KindString, 0
	case "b", "":
	default:
		// Composite, range and multirange types (and pseudo-types) have no rule even when a user
		// type shares a built-in's name in another schema.
		return convert.KindText, 0
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
	case "hstore":
		return convert.KindHstore, 0
	}
	return convert.KindText, 0
}
