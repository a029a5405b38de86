package sqlgen

import "github.com/auditgrep/auditgrep/pkg/convert"

// ColType is the type of a dataset column as the translator needs it.
type ColType int

const (
	// String columns hold text (a JSON string's value).
	String ColType = iota
	// Int columns hold a whole number (INT32/BIGINT).
	Int
	// Timestamp columns hold a UTC instant (TIMESTAMP without zone).
	Timestamp
	// List columns hold an array of strings (user.groups, sourceIPs).
	List
	// Map columns hold a map of string to string (annotations).
	Map
)

// Column is a column of the table the SQL reads: Name is its SQL name, Field the Insights
// field it holds. Fields not in the table are read from the @message column's JSON.
type Column struct {
	Name  string
	Field string
	Type  ColType
}

// DefaultTable is the table name when Options.Table is empty.
const DefaultTable = convert.DefaultTable

// columnFor finds the column holding an Insights field.
func columnFor(cols []Column, field string) (Column, bool) {
	for _, c := range cols {
		if c.Field == field {
			return c, true
		}
	}
	return Column{}, false
}

// DatasetColumns are the columns of the dataset `auditgrep convert` writes (convert.Columns);
// the partition columns (date, hour, stream) are not read: every filter is on the event's own
// columns, so the answer does not depend on the layout.
func DatasetColumns() []Column {
	out := make([]Column, 0, len(convert.Columns))
	for _, c := range convert.Columns {
		var ty ColType
		switch c.Type {
		case convert.TypeString:
			ty = String
		case convert.TypeInt:
			ty = Int
		case convert.TypeTimestamp:
			ty = Timestamp
		case convert.TypeList:
			ty = List
		case convert.TypeMap:
			ty = Map
		default:
			panic("sqlgen: convert column " + c.Name + " has an unknown type " + string(c.Type))
		}
		out = append(out, Column{Name: c.Name, Field: c.Field, Type: ty})
	}
	return out
}
