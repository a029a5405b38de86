package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestServeRefuses checks the wiring of `auditgrep serve`: the refusals that come before it
// listens (pkg/serve tests the server itself).
func TestServeRefuses(t *testing.T) {
	export := filepath.Join(testdataDir(t), "export")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"serve"}, `expected "<PATH> ..."`},
		{[]string{"serve", "--addr", "0.0.0.0:0", export}, "add --allow-remote to mean it"},
		{[]string{"serve", "--addr", "nocolon", export}, "--addr"},
		{[]string{"serve", filepath.Join(t.TempDir(), "missing")}, "no such file"},
		{[]string{"serve", "-"}, "not standard input"},
	} {
		_, stderr, code := runCLI(t, "", tc.args...)
		if code != exitError || !strings.Contains(stderr, tc.want) {
			t.Errorf("%q: exit %d, stderr %q; want exit 2 with %q", tc.args, code, stderr, tc.want)
		}
	}
}
