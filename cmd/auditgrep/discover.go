package main

type discoverCmd struct {
	Paths []string `arg:"" optional:"" name:"PATH" help:"Files, directories, or - for stdin (default: stdin)."`
}

func (c *discoverCmd) run(e *env) int { return exitError }
