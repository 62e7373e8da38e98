package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// cli runs the command line as main does and returns its exit status and
// what it wrote.
func cli(args ...string) (code int, stdout, stderr string) {
	var out, errOut bytes.Buffer
	code = exitCode(run(context.Background(), args, &out, &errOut), &errOut)
	return code, out.String(), errOut.String()
}

// Every command and subcommand answers -h and --help with its own usage on
// standard output and exit status 0 (the flag package's "flag: help
// requested" and status 2 before).
func TestHelp(t *testing.T) {
	tests := []struct {
		args []string
		// The usage line, and something only this command's usage says
		// (one of its flags, usually).
		usage, mentions string
	}{
		{[]string{"help"}, "usage:\n  slawatch serve", "slawatch report"},
		{[]string{"--help"}, "usage:\n  slawatch serve", "slawatch report"},
		{[]string{"-h"}, "usage:\n  slawatch serve", "slawatch report"},
		{[]string{"help", "--help"}, "usage: slawatch help", "COMMAND"},
		{[]string{"help", "help"}, "usage: slawatch help", "COMMAND"},
		{[]string{"serve", "--help"}, "usage: slawatch serve", "-check-every duration"},
		{[]string{"serve", "-h"}, "usage: slawatch serve", "-ack-topic string"},
		{[]string{"deadline", "--help"}, "usage: slawatch deadline", "-calendar string"},
		{[]string{"deadline", "-h", "--calendar", "x"}, "usage: slawatch deadline", "-duration duration"},
		{[]string{"config", "--help"}, "usage: slawatch config check FILE", "slawatch config default"},
		{[]string{"config", "-h"}, "usage: slawatch config check FILE", "slawatch config default"},
		{[]string{"config", "check", "--help"}, "usage: slawatch config check FILE", "Validates"},
		{[]string{"config", "default", "-h"}, "usage: slawatch config default", "embedded default"},
		{[]string{"replay", "--help"}, "usage: slawatch replay [--config", "-quantile float"},
		{[]string{"replay", "-h"}, "usage: slawatch replay [--config", "-fixed duration"},
		{[]string{"replay", "trace.jsonl", "--help"}, "usage: slawatch replay [--config", "-target duration"},
		{[]string{"replay", "generate", "--help"}, "usage: slawatch replay generate", "-closed-unanswered float"},
		{[]string{"replay", "generate", "-h"}, "usage: slawatch replay generate", "-burst-factor float"},
		{[]string{"backfill", "--help"}, "usage: slawatch backfill", "-on-error string"},
		{[]string{"backfill", "old.jsonl", "-h"}, "usage: slawatch backfill", "-max-events int"},
		{[]string{"help", "backfill"}, "usage: slawatch backfill", "dry run"},
		{[]string{"report", "--help"}, "usage: slawatch report", "-window duration"},
		{[]string{"report", "-h"}, "usage: slawatch report", "-dynamodb-endpoint string"},
		{[]string{"help", "deadline"}, "usage: slawatch deadline", "-start string"},
		{[]string{"help", "replay", "generate"}, "usage: slawatch replay generate", "-arrivals float"},
		{[]string{"help", "config", "check"}, "usage: slawatch config check FILE", "Validates"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			code, out, errOut := cli(tt.args...)
			if code != 0 || errOut != "" {
				t.Fatalf("exit %d, stderr %q; want 0 and nothing", code, errOut)
			}
			if !strings.HasPrefix(out, tt.usage) || !strings.Contains(out, tt.mentions) {
				t.Errorf("stdout %q\nwant it to start with %q and mention %q", out, tt.usage, tt.mentions)
			}
		})
	}
}

// Mistakes still exit 2 with the overview on standard error, and help on
// something that does not exist is one.
func TestUsageMistakesExit2(t *testing.T) {
	for _, args := range [][]string{nil, {"frobnicate"}, {"help", "frobnicate"}, {"deadline", "--nope"}, {"replay", "generate", "--days", "0"}, {"config"}} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			code, out, errOut := cli(args...)
			if code != 2 || out != "" || !strings.Contains(errOut, "usage:\n  slawatch serve") {
				t.Errorf("exit %d, stdout %q, stderr %q; want 2, nothing, the usage", code, out, errOut)
			}
		})
	}
}
