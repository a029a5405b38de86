package scan

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// writeTestObject is the permission probe CloudWatch writes next to an export; it is no log data.
const writeTestObject = "aws-logs-write-test"

// input is what the walk learned about a File that the worker needs to open it.
type input struct {
	stdin bool
	// err, when set, is why the file cannot be read; the worker reports it without opening it.
	err error
}

// walker expands the paths given to Scan into the ordered, de-duplicated input list.
type walker struct {
	files  []File
	inputs []input
	// seen holds every file already listed and every directory already walked.
	seen  map[fileID]bool
	stdin bool
}

// expand turns paths into the input list: files as given, directories walked recursively in
// lexical order, "-" as stdin. A file or directory reached twice is listed once. Paths that cannot
// be used become files carrying their error, so that they are reported in order and never abort
// the scan.
func expand(paths []string, haveStdin bool) ([]File, []input) {
	w := &walker{seen: make(map[fileID]bool)}
	for _, p := range paths {
		if p == "-" {
			if w.stdin {
				continue
			}
			w.stdin = true
			in := input{stdin: true}
			if !haveStdin {
				in.err = errors.New("no standard input to read")
			}
			w.files = append(w.files, File{Index: len(w.files), Path: "-", Stream: "stdin"})
			w.inputs = append(w.inputs, in)
			continue
		}
		fi, err := os.Stat(p)
		if err != nil {
			w.addErr(p, err)
			continue
		}
		if fi.IsDir() {
			w.walkDir(p, fi, nil)
			continue
		}
		w.addFile(p, fi)
	}
	return w.files, w.inputs
}

// walkDir lists the files under dir in lexical order. ancestors are the directories being walked
// above dir, to recognise a symbolic link that loops back to one of them.
func (w *walker) walkDir(dir string, fi fs.FileInfo, ancestors []fileID) {
	id := fileKey(dir, fi)
	if w.seen[id] {
		return
	}
	w.seen[id] = true
	ancestors = append(ancestors, id)

	entries, err := os.ReadDir(dir)
	if err != nil {
		// ReadDir returns what it could read before the error: report the error, walk the rest.
		w.addErr(dir, err)
	}
	for _, e := range entries {
		p := filepath.Join(dir, e.Name())
		typ := e.Type()
		switch {
		case typ&fs.ModeSymlink != 0:
			target, err := os.Stat(p)
			if err != nil {
				w.addErr(p, err)
				continue
			}
			if target.IsDir() {
				if slices.Contains(ancestors, fileKey(p, target)) {
					w.addErr(p, errors.New("symbolic link loops back to a directory being walked; not followed"))
					continue
				}
				w.walkDir(p, target, ancestors)
				continue
			}
			if target.Mode().IsRegular() && e.Name() != writeTestObject {
				w.addFile(p, target)
			}
		case e.IsDir():
			info, err := e.Info()
			if err != nil {
				w.addErr(p, err)
				continue
			}
			w.walkDir(p, info, ancestors)
		case typ.IsRegular():
			if e.Name() == writeTestObject {
				continue
			}
			info, err := e.Info()
			if err != nil {
				w.addErr(p, err)
				continue
			}
			w.addFile(p, info)
		}
		// Sockets, devices and pipes met in a walk are not log files; given by name they are read.
	}
}

func (w *walker) addFile(p string, fi fs.FileInfo) {
	id := fileKey(p, fi)
	if w.seen[id] {
		return
	}
	w.seen[id] = true
	w.files = append(w.files, File{Index: len(w.files), Path: p, Stream: streamName(p), Size: fi.Size()})
	w.inputs = append(w.inputs, input{})
}

func (w *walker) addErr(p string, err error) {
	id := pathKey(p)
	if w.seen[id] {
		return
	}
	w.seen[id] = true
	// The path is already in the InputError: keep the operation and the cause only.
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = fmt.Errorf("%s: %w", pe.Op, pe.Err)
	}
	w.files = append(w.files, File{Index: len(w.files), Path: p, Stream: streamName(p)})
	w.inputs = append(w.inputs, input{err: &InputError{Path: p, Offset: -1, CompressedOffset: -1, Err: err}})
}

// fileID identifies a file or directory: by device and inode where the system has them, else by
// cleaned absolute path.
type fileID struct {
	dev, ino uint64
	path     string
}

func pathKey(p string) fileID {
	if abs, err := filepath.Abs(p); err == nil {
		p = abs
	}
	return fileID{path: filepath.Clean(p)}
}

// streamName is the @logStream of a file: the folder holding a CloudWatch export object
// (<prefix>/<exportTaskId>/<logStream>/000000.gz), else the file's base name.
func streamName(p string) string {
	if p == "-" {
		return "stdin"
	}
	base := filepath.Base(p)
	if !isExportObjectName(base) {
		return base
	}
	dir := filepath.Dir(p)
	if d := filepath.Base(dir); d != "." && d != ".." && d != string(filepath.Separator) {
		return d
	}
	if abs, err := filepath.Abs(dir); err == nil {
		if d := filepath.Base(abs); d != string(filepath.Separator) {
			return d
		}
	}
	return base
}

// isExportObjectName reports whether name is the name of a CloudWatch export chunk: digits,
// optionally followed by .gz or .zst.
func isExportObjectName(name string) bool {
	name = strings.TrimSuffix(name, ".gz")
	name = strings.TrimSuffix(name, ".zst")
	if name == "" {
		return false
	}
	for i := 0; i < len(name); i++ {
		if name[i] < '0' || name[i] > '9' {
			return false
		}
	}
	return true
}
