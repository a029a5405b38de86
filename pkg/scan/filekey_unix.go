//go:build unix

package scan

import (
	"io/fs"
	"syscall"
)

func fileKey(p string, fi fs.FileInfo) fileID {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return fileID{dev: uint64(st.Dev), ino: uint64(st.Ino)}
	}
	return pathKey(p)
}
