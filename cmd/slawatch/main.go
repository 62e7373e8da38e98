// Command slawatch runs slawatch locally and offers its tools.
//
//	slawatch serve [--config FILE] [--addr HOST:PORT] [--check-every 5s]
//	slawatch deadline [--config FILE] --calendar NAME --start RFC3339 --duration 8h
//	slawatch config check FILE
//	slawatch config default
//	slawatch config diff [--url URL | --store dynamodb ...] OLD NEW
//	slawatch replay generate [--days 30] [--arrivals 40] [--agents 8] [--seed 1] ... > trace.jsonl
//	slawatch replay [--config FILE --calendar NAME] [--target 8h] [--quantile 0.9] [--fixed 24h] [--json] FILE|-
//	slawatch backfill [--config FILE] [--store memory|dynamodb ...] [--on-error stop|skip] FILE|-
//	slawatch report sla --from DATE --to DATE [--by team,...] [--tz ZONE] [--format table|csv|json] [--breaches]
//	slawatch report queues [--url URL | --store dynamodb ...] [--window 168h] [--json]
//	slawatch silence add|list|expire [--url URL | --store dynamodb ...]
package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	_ "time/tzdata" // time zones must not depend on the host having them

	"github.com/slawatch/slawatch/shared/ack"
	"github.com/slawatch/slawatch/shared/policy"
)

const usage = `usage:
  slawatch serve [--config FILE] [--addr HOST:PORT] [--check-every 5s]
                 [--store memory|dynamodb] [--dynamodb-endpoint URL] [--table NAME] [--create-table]
                 [--sns-endpoint URL] [--alert-topic ARN|NAME] [--ack-topic ARN|NAME] [--backfill FILE]
  slawatch deadline [--config FILE] --calendar NAME --start RFC3339 --duration 8h
  slawatch config check FILE
  slawatch config default
  slawatch config diff [--url http://127.0.0.1:8080 | --store dynamodb [--dynamodb-endpoint URL] [--table NAME]]
                 [--at RFC3339] [--json] OLD NEW   (exit 0: nothing moves, 1: deadlines move, 2: error)
  slawatch replay generate [--days 30] [--arrivals 40] [--agents 8] [--burst-day 14] [--burst-days 2]
                 [--burst-factor 3] [--channel email] [--seed 1] [--start 2026-11-02]
                 [--closed-unanswered 0.06] [--config FILE --calendar NAME]
  slawatch replay [--config FILE --calendar NAME] [--target 8h] [--quantile 0.9] [--fixed 24h] [--json] FILE|-
                 (both: without --calendar, Mon-Fri 09:00-17:00 America/New_York)
  slawatch backfill [--config FILE] [--on-error stop|skip] [--max-events N]
                 [--store memory|dynamodb [--dynamodb-endpoint URL] [--table NAME] [--create-table]] FILE|-
  slawatch report sla --from 2026-11-01 --to 2026-11-30 [--by team,policy,channel,priority,source,day,week]
                 [--tz Europe/Berlin] [--format table|csv|json] [--breaches]
                 [--url http://127.0.0.1:8080 | --store dynamodb [--dynamodb-endpoint URL] [--table NAME]]
  slawatch report queues [--url http://127.0.0.1:8080 | --store dynamodb [--dynamodb-endpoint URL] [--table NAME]]
                 [--window 168h] [--json]   (plain "slawatch report" is "report queues")
  slawatch silence add --match source=zendesk,team=billing --until 2026-12-24T18:00:00Z|--for 4h --reason TEXT
                 [--from RFC3339] [--by NAME]   (and for add, list, expire:)
                 [--url http://127.0.0.1:8080 | --store dynamodb [--dynamodb-endpoint URL] [--table NAME] [--config FILE]]
  slawatch silence list [--json]
  slawatch silence expire ID
`

// errUsage marks mistakes in the command line; main exits 2 for them.
var errUsage = errors.New("usage")

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := exitCode(run(ctx, os.Args[1:], os.Stdout, os.Stderr), os.Stderr)
	stop()
	os.Exit(code)
}

// exitCode reports err on stderr and returns the exit status: 0, 2 for a
// mistake in the command line (with the usage), 1 for any other failure.
func exitCode(err error, stderr io.Writer) int {
	var ee *exitError
	switch {
	case err == nil:
		return 0
	case errors.Is(err, errMoves):
		return 1
	case errors.As(err, &ee):
		fmt.Fprintf(stderr, "slawatch: %v\n", err)
		return ee.code
	case errors.Is(err, errUsage):
		fmt.Fprintf(stderr, "slawatch: %v\n%s", err, usage)
		return 2
	default:
		fmt.Fprintf(stderr, "slawatch: %v\n", err)
		return 1
	}
}

// run runs the command line; a help request is a success.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	err := dispatch(ctx, args, os.Stdin, stdout, stderr)
	if errors.Is(err, errHelp) {
		return nil
	}
	return err
}

func dispatch(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return fmt.Errorf("%w: no command", errUsage)
	}
	switch cmd, rest := args[0], args[1:]; cmd {
	case "serve":
		return serve(ctx, rest, stdout, stderr)
	case "deadline":
		return deadline(rest, stdout)
	case "config":
		if len(rest) > 0 && rest[0] == "diff" {
			return configDiff(ctx, rest[1:], stdout)
		}
		return configCmd(rest, stdout)
	case "report":
		return reportCmd(ctx, rest, stdout)
	case "replay":
		return replayCmd(rest, stdin, stdout)
	case "backfill":
		return backfillCmd(ctx, rest, stdin, stdout, stderr)
	case "silence":
		return silenceCmd(ctx, rest, stdout)
	case "help":
		return help(ctx, rest, stdout)
	default:
		if isHelp(cmd) {
			return help(ctx, nil, stdout)
		}
		return fmt.Errorf("%w: unknown command %q", errUsage, cmd)
	}
}

// loadConfig reads the file at path, or the embedded default when path is
// empty.
// loadConfig reads the configuration and compiles its acknowledgement
// templates: the commands never run on a half-valid configuration.
func loadConfig(path string) (*policy.Config, ack.Templates, error) {
	cfg := policy.Default()
	if path != "" {
		var err error
		if cfg, err = policy.Load(path); err != nil {
			return nil, ack.Templates{}, err
		}
	}
	t, err := ack.Compile(cfg.Acks)
	if err != nil {
		return nil, ack.Templates{}, fmt.Errorf("policy: %s:\n%w", cmp.Or(path, "default configuration"), err)
	}
	return cfg, t, nil
}

func configCmd(args []string, stdout io.Writer) error {
	switch {
	case len(args) >= 1 && isHelp(args[0]):
		printUsage(stdout, "config", nil)
		return errHelp
	case len(args) >= 2 && (args[0] == "check" || args[0] == "default") && isHelp(args[1]):
		printUsage(stdout, "config "+args[0], nil)
		return errHelp
	case len(args) == 1 && args[0] == "default":
		_, err := stdout.Write(policy.DefaultYAML())
		return err
	case len(args) == 2 && args[0] == "check":
		c, _, err := loadConfig(args[1])
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%s: ok (%d calendars, %d sources, %d policies)\n", args[1], len(c.Calendars), len(c.Sources), len(c.Policies))
		return nil
	}
	return fmt.Errorf("%w: config check FILE | config default", errUsage)
}

// EnvToken names the variable whose value, when set, the commands that
// talk to a server (--url) send as a bearer token: the deployed dashboard
// API takes a JWT from the Authorization header (docs/deploy.md). An
// environment variable, not a flag, keeps the token out of shell history
// and process lists.
const EnvToken = "SLAWATCH_TOKEN"

// send does req with the default client, with the bearer token if one is
// set.
func send(req *http.Request) (*http.Response, error) {
	if tok := os.Getenv(EnvToken); tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	return http.DefaultClient.Do(req)
}
