package serve

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// root is one PATH given on the command line. The page names roots by their index in the list:
// no request carries a path, so none can name one outside them.
type root struct {
	// Path is the path as given (the page shows it; files are read under it, so that @logStream
	// is what the CLI gives).
	Path string
	// real is the path with every symbolic link resolved: what is read under Path must resolve
	// to real or below it.
	real  string
	isDir bool
}

func newRoots(paths []string) ([]root, error) {
	if len(paths) == 0 {
		return nil, errors.New("no PATH given: auditgrep serve PATH...")
	}
	var rs []root
	for _, p := range paths {
		if p == "-" {
			return nil, errors.New("serve reads files and directories, not standard input (-)")
		}
		abs, err := filepath.Abs(p)
		if err != nil {
			return nil, err
		}
		real, err := filepath.EvalSymlinks(abs)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", p, err)
		}
		fi, err := os.Stat(real)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", p, err)
		}
		rs = append(rs, root{Path: p, real: real, isDir: fi.IsDir()})
	}
	return rs, nil
}

// pickRoots reads the roots a request chose: a list of indexes ("0", "2"); none means all.
// Anything else, a path in particular, is refused.
func pickRoots(all []root, sel []string) ([]root, error) {
	if len(sel) == 0 {
		return all, nil
	}
	var out []root
	seen := map[int]bool{}
	for _, s := range sel {
		i, err := strconv.Atoi(s)
		if err != nil || i < 0 || i >= len(all) || strconv.Itoa(i) != s {
			return nil, fmt.Errorf("root %q: a root is chosen by its number, 0 to %d, among the paths given to auditgrep serve", s, len(all)-1)
		}
		if !seen[i] {
			seen[i] = true
			out = append(out, all[i])
		}
	}
	return out, nil
}

// within reports whether the resolved path p is the root or below it.
func (r root) within(p string) bool {
	if p == r.real {
		return true
	}
	return r.isDir && strings.HasPrefix(p, strings.TrimSuffix(r.real, string(filepath.Separator))+string(filepath.Separator))
}

// inputFiles lists the files a run reads under the chosen roots, in the order the CLI reads them
// (directories walked in lexical order, CloudWatch's aws-logs-write-test probe skipped, a file
// reached twice listed once). Unlike the CLI's walk, a symbolic link is followed only when it
// resolves inside one of the served roots; the others, and the paths that cannot be listed, come
// back as problems and are not opened. total is the files' size as stored.
func inputFiles(all, chosen []root) (files []string, total int64, problems []string) {
	inside := func(real string) bool {
		for _, r := range all {
			if r.within(real) {
				return true
			}
		}
		return false
	}
	seen := map[string]bool{}
	add := func(p, real string, size int64) {
		if seen[real] {
			return
		}
		seen[real] = true
		files = append(files, p)
		total += size
	}
	var walk func(dir, real string, ancestors []string)
	walk = func(dir, real string, ancestors []string) {
		if seen[real] {
			return
		}
		seen[real] = true
		ancestors = append(ancestors, real)
		entries, err := os.ReadDir(dir)
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s: %v", dir, unwrapPath(err)))
		}
		for _, e := range entries {
			p := filepath.Join(dir, e.Name())
			typ := e.Type()
			target := filepath.Join(real, e.Name())
			if typ&fs.ModeSymlink != 0 {
				t, err := filepath.EvalSymlinks(p)
				if err != nil {
					problems = append(problems, fmt.Sprintf("%s: %v", p, unwrapPath(err)))
					continue
				}
				if !inside(t) {
					problems = append(problems, fmt.Sprintf("%s: not read: a symbolic link to %s, outside the paths being served", p, t))
					continue
				}
				target = t
			}
			fi, err := os.Stat(target)
			if err != nil {
				problems = append(problems, fmt.Sprintf("%s: %v", p, unwrapPath(err)))
				continue
			}
			switch {
			case fi.IsDir():
				loop := false
				for _, a := range ancestors {
					loop = loop || a == target
				}
				if loop {
					problems = append(problems, fmt.Sprintf("%s: symbolic link loops back to a directory being walked; not followed", p))
					continue
				}
				walk(p, target, ancestors)
			case fi.Mode().IsRegular() && e.Name() != writeTestObject:
				add(p, target, fi.Size())
			}
		}
	}
	for _, r := range chosen {
		if r.isDir {
			walk(r.Path, r.real, nil)
			continue
		}
		fi, err := os.Stat(r.real)
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s: %v", r.Path, unwrapPath(err)))
			continue
		}
		add(r.Path, r.real, fi.Size())
	}
	return files, total, problems
}

// writeTestObject is the probe object CloudWatch writes into an export's prefix (pkg/scan skips
// it in a walk too).
const writeTestObject = "aws-logs-write-test"

func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return fmt.Errorf("%s: %w", pe.Op, pe.Err)
	}
	return err
}
