// Command auditgrep runs CloudWatch Logs Insights queries offline over exported Amazon EKS
// control-plane logs. See README.md.
package main

import (
	"os"
	"os/signal"
	"syscall"
)

func main() {
	// With SIGPIPE routed to a channel, a write to a closed stdout (| head) fails with EPIPE,
	// which run treats as a quiet end, instead of killing the process mid-write.
	signal.Notify(make(chan os.Signal, 1), syscall.SIGPIPE)
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
