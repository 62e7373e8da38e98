package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/slawatch/slawatch/shared/awsdefault"
	"github.com/slawatch/slawatch/shared/history"
	"github.com/slawatch/slawatch/shared/httpapi"
	"github.com/slawatch/slawatch/shared/policy"
	"github.com/slawatch/slawatch/shared/report"
	"github.com/slawatch/slawatch/shared/store"
)

// slaRecords are four first-response clocks of November 2026 in two
// teams: billing met twice, support met once and breached once (by 2h);
// and two promises: billing's first ticket kept its (30m), support's
// breached one broke its (sent a minute in, for 2h) by 59 minutes, which
// is no breach.
func slaRecords() []history.Record {
	var out []history.Record
	for i, c := range []struct {
		team string
		took time.Duration
	}{{"billing", 10 * time.Minute}, {"billing", 50 * time.Minute}, {"support", 20 * time.Minute}, {"support", 3 * time.Hour}} {
		start := time.Date(2026, 11, 3+i, 14, 0, 0, 0, time.UTC)
		r := history.Record{Source: "zendesk", Ticket: fmt.Sprint(100 + i), Metric: history.FirstResponse, Policy: "hour", Team: c.team,
			Started: start, Due: start.Add(time.Hour), Ended: start.Add(c.took), URL: fmt.Sprintf("https://desk.test/%d", 100+i)}
		r.Measure(nil, true, 0)
		out = append(out, r)
		if i == 0 || i == 3 {
			p := r
			p.Metric, p.Started, p.Due = history.Promise, start.Add(time.Minute), start.Add(time.Minute+[]time.Duration{30 * time.Minute, 0, 0, 2 * time.Hour}[i])
			p.Measure(nil, true, 0)
			out = append(out, p)
		}
	}
	return out
}

func seed(t *testing.T, h store.History) {
	t.Helper()
	for _, r := range slaRecords() {
		if _, err := h.Record(context.Background(), r); err != nil {
			t.Fatal(err)
		}
	}
}

// slaServer serves GET /api/report over a seeded memory store, as
// `slawatch serve` does, with the given retention (0: the default).
func slaServer(t *testing.T, retention time.Duration) string {
	t.Helper()
	mem := store.NewMemory()
	seed(t, mem)
	api := httpapi.New(policy.Default(), mem, func(string) (string, bool) { return "", false }, slog.New(slog.NewTextHandler(io.Discard, nil)))
	api.History, api.HistoryRetention = mem, retention
	srv := httptest.NewServer(api.Handler())
	t.Cleanup(srv.Close)
	return srv.URL
}

func TestReportSLAFormats(t *testing.T) {
	u := slaServer(t, 0)
	base := []string{"report", "sla", "--url", u, "--from", "2026-11-01", "--to", "2026-11-30", "--by", "team"}
	tests := []struct {
		name  string
		extra []string
		check func(t *testing.T, out string)
	}{
		{"table", nil, func(t *testing.T, out string) {
			for _, want := range []string{"SLA report 2026-11-01 to 2026-11-30 (UTC), by team", "billing", "100.0%", "support", "50.0%", "TOTAL", "75.0%"} {
				if !strings.Contains(out, want) {
					t.Errorf("table lacks %q:\n%s", want, out)
				}
			}
			// The last columns: promises kept %, kept, broken.
			for _, want := range [][]string{{"billing", "100.0%", "1", "0"}, {"support", "0.0%", "0", "1"}, {"TOTAL", "50.0%", "1", "1"}} {
				found := false
				for _, l := range strings.Split(out, "\n") {
					f := strings.Fields(l)
					found = found || len(f) > 3 && f[0] == want[0] && slices.Equal(f[len(f)-3:], want[1:])
				}
				if !found {
					t.Errorf("table has no %s row ending in promises %q:\n%s", want[0], want[1:], out)
				}
			}
		}},
		{"table with breaches in Berlin", []string{"--breaches", "--tz", "Europe/Berlin"}, func(t *testing.T, out string) {
			// Ended 17:00 UTC on 6 November: 18:00 in Berlin, 2h late.
			if !strings.Contains(out, "breaches (1)") || !strings.Contains(out, "2026-11-06 18:00 CET  2h0m ") || !strings.Contains(out, "https://desk.test/103") {
				t.Errorf("breach table:\n%s", out)
			}
		}},
		{"csv", []string{"--format", "csv"}, func(t *testing.T, out string) {
			recs, err := csv.NewReader(strings.NewReader(out)).ReadAll()
			if err != nil || len(recs) != 3 || recs[0][0] != "team" || recs[2][0] != "support" || recs[2][4] != "50" {
				t.Fatalf("CSV %q, %v", recs, err)
			}
			c := slices.Index(recs[0], "promise_kept")
			if c < 0 || !slices.Equal(recs[0][c:c+3], []string{"promise_kept", "promise_broken", "promise_kept_pct"}) ||
				!slices.Equal(recs[1][c:c+3], []string{"1", "0", "100"}) || !slices.Equal(recs[2][c:c+3], []string{"0", "1", "0"}) {
				t.Errorf("CSV promise columns %q", recs)
			}
		}},
		{"csv breaches", []string{"--format", "csv", "--breaches"}, func(t *testing.T, out string) {
			recs, err := csv.NewReader(strings.NewReader(out)).ReadAll()
			if err != nil || len(recs) != 2 || recs[1][1] != "103" || recs[1][8] != "120" {
				t.Errorf("breach CSV %q, %v", recs, err)
			}
		}},
		{"json", []string{"--format", "json"}, func(t *testing.T, out string) {
			var rep report.Report
			if err := json.Unmarshal([]byte(out), &rep); err != nil || rep.Total.FirstResponse.Met != 3 || rep.Total.FirstResponse.Breached != 1 {
				t.Errorf("JSON %s, %v", out, err)
			}
			if p := rep.Total.Promise; p.Met != 1 || p.Breached != 1 || p.AttainmentPct == nil || *p.AttainmentPct != 50 || p.BreachesByLateness.To1h != 1 {
				t.Errorf("JSON promise %+v, want 1 kept, 1 broken by 59m, 50%%", p)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := cli(append(base, tt.extra...)...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			tt.check(t, out)
		})
	}
}

// Every bad input exits 2 and names the flag, before any request (the
// server is not running) — or, for the retention the server knows, after
// its 400.
func TestReportSLAUsageErrors(t *testing.T) {
	short := slaServer(t, 30*24*time.Hour)
	dead := "http://127.0.0.1:1"
	tests := []struct {
		name string
		args []string
		flag string
	}{
		{"no from", []string{"--to", "2026-11-30"}, "--from"},
		{"bad from", []string{"--from", "11/01/2026", "--to", "2026-11-30"}, "--from"},
		{"no to", []string{"--from", "2026-11-01"}, "--to"},
		{"to before from", []string{"--from", "2026-11-30", "--to", "2026-11-01"}, "--to"},
		{"unknown by", []string{"--from", "2026-11-01", "--to", "2026-11-30", "--by", "team,assignee"}, "--by"},
		{"unknown zone", []string{"--from", "2026-11-01", "--to", "2026-11-30", "--tz", "Berlin"}, "--tz"},
		{"over the default retention", []string{"--from", "2025-01-01", "--to", "2026-11-30"}, "--from"},
		{"unknown format", []string{"--from", "2026-11-01", "--to", "2026-11-30", "--format", "xlsx"}, "--format"},
		{"unknown store", []string{"--from", "2026-11-01", "--to", "2026-11-30", "--store", "postgres"}, "--store"},
		{"unknown flag", []string{"--form", "2026-11-01"}, "-form"},
		{"stray argument", []string{"--from", "2026-11-01", "--to", "2026-11-30", "november"}, "november"},
		{"over the server's retention", []string{"--url", short, "--from", "2026-09-01", "--to", "2026-11-30"}, "--from"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"report", "sla", "--url", dead}, tt.args...)
			code, out, errOut := cli(args...)
			if code != 2 || out != "" || !strings.Contains(errOut, tt.flag) || !strings.Contains(errOut, "usage:") {
				t.Errorf("exit %d, stdout %q, stderr %q; want 2 naming %s", code, out, errOut, tt.flag)
			}
		})
	}
	// A server that is not there is a failure, not a usage error.
	if code, _, errOut := cli("report", "sla", "--url", dead, "--from", "2026-11-01", "--to", "2026-11-30"); code != 1 || !strings.Contains(errOut, "is slawatch serve running") {
		t.Errorf("no server: exit %d, %s", code, errOut)
	}
}

func TestReportHelp(t *testing.T) {
	tests := []struct {
		args     []string
		mentions []string
	}{
		{[]string{"report", "sla", "--help"}, []string{"usage: slawatch report sla --from", "-breaches", "-tz string", "UTC days"}},
		{[]string{"help", "report", "sla"}, []string{"usage: slawatch report sla", "-format string"}},
		{[]string{"report", "queues", "-h"}, []string{"usage: slawatch report queues", "-window duration"}},
		{[]string{"report", "--help"}, []string{"slawatch report sla", "slawatch report queues", "-window duration"}},
		{[]string{"help"}, []string{"slawatch report sla --from", "slawatch report queues"}},
	}
	for _, tt := range tests {
		code, out, errOut := cli(tt.args...)
		if code != 0 || errOut != "" {
			t.Errorf("%v: exit %d, stderr %q", tt.args, code, errOut)
		}
		for _, m := range tt.mentions {
			if !strings.Contains(out, m) {
				t.Errorf("%v: output lacks %q:\n%s", tt.args, m, out)
			}
		}
	}
}

// TestReportSLADynamoDB: the --store dynamodb door reads DynamoDB Local
// and prints the same report as the HTTP door over the same records.
func TestReportSLADynamoDB(t *testing.T) {
	endpoint := os.Getenv("SLAWATCH_TEST_DYNAMODB_ENDPOINT")
	if endpoint == "" {
		t.Skip("SLAWATCH_TEST_DYNAMODB_ENDPOINT is not set; `make test` starts DynamoDB Local and sets it")
	}
	ctx := context.Background()
	client, err := awsdefault.NewDynamoDBClient(ctx, endpoint, func(o *dynamodb.Options) { o.DisableValidateResponseChecksum = true })
	if err != nil {
		t.Fatal(err)
	}
	table := fmt.Sprintf("slawatch-cli-report-%d", time.Now().UnixNano())
	if err := store.CreateTable(ctx, client, table); err != nil {
		t.Fatal(err)
	}
	ddb, err := store.NewDynamoDB(client, table, nil)
	if err != nil {
		t.Fatal(err)
	}
	seed(t, ddb)
	q := []string{"--from", "2026-11-01", "--to", "2026-11-30", "--by", "team,day", "--breaches", "--format", "json"}
	t.Setenv("AWS_ACCESS_KEY_ID", "local")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "local")
	t.Setenv("AWS_REGION", "us-east-1")
	code, fromDDB, errOut := cli(append([]string{"report", "sla", "--store", "dynamodb", "--dynamodb-endpoint", endpoint, "--table", table}, q...)...)
	if code != 0 {
		t.Fatalf("--store dynamodb: exit %d: %s", code, errOut)
	}
	code, fromHTTP, errOut := cli(append([]string{"report", "sla", "--url", slaServer(t, 0)}, q...)...)
	if code != 0 {
		t.Fatalf("--url: exit %d: %s", code, errOut)
	}
	var a, b report.Report
	if err := json.Unmarshal([]byte(fromDDB), &a); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(fromHTTP), &b); err != nil {
		t.Fatal(err)
	}
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	if !bytes.Equal(ja, jb) || len(a.Rows) != 4 || len(a.Breaches) != 1 {
		t.Errorf("the doors disagree or miss rows:\ndynamodb %s\nhttp     %s", ja, jb)
	}
}

// With SLAWATCH_TOKEN set, the commands that call a server send it as a
// bearer token (the deployed API's JWT authorizer reads that header).
func TestReportSendsToken(t *testing.T) {
	var got string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r.Header.Get("Authorization")
		http.Error(w, `{"error":"no"}`, http.StatusUnauthorized)
	}))
	t.Cleanup(srv.Close)
	t.Setenv(EnvToken, "eyJ.test.token")
	var out, errOut bytes.Buffer
	_ = run(context.Background(), []string{"report", "sla", "--url", srv.URL, "--from", "2026-11-01", "--to", "2026-11-30"}, &out, &errOut)
	if got != "Bearer eyJ.test.token" {
		t.Errorf("Authorization %q, want the token as a bearer", got)
	}
}
