//go:build !unix

package scan

import "io/fs"

func fileKey(p string, _ fs.FileInfo) fileID { return pathKey(p) }
