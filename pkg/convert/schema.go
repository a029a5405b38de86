// Package convert turns the inputs a query reads (CloudWatch exports, audit logs, Firehose
// deliveries) into a Hive-style partitioned Parquet dataset that SQL engines (Athena, Trino,
// Spark, DuckDB) read, and prints the table definitions those engines need (DDL).
//
// The dataset's layout and columns are specified in docs/dataset.md; Columns and the Key
// constants here are that specification in code.
package convert

import (
	"fmt"
	"strings"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress"
	"github.com/parquet-go/parquet-go/encoding"
	"reflect"
	"strconv"
)

// ColType is a column's type, named as in Hive DDL; ddl.go spells it for each engine.
type ColType string

const (
	TypeTimestamp ColType = "timestamp"          // TIMESTAMP(MILLIS, UTC) for @timestamp; MICROS for the audit times
	TypeString    ColType = "string"             // BYTE_ARRAY (STRING), UTF-8
	TypeInt       ColType = "int"                // INT32
	TypeList      ColType = "array<string>"      // LIST of STRING
	TypeMap       ColType = "map<string,string>" // MAP of STRING to STRING
)

// Column is one column of the dataset's Parquet files.
type Column struct {
	// Name is the column name in the files and the tables: lowercase snake_case, letters,
	// digits and underscores only, so that every engine takes it (Athena and Glue lowercase
	// names and accept no other characters; Spark splits dotted names).
	Name string
	// Field is the Insights field the column holds.
	Field string
	Type  ColType
	// Micros marks a timestamp column kept at microsecond precision.
	Micros bool
}

// Columns are the dataset's columns in file order. The first four are every event's; the
// others are filled from @message when it is a JSON object (an audit event) and hold the
// top-level field's value when it has the column's type, else null.
var Columns = []Column{
	{Name: "timestamp", Field: "@timestamp", Type: TypeTimestamp},
	{Name: "log_stream", Field: "@logStream", Type: TypeString},
	{Name: "log", Field: "@log", Type: TypeString},
	{Name: "message", Field: "@message", Type: TypeString},
	{Name: "verb", Field: "verb", Type: TypeString},
	{Name: "request_uri", Field: "requestURI", Type: TypeString},
	{Name: "user_username", Field: "user.username", Type: TypeString},
	{Name: "user_groups", Field: "user.groups", Type: TypeList},
	{Name: "user_uid", Field: "user.uid", Type: TypeString},
	{Name: "source_ips", Field: "sourceIPs", Type: TypeList},
	{Name: "user_agent", Field: "userAgent", Type: TypeString},
	{Name: "object_ref_resource", Field: "objectRef.resource", Type: TypeString},
	{Name: "object_ref_namespace", Field: "objectRef.namespace", Type: TypeString},
	{Name: "object_ref_name", Field: "objectRef.name", Type: TypeString},
	{Name: "object_ref_api_group", Field: "objectRef.apiGroup", Type: TypeString},
	{Name: "object_ref_api_version", Field: "objectRef.apiVersion", Type: TypeString},
	{Name: "object_ref_subresource", Field: "objectRef.subresource", Type: TypeString},
	{Name: "response_status_code", Field: "responseStatus.code", Type: TypeInt},
	{Name: "stage", Field: "stage", Type: TypeString},
	{Name: "level", Field: "level", Type: TypeString},
	{Name: "audit_id", Field: "auditID", Type: TypeString},
	{Name: "annotations", Field: "annotations", Type: TypeMap},
	{Name: "request_received_timestamp", Field: "requestReceivedTimestamp", Type: TypeTimestamp, Micros: true},
	{Name: "stage_timestamp", Field: "stageTimestamp", Type: TypeTimestamp, Micros: true},
}

// Column positions, in the order of Columns.
const (
	colTimestamp = iota
	colLogStream
	colLog
	colMessage
	colVerb
	colRequestURI
	colUserUsername
	colUserGroups
	colUserUID
	colSourceIPs
	colUserAgent
	colObjResource
	colObjNamespace
	colObjName
	colObjAPIGroup
	colObjAPIVersion
	colObjSubresource
	colCode
	colStage
	colLevel
	colAuditID
	colAnnotations
	colRequestReceived
	colStageTimestamp
	numColumns
)

// Key is a partition key: a level of directories key=value under the dataset's root.
type Key uint8

const (
	// KeyDate is date=YYYY-MM-DD, the UTC date of @timestamp.
	KeyDate Key = iota
	// KeyHour is hour=HH, the UTC hour of @timestamp, 00 to 23.
	KeyHour
	// KeyStream is stream=KIND, the kind of @logStream (StreamKind).
	KeyStream
)

// Dir is the key's directory name (the partition column's name).
func (k Key) Dir() string {
	switch k {
	case KeyDate:
		return "date"
	case KeyHour:
		return "hour"
	}
	return "stream"
}

// DefaultPartitionBy is the layout when --partition-by is not given.
var DefaultPartitionBy = []Key{KeyDate, KeyHour, KeyStream}

// NullPartition is the value of date and hour for an event without @timestamp: Hive's name for
// a null partition value, read as NULL by Spark, Trino and DuckDB.
const NullPartition = "__HIVE_DEFAULT_PARTITION__"

// ParsePartitionBy parses --partition-by: a comma-separated list of date, hour and
// logstream_kind (or stream), each at most once, in directory order; "none" for no partitions.
func ParsePartitionBy(s string) ([]Key, error) {
	s = strings.TrimSpace(s)
	if s == "none" {
		return []Key{}, nil
	}
	var keys []Key
	seen := map[Key]bool{}
	for _, p := range strings.Split(s, ",") {
		var k Key
		switch strings.TrimSpace(p) {
		case "date":
			k = KeyDate
		case "hour":
			k = KeyHour
		case "logstream_kind", "stream":
			k = KeyStream
		default:
			return nil, fmt.Errorf("--partition-by %q: %q is not one of date, hour, logstream_kind (or none)", s, p)
		}
		if seen[k] {
			return nil, fmt.Errorf("--partition-by %q: %s given twice", s, p)
		}
		seen[k] = true
		keys = append(keys, k)
	}
	return keys, nil
}

// StreamKinds are the values of the stream partition, in the order StreamKind tries them.
var StreamKinds = []string{
	"kube-apiserver-audit",
	"kube-apiserver",
	"authenticator",
	"kube-controller-manager",
	"kube-scheduler",
	"cloud-controller-manager",
	"other",
}

// StreamKind is the stream partition value of a @logStream: the first of StreamKinds (but
// "other") that is a prefix of it, else "other". So `@logStream like /^kube-apiserver-audit/`
// holds exactly when the kind is kube-apiserver-audit, and `/^kube-apiserver/` when it is
// kube-apiserver-audit or kube-apiserver.
func StreamKind(logStream string) string {
	for _, k := range StreamKinds[:len(StreamKinds)-1] {
		if strings.HasPrefix(logStream, k) {
			return k
		}
	}
	return "other"
}

// Leaf column indexes of the Parquet schema: lists and maps have leaves of their own.
const (
	leafTimestamp = iota
	leafLogStream
	leafLog
	leafMessage
	leafVerb
	leafRequestURI
	leafUserUsername
	leafUserGroups // user_groups.list.element
	leafUserUID
	leafSourceIPs // source_ips.list.element
	leafUserAgent
	leafObjResource
	leafObjNamespace
	leafObjName
	leafObjAPIGroup
	leafObjAPIVersion
	leafObjSubresource
	leafCode
	leafStage
	leafLevel
	leafAuditID
	leafAnnotationKey   // annotations.key_value.key
	leafAnnotationValue // annotations.key_value.value
	leafRequestReceived
	leafStageTimestamp
	numLeaves
)

// schema is the Parquet schema of every part file: every column OPTIONAL, list elements and
// map values OPTIONAL (a JSON null), map keys REQUIRED.
var schema = func() *parquet.Schema {
	fields := make(orderedGroup, len(Columns))
	for i, c := range Columns {
		var n parquet.Node
		switch c.Type {
		case TypeString:
			n = parquet.String()
		case TypeInt:
			n = parquet.Int(32)
		case TypeTimestamp:
			if c.Micros {
				n = parquet.Timestamp(parquet.Microsecond)
			} else {
				n = parquet.Timestamp(parquet.Millisecond)
			}
		case TypeList:
			n = parquet.List(parquet.Optional(parquet.String()))
		case TypeMap:
			n = parquet.Map(parquet.String(), parquet.Optional(parquet.String()))
		}
		fields[i] = field{parquet.Optional(n), c.Name}
	}
	return parquet.NewSchema("auditgrep_event", fields)
}()

// orderedGroup is a Parquet group whose fields keep the order they are given in (parquet.Group
// is a map and sorts them by name).
type orderedGroup []parquet.Field

func (g orderedGroup) ID() int                     { return 0 }
func (g orderedGroup) Type() parquet.Type          { return parquet.Group{}.Type() }
func (g orderedGroup) Optional() bool              { return false }
func (g orderedGroup) Repeated() bool              { return false }
func (g orderedGroup) Required() bool              { return true }
func (g orderedGroup) Leaf() bool                  { return false }
func (g orderedGroup) Fields() []parquet.Field     { return g }
func (g orderedGroup) Encoding() encoding.Encoding { return nil }
func (g orderedGroup) Compression() compress.Codec { return nil }
func (g orderedGroup) String() string              { return fmt.Sprintf("group(%d fields)", len(g)) }

// GoType is a struct with a field per column. Rows are written as parquet.Row, never from Go
// values, so the names only need to be valid identifiers.
func (g orderedGroup) GoType() reflect.Type {
	fs := make([]reflect.StructField, len(g))
	for i, f := range g {
		fs[i] = reflect.StructField{Name: "F" + strconv.Itoa(i), Type: f.GoType()}
	}
	return reflect.StructOf(fs)
}

type field struct {
	parquet.Node
	name string
}

func (f field) Name() string                      { return f.name }
func (f field) Value(reflect.Value) reflect.Value { return reflect.Value{} }
