package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/slawatch/slawatch/shared/queue"
	"github.com/slawatch/slawatch/shared/store"
)

// reportCmd runs `report sla` or `report queues`; plain `report [flags]` is
// `report queues`, as it was before SLA reports existed, so scripts keep
// working.
func reportCmd(ctx context.Context, args []string, stdout io.Writer) error {
	if len(args) > 0 {
		switch args[0] {
		case "sla":
			return reportSLA(ctx, args[1:], stdout)
		case "queues":
			return reportQueues(ctx, "report queues", args[1:], stdout)
		}
	}
	return reportQueues(ctx, "report", args, stdout)
}

// reportQueues prints each queue's promise-kept rate and reply times: from
// a running local server (its in-memory store lives in that process), or
// straight from DynamoDB.
func reportQueues(ctx context.Context, cmd string, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet(cmd, flag.ContinueOnError)
	server := fs.String("url", "http://"+envOr("SLAWATCH_ADDR", "127.0.0.1:8080"), "a running slawatch server to ask (memory store)")
	storeKind := fs.String("store", "", "read the store directly instead: dynamodb")
	endpoint := fs.String("dynamodb-endpoint", os.Getenv("SLAWATCH_DYNAMODB_ENDPOINT"), "DynamoDB endpoint (env SLAWATCH_DYNAMODB_ENDPOINT); empty: AWS")
	table := fs.String("table", envOr("SLAWATCH_TABLE", "slawatch"), "DynamoDB table (env SLAWATCH_TABLE)")
	window := fs.Duration("window", queue.DefaultWindow, "how far back replies count")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := parseFlags(fs, cmd, args, stdout); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: %s: unexpected argument %q (want sla or queues)", errUsage, cmd, fs.Arg(0))
	}
	if *window <= 0 {
		return fmt.Errorf("%w: %s: --window must be positive", errUsage, cmd)
	}
	var reps []queue.Report
	var err error
	switch *storeKind {
	case "":
		reps, err = fetchReports(ctx, *server, *window)
	case "dynamodb":
		var st ticketStore
		if st, err = openStore(ctx, "dynamodb", *endpoint, *table, false); err == nil {
			reps, err = store.Reports(ctx, st, time.Now(), *window)
		}
	default:
		return fmt.Errorf("%w: %s: --store %q: want dynamodb (or --url for a running server)", errUsage, cmd, *storeKind)
	}
	if err != nil {
		return fmt.Errorf("%s: %w", cmd, err)
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(map[string]any{"window": window.String(), "queues": reps})
	}
	return printReports(stdout, reps, *window)
}

func fetchReports(ctx context.Context, server string, window time.Duration) ([]queue.Report, error) {
	u := strings.TrimRight(server, "/") + "/queues?window=" + url.QueryEscape(window.String())
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	resp, err := send(req)
	if err != nil {
		return nil, fmt.Errorf("is slawatch serve running? %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return nil, fmt.Errorf("GET %s: %s: %s", u, resp.Status, strings.TrimSpace(string(b)))
	}
	var body struct {
		Queues []queue.Report `json:"queues"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		return nil, fmt.Errorf("GET %s: %w", u, err)
	}
	return body.Queues, nil
}

func printReports(w io.Writer, reps []queue.Report, window time.Duration) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "queue\twaiting\treplies\tpromised\tkept\tkept%%\tp50 wait\tp90 wait\n")
	for _, r := range reps {
		rate := "-"
		if r.Promised > 0 {
			rate = fmt.Sprintf("%.1f%%", 100*r.KeptRate)
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%s\t%v\t%v\n", r.Queue, r.Waiting, r.Replies, r.Promised, r.Kept, rate,
			time.Duration(r.P50Wait).Round(time.Minute), time.Duration(r.P90Wait).Round(time.Minute))
	}
	fmt.Fprintf(tw, "(replies in the last %v; waits in business time)\n", window)
	return tw.Flush()
}
