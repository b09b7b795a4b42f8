package sqlserver

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/relmongo/relmongo/internal/convert"
)

// typeSpec is a column's type as the dialect spells it in schema.Column.DataType:
// "name[(args)][ COLLATE collation]", e.g. "int", "decimal(38,13)", "datetime2(7)",
// "varchar(50) COLLATE SQL_Latin1_General_CP1_CI_AS". The collation of character columns rides
// along because key comparisons must use it (package comment).
type typeSpec struct {
	Name      string // lower-case base type name ("rowversion" for timestamp)
	Args      string // "50", "max", "10,2", "7" or ""
	Collation string // "" for non-character types
}

// String renders the spec as DataType.
func (t typeSpec) String() string {
	s := t.Name
	if t.Args != "" {
		s += "(" + t.Args + ")"
	}
	if t.Collation != "" {
		s += " COLLATE " + t.Collation
	}
	return s
}

// castType is the type to CAST a parameter to (rowversion values compare as binary(8)).
func (t typeSpec) castType() string {
	if t.Name == "rowversion" {
		return "binary(8)"
	}
	if t.Args != "" {
		return t.Name + "(" + t.Args + ")"
	}
	return t.Name
}

// parseType parses a DataType strictly: it is spliced into SQL (casts), so anything but a known
// type name with digit or "max" arguments and a plain collation name is refused.
func parseType(dataType string) (typeSpec, error) {
	s := strings.TrimSpace(dataType)
	var t typeSpec
	if i := strings.Index(strings.ToUpper(s), " COLLATE "); i >= 0 {
		t.Collation = strings.TrimSpace(s[i+len(" COLLATE "):])
		s = strings.TrimSpace(s[:i])
		if !validCollation(t.Collation) {
			return typeSpec{}, fmt.Errorf("data type %q has an invalid collation name", dataType)
		}
	}
	if i := strings.IndexByte(s, '('); i >= 0 {
		if !strings.HasSuffix(s, ")") {
			return typeSpec{}, fmt.Errorf("data type %q is not of the form name(arguments)", dataType)
		}
		t.Args = s[i+1 : len(s)-1]
		s = s[:i]
		if !validArgs(t.Args) {
			return typeSpec{}, fmt.Errorf("data type %q has invalid arguments", dataType)
		}
	}
	t.Name = strings.ToLower(strings.TrimSpace(s))
	if t.Name == "" || strings.ContainsFunc(t.Name, func(r rune) bool { return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_') }) {
		return typeSpec{}, fmt.Errorf("data type %q is not a SQL Server type name", dataType)
	}
	return t, nil
}

func validCollation(c string) bool {
	if c == "" {
		return false
	}
	for _, r := range c {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_') {
			return false
		}
	}
	return true
}

func validArgs(a string) bool {
	if strings.EqualFold(a, "max") {
		return true
	}
	parts := strings.Split(a, ",")
	if len(parts) > 2 {
		return false
	}
	for _, p := range parts {
		if _, err := strconv.ParseUint(strings.TrimSpace(p), 10, 16); err != nil {
			return false
		}
	}
	return true
}

// isCharType reports the character types (which carry a collation).
func isCharType(name string) bool {
	switch name {
	case "char", "varchar", "nchar", "nvarchar", "text", "ntext":
		return true
	}
	return false
}

// catalogType builds the DataType of a column from sys.columns/sys.types: the base system type
// name (alias types resolved), its length, precision and scale, and its collation.
func catalogType(name string, maxLength, precision, scale int, collation string) typeSpec {
	t := typeSpec{Name: strings.ToLower(name)}
	length := func(n int) string {
		if n < 0 {
			return "max"
		}
		return strconv.Itoa(n)
	}
	switch t.Name {
	case "timestamp":
		t.Name = "rowversion"
	case "char", "varchar", "binary", "varbinary":
		t.Args = length(maxLength)
	case "nchar", "nvarchar":
		if maxLength > 0 {
			maxLength /= 2
		}
		t.Args = length(maxLength)
	case "decimal", "numeric":
		t.Args = fmt.Sprintf("%d,%d", precision, scale)
	case "datetime2", "time", "datetimeoffset":
		t.Args = strconv.Itoa(scale)
	}
	if isCharType(t.Name) && validCollation(collation) {
		t.Collation = collation
	}
	return t
}

// kindOf maps a base type to its conversion kind (TYPES.md) and the declared scale of a decimal
// (-1 otherwise). sql_variant is KindString as declared kind, but every value carries its own
// kind (convert.Typed) from its base type. Types without a rule are KindText: their text is
// stored as a String and the job reports one WARNING per column.
func kindOf(t typeSpec) (convert.Kind, int) {
	switch t.Name {
	case "tinyint", "smallint", "int":
		return convert.KindInt32, -1
	case "bigint":
		return convert.KindInt64, -1
	case "decimal", "numeric":
		if _, s, ok := strings.Cut(t.Args, ","); ok {
			if n, err := strconv.Atoi(strings.TrimSpace(s)); err == nil {
				return convert.KindDecimal, n
			}
		}
		return convert.KindDecimal, -1
	case "money", "smallmoney":
		return convert.KindDecimal, 4
	case "float", "real":
		return convert.KindDouble, -1
	case "bit":
		return convert.KindBool, -1
	case "char", "varchar", "nchar", "nvarchar", "text", "ntext", "xml",
		"hierarchyid", "geography", "geometry", "sql_variant":
		return convert.KindString, -1
	case "binary", "varbinary", "image", "rowversion":
		return convert.KindBinary, -1
	case "uniqueidentifier":
		return convert.KindUUID, -1
	case "date":
		return convert.KindDate, -1
	case "datetime", "datetime2", "smalldatetime":
		return convert.KindTimestamp, -1
	case "datetimeoffset":
		return convert.KindTimestampTZ, -1
	case "time":
		return convert.KindTime, -1
	}
	return convert.KindText, -1
}

// isCLRType reports the CLR types whose values the driver hands over as opaque bytes; they are
// read through a method that returns their text.
func isCLRType(name string) bool {
	switch name {
	case "hierarchyid", "geography", "geometry":
		return true
	}
	return false
}

// textExpr returns the expression that prints a column's value as the text form that
// paramExpr reads back exactly (key boundaries and link columns travel in it).
func textExpr(t typeSpec, q string) string {
	switch t.Name {
	case "tinyint", "smallint", "int", "bigint", "bit", "decimal", "numeric":
		return "CONVERT(nvarchar(64), " + q + ")"
	case "money", "smallmoney":
		// Style 2: all four decimal places (style 0 rounds to two).
		return "CONVERT(nvarchar(64), " + q + ", 2)"
	case "float", "real":
		// Style 3: 17 significant digits, which read back to the same double.
		return "CONVERT(nvarchar(64), " + q + ", 3)"
	case "uniqueidentifier":
		return "CONVERT(nvarchar(36), " + q + ")"
	case "date":
		return "CONVERT(nvarchar(10), " + q + ", 23)"
	case "datetime", "smalldatetime", "datetime2", "datetimeoffset":
		// Style 121: ODBC canonical with every fractional digit the type holds (and the offset).
		return "CONVERT(nvarchar(40), " + q + ", 121)"
	case "time":
		return "CONVERT(nvarchar(20), " + q + ")"
	case "binary", "varbinary", "rowversion":
		return "CONVERT(nvarchar(max), " + q + ", 1)"
	case "image":
		return "CONVERT(nvarchar(max), CONVERT(varbinary(max), " + q + "), 1)"
	case "hierarchyid":
		return q + ".ToString()"
	case "geography", "geometry":
		return q + ".STAsText()"
	case "sql_variant":
		return "CONVERT(nvarchar(4000), " + q + ")"
	}
	return "CONVERT(nvarchar(max), " + q + ")"
}

// paramExpr returns the expression that binds parameter p (a text made by textExpr) with the
// column's exact type and, for character columns, its collation, so that the server compares
// it with the column as its own values.
func paramExpr(t typeSpec, p string) (string, error) {
	switch t.Name {
	case "tinyint", "smallint", "int", "bigint", "bit", "decimal", "numeric", "money", "smallmoney",
		"float", "real", "uniqueidentifier", "date", "time", "hierarchyid":
		return "CAST(" + p + " AS " + t.castType() + ")", nil
	case "datetime", "smalldatetime", "datetime2", "datetimeoffset":
		return "CONVERT(" + t.castType() + ", " + p + ", 121)", nil
	case "binary", "varbinary", "rowversion":
		return "CONVERT(" + t.castType() + ", " + p + ", 1)", nil
	case "char", "varchar", "nchar", "nvarchar":
		if t.Collation != "" {
			// COLLATE before the cast: nvarchar -> varchar uses the code page of the input's
			// collation, which must be the column's, not the database default's.
			return "CAST(" + p + " COLLATE " + t.Collation + " AS " + t.castType() + ")", nil
		}
		return "CAST(" + p + " AS " + t.castType() + ")", nil
	}
	return "", fmt.Errorf("a %s column cannot be a key or link column for relmongo (its values cannot be compared exactly); choose another key or exclude the relation", t)
}
