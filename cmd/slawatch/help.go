package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"
)

// errHelp: the command printed its usage because it was asked to (-h,
// --help); run reports success.
var errHelp = errors.New("help printed")

// Each command's synopsis, as its --help prints it above the flags.
var synopses = map[string]string{
	"serve": `slawatch serve [--config FILE] [--addr HOST:PORT] [--check-every 5s]
               [--store memory|dynamodb] [--dynamodb-endpoint URL] [--table NAME] [--create-table]
               [--sns-endpoint URL] [--alert-topic ARN|NAME] [--ack-topic ARN|NAME] [--backfill FILE]

Runs the webhook intake, the ticket API and the deadline checker in one process.`,
	"deadline": `slawatch deadline [--config FILE] --calendar NAME --start RFC3339 --duration 8h

Prints when a business duration from a start instant ends, in the calendar's zone.
The configuration needs only its calendars.`,
	"config": `slawatch config check FILE
       slawatch config default
       slawatch config diff [--url URL | --store dynamodb ...] OLD NEW

check validates a configuration file; default prints the embedded default; diff shows
which deadlines of the open tickets a new configuration would move.`,
	"config diff": `slawatch config diff [--url http://127.0.0.1:8080 | --store dynamodb [--dynamodb-endpoint URL] [--table NAME]]
               [--at RFC3339] [--json] OLD NEW

Lists, for the open tickets (those with a running clock), the clocks whose deadline NEW
moves from what OLD gives: ticket, clock, policy old → new, target, due old → new,
earlier or later, and "at once" for a deadline moved into the past (it breaches at the
checker's next run once NEW is applied). Ended clocks and alerts already sent never
change. Reads a running slawatch serve (--url) or the DynamoDB store (--store dynamodb).
Exit status: 0 nothing moves, 1 deadlines move, 2 an error (an invalid configuration,
the server or store unreachable). See docs/sla-semantics.md, "When the configuration
changes".`,
	"config check": `slawatch config check FILE

Validates a configuration file and its acknowledgement templates.`,
	"config default": `slawatch config default

Prints the embedded default configuration (YAML).`,
	"replay": `slawatch replay [--config FILE --calendar NAME] [--target 8h] [--quantile 0.9] [--fixed 24h] [--json] FILE|-
       slawatch replay generate [flags] > trace.jsonl

Replays a trace (JSON Lines of canonical events) against the promise estimate and a
fixed promise, and prints how many promises each kept. Without --calendar:
Mon-Fri 09:00-17:00 America/New_York. See slawatch replay generate --help.`,
	"replay generate": `slawatch replay generate [--days 30] [--arrivals 40] [--agents 8] [--burst-day 14] [--burst-days 2]
               [--burst-factor 3] [--channel email] [--seed 1] [--start 2026-11-02]
               [--closed-unanswered 0.06] [--config FILE --calendar NAME]

Writes a synthetic trace as JSON Lines to standard output.`,
	"backfill": `slawatch backfill [--config FILE] [--on-error stop|skip] [--max-events N]
               [--store memory|dynamodb [--dynamodb-endpoint URL] [--table NAME] [--create-table]] FILE|-

Loads a JSON-lines trace of past events (the replay format: canonical events with their
source) into the history of ended clocks, so that reports cover the time before slawatch
was connected. Each ticket's events go through the engine with the configuration's
policies; tickets and alerts are left alone. Running it twice adds nothing.
--store memory (the default) is a dry run; a local server loads a trace with
slawatch serve --backfill FILE. See docs/reports.md, Backfill.`,
	"report": `slawatch report sla --from YYYY-MM-DD --to YYYY-MM-DD [flags]   (see slawatch report sla --help)
       slawatch report queues [--url http://127.0.0.1:8080 | --store dynamodb [--dynamodb-endpoint URL] [--table NAME]]
               [--window 168h] [--json]

sla prints SLA attainment, response times and breaches from the history; queues prints
each queue's promise-kept rate and reply times. Plain "slawatch report [flags]" is
"slawatch report queues" (the flags below).`,
	"report queues": `slawatch report queues [--url http://127.0.0.1:8080 | --store dynamodb [--dynamodb-endpoint URL] [--table NAME]]
               [--window 168h] [--json]

Prints each queue's promise-kept rate and reply times.`,
	"report sla": `slawatch report sla --from 2026-11-01 --to 2026-11-30 [--by team,policy,channel,priority,source,day,week]
               [--tz Europe/Berlin] [--format table|csv|json] [--breaches]
               [--url http://127.0.0.1:8080 | --store dynamodb [--dynamodb-endpoint URL] [--table NAME]]

Prints first-response attainment, met and breached counts, median and p90 time to first
response (business and calendar), next-reply attainment, breaches by lateness and the
promise kept-rate, per group; --breaches lists the breached tickets with their links.
Day and week rows are UTC days (docs/reports.md).`,
	"silence": `slawatch silence add --match KEY=VALUE,... --until RFC3339|--for DURATION --reason TEXT [flags]
       slawatch silence list [--json] [flags]
       slawatch silence expire ID [flags]

Silences alerts: while a silence is active, the alerts it matches are recorded as
silenced instead of sent; when it ends, one digest of what it held that still matters.
Every silence has an end, no further away than alerts.silences.max_duration (default
14 days). Flags: --url http://127.0.0.1:8080 (a running server) or --store dynamodb
[--dynamodb-endpoint URL] [--table NAME] [--config FILE]. See docs/silences.md.`,
	"silence add": `slawatch silence add --match source=zendesk,team=billing --until 2026-12-24T18:00:00Z --reason "holiday cover"
               [--from RFC3339] [--for 4h instead of --until] [--by NAME]
               [--url http://127.0.0.1:8080 | --store dynamodb [--dynamodb-endpoint URL] [--table NAME] [--config FILE]]

Creates a silence and prints its id. Match keys: source, team, policy, channel, priority,
kind, ticket; an alert is silenced when every one equals the alert's.`,
	"silence list": `slawatch silence list [--json]
               [--url http://127.0.0.1:8080 | --store dynamodb [--dynamodb-endpoint URL] [--table NAME]]

Lists the silences (ended ones for 30 days), by end: id, match, from, until, state
(pending, active, ended) and reason.`,
	"silence expire": `slawatch silence expire ID
               [--url http://127.0.0.1:8080 | --store dynamodb [--dynamodb-endpoint URL] [--table NAME]]

Ends a silence now. It stays listed as ended; what it held gets its digest.`,
}

// isHelp reports whether arg asks for help, as the flag package
// understands it.
func isHelp(arg string) bool {
	return slices.Contains([]string{"-h", "-help", "--help", "--h"}, arg)
}

// printUsage writes the command's synopsis and, if it has any, its flags.
func printUsage(w io.Writer, cmd string, fs *flag.FlagSet) {
	fmt.Fprintf(w, "usage: %s\n", synopses[cmd])
	if fs == nil {
		return
	}
	has := false
	fs.VisitAll(func(*flag.Flag) { has = true })
	if !has {
		return
	}
	fmt.Fprint(w, "\nflags:\n")
	out := fs.Output()
	fs.SetOutput(w)
	fs.PrintDefaults()
	fs.SetOutput(out)
}

// parseFlags parses a command's flags quietly: mistakes come back as usage
// errors naming the command, and -h or --help prints the command's usage
// to stdout and returns errHelp.
func parseFlags(fs *flag.FlagSet, cmd string, args []string, stdout io.Writer) error {
	fs.SetOutput(io.Discard)
	err := fs.Parse(args)
	switch {
	case errors.Is(err, flag.ErrHelp):
		printUsage(stdout, cmd, fs)
		return errHelp
	case err != nil:
		return fmt.Errorf("%w: %s: %v", errUsage, cmd, err)
	}
	return nil
}

// help prints the usage of the command named in args (slawatch help
// replay generate), or the overview.
func help(ctx context.Context, args []string, stdout io.Writer) error {
	name := strings.Join(args, " ")
	switch name {
	case "":
		fmt.Fprint(stdout, usage)
		return nil
	case "help":
		fmt.Fprint(stdout, "usage: slawatch help [COMMAND [SUBCOMMAND]]\n")
		return nil
	}
	if isHelp(name) {
		return help(ctx, []string{"help"}, stdout)
	}
	if _, ok := synopses[name]; !ok {
		return fmt.Errorf("%w: help: unknown command %q", errUsage, name)
	}
	// The command's own --help, so the flags listed are the ones it takes.
	return dispatch(ctx, append(slices.Clone(args), "--help"), nil, stdout, io.Discard)
}
