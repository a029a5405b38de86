package gendata

// Needle kinds, indexes into Summary.Needles and NeedleNames.
const (
	NeedleEviction      = nEviction
	NeedleAwsAuth       = nAwsAuth
	NeedlePodDelete     = nPodDelete
	Needle5xx           = n5xx
	NeedleCronjob       = nCronjob
	NeedleReplicaset    = nReplicaset
	NeedleDaemonset     = nDaemonset
	NeedleKubectl122    = nKubectl122
	NeedleAuthAdmin     = nAdmin
	NeedleAuthDenied    = nDenied
	NeedleSchedPod      = nSchedPod
	NumNeedleKinds      = nNeedleKinds
	AuditStreamPrefix   = "kube-apiserver-audit-"
	ExportTimestampSize = len("2021-08-11T10:09:43.095Z ")
)

// NeedleNames names the needle kinds, as the command prints them.
var NeedleNames = needleNames

// Summary is what Generate wrote.
type Summary struct {
	Bytes   int64 // uncompressed bytes of all export objects
	GzBytes int64 // compressed bytes
	Events  int   // events (lines with a timestamp prefix)
	// Needles counts the rare events of each kind (NeedleEviction, ...).
	Needles [NumNeedleKinds]int
}

// Generate writes a tree of about total uncompressed bytes into dir with workers goroutines
// (gzip level 1 … 9). The same total, seed and level give the same bytes, whatever workers.
func Generate(dir string, total int64, seed uint64, level, workers int) (Summary, error) {
	r, err := generate(dir, total, seed, level, workers)
	return Summary{Bytes: r.bytes, GzBytes: r.gzBytes, Events: r.events, Needles: r.needles}, err
}

// WriteTestdata writes the small hand-designed golden-test tree (testdata/export) into dir, and
// its description beside it (DescPath(dir), testdata/export.md).
func WriteTestdata(dir string) error { return writeTestdata(dir) }

// ParseSize parses a size such as 2MiB, 1GiB, 500MB or a plain byte count.
func ParseSize(s string) (int64, error) { return parseSize(s) }
