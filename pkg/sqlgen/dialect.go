package sqlgen

import (
	"fmt"
	"strconv"
	"strings"
)

// Engine is a SQL dialect the translator writes.
type Engine string

// The engines. Athena (engine version 3) is Trino; it differs only in the names it documents,
// so the two share a dialect and have golden files of their own to show they stay equal.
const (
	DuckDB Engine = "duckdb"
	Athena Engine = "athena"
	Trino  Engine = "trino"
	Spark  Engine = "spark"
)

// Engines are the supported engines, in the order the CLI lists them.
var Engines = []Engine{DuckDB, Athena, Trino, Spark}

// ParseEngine reads an engine name (case-insensitive).
func ParseEngine(s string) (Engine, error) {
	for _, e := range Engines {
		if strings.EqualFold(s, string(e)) {
			return e, nil
		}
	}
	return "", fmt.Errorf("unknown SQL engine %q: want one of duckdb, athena, trino, spark", s)
}

// dialect spells the constructs that differ between engines.
type dialect struct{ e Engine }

func (d dialect) spark() bool  { return d.e == Spark }
func (d dialect) duckdb() bool { return d.e == DuckDB }

// ident quotes a column or alias name.
func (d dialect) ident(name string) string {
	if d.spark() {
		return "`" + strings.ReplaceAll(name, "`", "``") + "`"
	}
	return `"` + strings.ReplaceAll(name, `"`, `""`) + `"`
}

// str is a string literal. Spark's parser resolves backslash escapes in literals (unless
// spark.sql.parser.escapedStringLiterals is set), so backslashes are doubled there; the others
// follow the SQL standard, where only the quote is special.
func (d dialect) str(s string) string {
	if d.spark() {
		s = strings.ReplaceAll(s, `\`, `\\`)
		return "'" + strings.ReplaceAll(s, "'", `\'`) + "'"
	}
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}

func (d dialect) varchar() string {
	if d.spark() {
		return "STRING"
	}
	return "VARCHAR"
}

// regexMatch is a regular-expression search (unanchored, like Insights' like /re/).
func (d dialect) regexMatch(s, pat string) string {
	switch d.e {
	case DuckDB:
		return "regexp_matches(" + s + ", " + d.str(pat) + ")"
	case Spark:
		return "(" + s + " RLIKE " + d.str(pat) + ")"
	}
	return "regexp_like(" + s + ", " + d.str(pat) + ")"
}

// regexExtract is capture group g of the first match of pat in s.
func (d dialect) regexExtract(s, pat string, g int) string {
	return "regexp_extract(" + s + ", " + d.str(pat) + ", " + strconv.Itoa(g) + ")"
}

// strpos is the 1-based position of sub in s, 0 when absent.
func (d dialect) strpos(s, sub string) string {
	if d.spark() {
		return "instr(" + s + ", " + sub + ")"
	}
	return "strpos(" + s + ", " + sub + ")"
}

// epochMs is a timestamp's epoch milliseconds as a BIGINT. The dataset's timestamps are UTC
// instants without a zone; Trino's date_diff from the epoch reads them without the session
// zone (to_unixtime would apply it).
func (d dialect) epochMs(ts string) string {
	switch d.e {
	case DuckDB:
		return "epoch_ms(" + ts + ")"
	case Spark:
		return "unix_millis(" + ts + ")"
	}
	return "date_diff('millisecond', TIMESTAMP '1970-01-01 00:00:00', " + ts + ")"
}

// fromEpochMs is the timestamp of a BIGINT of epoch milliseconds.
func (d dialect) fromEpochMs(ms string) string {
	switch d.e {
	case DuckDB:
		return "epoch_ms(CAST(" + ms + " AS BIGINT))"
	case Spark:
		return "timestamp_millis(CAST(" + ms + " AS BIGINT))"
	}
	return "date_add('millisecond', CAST(" + ms + " AS BIGINT), TIMESTAMP '1970-01-01 00:00:00')"
}

// monthsSinceYear0 is the number of months from January of year 0 to the timestamp's month.
func (d dialect) monthsSinceYear0(ts string) string {
	return "(year(" + ts + ") * 12 + month(" + ts + ") - 1)"
}

// monthStart is the timestamp of the first instant of month m (months since year 0).
func (d dialect) monthStart(m string) string {
	switch d.e {
	case DuckDB:
		return "make_timestamp(CAST(floor((" + m + ") / 12) AS BIGINT), CAST((" + m + ") - floor((" + m + ") / 12) * 12 + 1 AS BIGINT), 1, 0, 0, 0)"
	case Spark:
		return "CAST(make_date(CAST(floor((" + m + ") / 12) AS INT), CAST((" + m + ") - floor((" + m + ") / 12) * 12 + 1 AS INT), 1) AS TIMESTAMP)"
	}
	return "date_add('month', CAST(" + m + " AS BIGINT) - 23640, TIMESTAMP '1970-01-01 00:00:00')"
}

// fmtTime renders a timestamp as Insights does: YYYY-MM-DD HH:MM:SS.mmm (UTC).
func (d dialect) fmtTime(ts string) string {
	switch d.e {
	case DuckDB:
		return "strftime(" + ts + ", '%Y-%m-%d %H:%M:%S.%g')"
	case Spark:
		return "date_format(" + ts + ", 'yyyy-MM-dd HH:mm:ss.SSS')"
	}
	// date_format reads a TIMESTAMP without zone as it is (format_datetime would first cast it
	// to the session zone); %f is microseconds, cut to milliseconds.
	return "substr(date_format(" + ts + ", '%Y-%m-%d %H:%i:%s.%f'), 1, 23)"
}

// jsonPath is the JSONPath of a flattened field name's segments; a segment of digits is an
// array index (how Insights flattens arrays, spec §2.1).
func (d dialect) jsonPath(segs []string) string {
	var b strings.Builder
	b.WriteString("$")
	for _, s := range segs {
		switch {
		case isDigits(s):
			b.WriteString("[" + s + "]")
		case isPlainKey(s):
			b.WriteString("." + s)
		case d.duckdb():
			b.WriteString(`."` + strings.ReplaceAll(s, `"`, `\"`) + `"`)
		case d.spark():
			b.WriteString(`['` + s + `']`)
		default:
			b.WriteString(`["` + strings.ReplaceAll(s, `"`, `\"`) + `"]`)
		}
	}
	return b.String()
}

// jsonScalar is the text of the scalar (string, number, boolean) at path in the JSON text of
// col, NULL when the text is not JSON, the path is missing, or its value is null, an object or
// an array: Insights only makes leaves fields (spec §2.2).
func (d dialect) jsonScalar(col, path string) string {
	p := d.str(path)
	switch d.e {
	case DuckDB:
		// json_type and json_extract_string fail on malformed JSON, so they read NULL instead
		// of such a message (a CASE around them is not enough: DuckDB may hoist them out).
		v := "(CASE WHEN json_valid(" + col + ") THEN " + col + " END)"
		return "(CASE WHEN json_type(" + v + ", " + p + ") IN ('VARCHAR', 'BIGINT', 'UBIGINT', 'HUGEINT', 'DOUBLE', 'BOOLEAN') THEN json_extract_string(" + v + ", " + p + ") END)"
	case Spark:
		// get_json_object returns objects and arrays as JSON text; they are the values that
		// parse as a JSON object or array.
		v := "get_json_object(" + col + ", " + p + ")"
		return "CASE WHEN json_object_keys(" + v + ") IS NULL AND json_array_length(" + v + ") IS NULL THEN " + v + " END"
	}
	return "json_extract_scalar(" + col + ", " + p + ")"
}

// listElem is element i (0-based) of a list column, NULL past its end.
func (d dialect) listElem(col string, i int) string {
	switch d.e {
	case DuckDB:
		return col + "[" + strconv.Itoa(i+1) + "]"
	case Spark:
		return "try_element_at(" + col + ", " + strconv.Itoa(i+1) + ")"
	}
	return "element_at(" + col + ", " + strconv.Itoa(i+1) + ")"
}

// mapElem is the value of key in a map column, NULL when missing.
func (d dialect) mapElem(col, key string) string {
	switch d.e {
	case DuckDB:
		return "map_extract_value(" + col + ", " + d.str(key) + ")"
	case Spark:
		return "try_element_at(" + col + ", " + d.str(key) + ")"
	}
	return "element_at(" + col + ", " + d.str(key) + ")"
}

// argMin / argMax: the value of x on the row where key is least / greatest.
func (d dialect) argMin(x, key string) string {
	if d.duckdb() {
		return "arg_min(" + x + ", " + key + ")"
	}
	return "min_by(" + x + ", " + key + ")"
}

func (d dialect) argMax(x, key string) string {
	if d.duckdb() {
		return "arg_max(" + x + ", " + key + ")"
	}
	return "max_by(" + x + ", " + key + ")"
}

// pct is the p-th percentile (p in 0..100) of the non-null values of x, exactly as pkg/match
// computes it (A39, nearest rank): the ceil(p*n/100)-th smallest, at least the first. Every
// engine sorts the group's values for it; approx_percentile or quantile_disc would be cheaper
// but answer differently (quantile_disc interpolates the rank).
func (d dialect) pct(x string, p float64) string {
	ps := strconv.FormatFloat(p, 'f', -1, 64)
	// p·n/100 in doubles, as pkg/match computes it (decimal arithmetic could round differently).
	rank := "greatest(1, CAST(ceil(CAST(" + ps + " AS DOUBLE) * count(" + x + ") / 100) AS BIGINT))"
	switch d.e {
	case DuckDB:
		return "list_sort(list(" + x + ") FILTER (WHERE " + x + " IS NOT NULL))[" + rank + "]"
	case Spark:
		return "element_at(array_sort(collect_list(" + x + ")), CAST(" + rank + " AS INT))"
	}
	return "element_at(array_sort(array_agg(" + x + ") FILTER (WHERE " + x + " IS NOT NULL)), " + rank + ")"
}

// row packs sort-key parts into one orderable value (a struct/row).
func (d dialect) row(parts []string) string {
	if d.spark() {
		return "struct(" + strings.Join(parts, ", ") + ")"
	}
	return "ROW(" + strings.Join(parts, ", ") + ")"
}

// chunks is the list of s's natural-sort chunks (spec §5.5: a run of ASCII digits, a run of
// letters, or one other character), each digit run encoded as "0", its length in four digits,
// then the digits: the list then orders as Insights compares chunk by chunk. A digit run starts
// with "0", which compares with any other chunk's first character as any digit would.
func (d dialect) chunks(s string) string {
	const re = `[0-9]+|\p{L}+|(?s:.)`
	enc := func(c string) string {
		return "CASE WHEN " + d.regexMatch(c, "^[0-9]") + " THEN '0' || lpad(CAST(length(" + c + ") AS " + d.varchar() + "), 4, '0') || " + c + " ELSE " + c + " END"
	}
	switch d.e {
	case DuckDB:
		return "list_transform(regexp_extract_all(" + s + ", " + d.str(re) + "), c -> " + enc("c") + ")"
	case Spark:
		return "transform(regexp_extract_all(" + s + ", " + d.str("("+re+")") + ", 1), c -> " + enc("c") + ")"
	}
	return "transform(regexp_extract_all(" + s + ", " + d.str(re) + "), c -> " + enc("c") + ")"
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func isPlainKey(s string) bool {
	if s == "" || (s[0] >= '0' && s[0] <= '9') {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) {
			return false
		}
	}
	return true
}

// fail is a BOOLEAN expression that aborts the statement with msg when evaluated.
func (d dialect) fail(msg string) string {
	switch d.e {
	case DuckDB:
		return "CAST(error(" + d.str(msg) + ") AS BOOLEAN)"
	case Spark:
		return "CAST(raise_error(" + d.str(msg) + ") AS BOOLEAN)"
	}
	return "CAST(fail(" + d.str(msg) + ") AS BOOLEAN)"
}
