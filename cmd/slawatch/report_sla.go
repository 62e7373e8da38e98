package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"

	"github.com/slawatch/slawatch/shared/report"
	"github.com/slawatch/slawatch/shared/store"
)

// reportSLA prints an SLA report from the history: from a running server's
// GET /api/report, or straight from DynamoDB. Both validate the query the
// same way (report.Parse), and the server's 400s come back as usage errors
// naming the flag.
func reportSLA(ctx context.Context, args []string, stdout io.Writer) error {
	const cmd = "report sla"
	fs := flag.NewFlagSet(cmd, flag.ContinueOnError)
	from := fs.String("from", "", "first date, YYYY-MM-DD (required)")
	to := fs.String("to", "", "last date, YYYY-MM-DD, included (required)")
	by := fs.String("by", "", "group rows by some of team,policy,channel,priority,source,day,week (day and week are UTC)")
	tz := fs.String("tz", "", "IANA time zone of the dates and breach times (default UTC)")
	format := fs.String("format", report.FormatTable, "table, csv or json")
	breaches := fs.Bool("breaches", false, "list the breached tickets (with --format csv: the breaches instead of the groups)")
	server := fs.String("url", "http://"+envOr("SLAWATCH_ADDR", "127.0.0.1:8080"), "a running slawatch server to ask")
	storeKind := fs.String("store", "", "read the store directly instead: dynamodb")
	endpoint := fs.String("dynamodb-endpoint", os.Getenv("SLAWATCH_DYNAMODB_ENDPOINT"), "DynamoDB endpoint (env SLAWATCH_DYNAMODB_ENDPOINT); empty: AWS")
	table := fs.String("table", envOr("SLAWATCH_TABLE", "slawatch"), "DynamoDB table (env SLAWATCH_TABLE)")
	if err := parseFlags(fs, cmd, args, stdout); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: %s: unexpected argument %q", errUsage, cmd, fs.Arg(0))
	}
	switch *format {
	case report.FormatTable, report.FormatCSV, report.FormatJSON:
	default:
		return fmt.Errorf("%w: %s: --format %q: want table, csv or json", errUsage, cmd, *format)
	}
	q, err := report.Parse(*from, *to, *by, *tz, *breaches)
	if err == nil {
		err = q.Validate(store.DefaultRetention)
	}
	if err != nil {
		return flagError(cmd, err)
	}
	var rep *report.Report
	switch *storeKind {
	case "":
		if rep, err = fetchSLA(ctx, *server, url.Values{"from": {*from}, "to": {*to}, "by": {*by}, "tz": {*tz}, "breaches": {fmt.Sprint(*breaches)}}); err == nil {
			// JSON keeps the offset, not the zone's name: put it back.
			for i := range rep.Breaches {
				rep.Breaches[i].Due, rep.Breaches[i].Ended = rep.Breaches[i].Due.In(q.Zone), rep.Breaches[i].Ended.In(q.Zone)
			}
		}
	case "dynamodb":
		var st ticketStore
		if st, err = openStore(ctx, "dynamodb", *endpoint, *table, false); err == nil {
			rep, err = (&report.Service{History: st}).Run(ctx, q)
		}
	default:
		return fmt.Errorf("%w: %s: --store %q: want dynamodb (or --url for a running server)", errUsage, cmd, *storeKind)
	}
	if err != nil {
		return flagError(cmd, err)
	}
	switch *format {
	case report.FormatJSON:
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	case report.FormatCSV:
		if *breaches {
			return rep.WriteBreachesCSV(stdout)
		}
		return rep.WriteCSV(stdout)
	}
	return rep.WriteTable(stdout)
}

// flagError turns a bad query into a usage error naming the flag; other
// errors are failures.
func flagError(cmd string, err error) error {
	var qe *report.Error
	if errors.As(err, &qe) {
		return fmt.Errorf("%w: %s: --%s: %s", errUsage, cmd, qe.Parameter, qe.Msg)
	}
	return fmt.Errorf("%s: %w", cmd, err)
}

// fetchSLA asks a running server for the report as JSON. A 400 naming a
// parameter comes back as a *report.Error.
func fetchSLA(ctx context.Context, server string, params url.Values) (*report.Report, error) {
	u := strings.TrimRight(server, "/") + "/api/report?" + params.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := send(req)
	if err != nil {
		return nil, fmt.Errorf("is slawatch serve running? %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		var e struct{ Error, Parameter string }
		if resp.StatusCode == http.StatusBadRequest && json.Unmarshal(b, &e) == nil && e.Parameter != "" {
			return nil, &report.Error{Parameter: e.Parameter, Msg: strings.TrimPrefix(e.Error, e.Parameter+": ")}
		}
		return nil, fmt.Errorf("GET %s: %s: %s", u, resp.Status, strings.TrimSpace(string(b)))
	}
	var rep report.Report
	if err := json.NewDecoder(resp.Body).Decode(&rep); err != nil {
		return nil, fmt.Errorf("GET %s: %w", u, err)
	}
	return &rep, nil
}
