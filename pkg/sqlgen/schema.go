package sqlgen

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
const DefaultTable = "auditgrep_events"

// columnFor finds the column holding an Insights field.
func columnFor(cols []Column, field string) (Column, bool) {
	for _, c := range cols {
		if c.Field == field {
			return c, true
		}
	}
	return Column{}, false
}
