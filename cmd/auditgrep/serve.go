package main

import (
	"fmt"

	"github.com/auditgrep/auditgrep/pkg/serve"
)

// serveCmd is `auditgrep serve`: the web console (pkg/serve) over the given exports.
type serveCmd struct {
	Addr        string   `default:"127.0.0.1:0" placeholder:"HOST:PORT" help:"Address to listen on (port 0: a free one)."`
	AllowRemote bool     `name:"allow-remote" help:"Allow an --addr that is not loopback: anyone who reaches it and has the token reads the exports."`
	MaxRows     int      `default:"1000" placeholder:"N" help:"Rows the page shows of a result (downloads have them all)."`
	MaxRuns     int      `default:"4" placeholder:"N" help:"Runs (page runs and downloads) going on at once; one more is refused."`
	Jobs        int      `short:"j" placeholder:"N" help:"Files each run reads at once (default: all cores)."`
	LogGroup    string   `placeholder:"NAME" help:"Log group for @log where the input does not carry it."`
	Account     string   `placeholder:"ID" help:"Account id for @log where the input does not carry it."`
	Paths       []string `arg:"" name:"PATH" predictor:"file" help:"The files and directories the page may query."`
}

func (c *serveCmd) run(e *env) int {
	err := serve.Run(e.ctx, serve.Config{Paths: c.Paths, Addr: c.Addr, AllowRemote: c.AllowRemote,
		MaxRows: c.MaxRows, MaxRuns: c.MaxRuns, Workers: c.Jobs, LogGroup: c.LogGroup, Account: c.Account,
		Version: versionString()}, e.stdout)
	if err != nil {
		fmt.Fprintf(e.stderr, "auditgrep: serve: %v\n", err)
		return exitError
	}
	return 0
}
