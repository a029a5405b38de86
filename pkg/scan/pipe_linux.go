//go:build linux

package scan

import (
	"os"
	"syscall"
)

// growPipe asks for a 1 MiB pipe buffer (F_SETPIPE_SZ); failing that, the default stays.
func growPipe(f *os.File) {
	const fSetPipeSz = 1031
	syscall.Syscall(syscall.SYS_FCNTL, f.Fd(), fSetPipeSz, 1<<20)
}
