package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestPresetCLI(t *testing.T) {
	td := filepath.Join(testdataDir(t), "export")
	qf := filepath.Join(t.TempDir(), "q.txt")
	os.WriteFile(qf, []byte("fields verb"), 0o644)
	tests := []struct {
		name   string
		args   []string
		code   int
		stdout string // substring
		stderr string // substring
	}{
		{"runs with params", []string{"--preset", "pod-to-node", "-p", "pod=aws-6799fc88d8-jqc2r", "--format", "csv", td}, exitMatch, "Successfully bound pod", ""},
		{"defaults apply", []string{"--preset", "cluster-creator", "--format", "csv", td}, exitMatch, "username=kubernetes-admin", ""},
		{"param value is quoted", []string{"--preset", "pod-to-node", "-p", `pod=" or "`, td}, exitNoMatch, "", ""},
		{"missing parameter", []string{"--preset", "fargate-evictions", "-p", "namespace=default", td}, exitError, "", `missing required parameter "pod"`},
		{"unknown parameter", []string{"--preset", "server-errors", "-p", "code=500", td}, exitError, "", `unknown parameter "code"`},
		{"unknown preset", []string{"--preset", "nope", td}, exitError, "", `unknown preset "nope"`},
		{"preset and -f", []string{"--preset", "server-errors", "-f", qf, td}, exitError, "", "use one"},
		{"presets NAME", []string{"presets", "pod-to-node"}, 0, "pod-to-node\n", ""},
		{"presets unknown", []string{"presets", "nope"}, exitError, "", "unknown preset"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, stderr, code := runCLI(t, "", tt.args...)
			if code != tt.code || !strings.Contains(out, tt.stdout) || !strings.Contains(stderr, tt.stderr) {
				t.Errorf("exit %d (want %d)\nstdout %.300q (want %q)\nstderr %q (want %q)", code, tt.code, out, tt.stdout, stderr, tt.stderr)
			}
		})
	}
}
