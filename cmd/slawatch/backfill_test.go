package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/slawatch/slawatch/shared/awsdefault"
	"github.com/slawatch/slawatch/shared/calendar"
	"github.com/slawatch/slawatch/shared/event"
	"github.com/slawatch/slawatch/shared/history"
	"github.com/slawatch/slawatch/shared/policy"
	"github.com/slawatch/slawatch/shared/replay"
	"github.com/slawatch/slawatch/shared/store"
)

// backfillTrace returns a generated trace of 21 days (a burst makes some
// first responses later than the default policy's 24 hours; a share of
// tickets is closed unanswered) as JSON Lines, and its events.
func backfillTrace(t *testing.T) ([]byte, []event.Event) {
	t.Helper()
	cal, err := replayCalendar("", "")
	if err != nil {
		t.Fatal(err)
	}
	evs := replay.Generate(replay.Scenario{
		Start: time.Date(2026, 10, 5, 0, 0, 0, 0, cal.Location()), Days: 21, Calendar: cal,
		ArrivalsPerDay: 40, BurstDay: 7, BurstDays: 3, BurstFactor: 4, AgentsPerHour: 6,
		Channel: event.Email, Seed: 7, ClosedUnanswered: 0.1,
	})
	var buf bytes.Buffer
	if err := replay.WriteTrace(&buf, evs); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes(), evs
}

// dayCount is met, breached and not-needed clocks of one UTC day.
type dayCount struct{ met, breached, notNeeded int64 }

// expectCounts counts the trace's first-response outcomes by UTC day
// without the engine: each generated ticket is created, then answered or
// closed once; the default configuration's policy for email gives 24 hours
// of calendar time, and a clock that ends after its deadline is a breach.
func expectCounts(t *testing.T, evs []event.Event) map[string]dayCount {
	t.Helper()
	created := map[string]time.Time{}
	out := map[string]dayCount{}
	for _, e := range evs {
		switch e.Kind {
		case event.TicketCreated:
			created[e.TicketID] = e.OccurredAt
			continue
		case event.AgentReply, event.StatusChanged:
		default:
			t.Fatalf("unexpected event %+v", e)
		}
		c, ok := created[e.TicketID]
		if !ok {
			t.Fatalf("ticket %s ends before it starts", e.TicketID)
		}
		day := e.OccurredAt.UTC().Format("2006-01-02")
		n := out[day]
		switch late := e.OccurredAt.Sub(c) > 24*time.Hour; {
		case late:
			n.breached++
		case e.Kind == event.AgentReply:
			n.met++
		default:
			n.notNeeded++
		}
		out[day] = n
	}
	return out
}

// storedCounts reads the history's day aggregates back, all groups merged.
func storedCounts(t *testing.T, h store.History) map[string]dayCount {
	t.Helper()
	from, _ := calendar.ParseDate("2026-10-01")
	to, _ := calendar.ParseDate("2026-11-30")
	days, err := h.Days(context.Background(), from, to)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]dayCount{}
	for _, d := range days {
		if d.Group.Source != "sim" || d.Group.Metric != history.FirstResponse {
			t.Errorf("unexpected group %+v", d.Group)
		}
		n := out[d.Date.String()]
		n.met, n.breached, n.notNeeded = n.met+d.Met, n.breached+d.Breached, n.notNeeded+d.NotNeeded
		out[d.Date.String()] = n
	}
	return out
}

func sameCounts(t *testing.T, what string, got, want map[string]dayCount) {
	t.Helper()
	var total dayCount
	for _, n := range want {
		total.met, total.breached, total.notNeeded = total.met+n.met, total.breached+n.breached, total.notNeeded+n.notNeeded
	}
	// The trace must exercise every outcome, or the comparison proves little.
	if total.met == 0 || total.breached == 0 || total.notNeeded == 0 {
		t.Fatalf("the trace lacks an outcome: %+v", total)
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("%s: days\n got %v\nwant %v", what, got, want)
	}
}

// summaryValue reads one count of the printed summary.
func summaryValue(t *testing.T, out, name string) int {
	t.Helper()
	m := regexp.MustCompile(`(?m)^\s*` + regexp.QuoteMeta(name) + `\s+(\d+)`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no %q in the summary:\n%s", name, out)
	}
	var n int
	fmt.Sscan(m[1], &n)
	return n
}

// The day aggregates a backfill leaves equal an independent count from the
// trace, and a second run adds nothing.
func TestBackfillMemory(t *testing.T) {
	trace, evs := backfillTrace(t)
	want := expectCounts(t, evs)
	mem := store.NewMemory()
	b := &backfill{Config: policy.Default(), History: mem, MaxEvents: defaultMaxBackfillEvents, Errors: io.Discard}
	sum, err := b.Run(context.Background(), bytes.NewReader(trace), "trace")
	if err != nil {
		t.Fatal(err)
	}
	sameCounts(t, "first run", storedCounts(t, mem), want)
	tickets := len(evs) / 2
	if sum.Lines != len(evs) || sum.Events != len(evs) || sum.Tickets != tickets || sum.Clocks != tickets || sum.Added != tickets || sum.Present != 0 {
		t.Errorf("first run: %+v, want %d events, %d tickets and clocks, all added", sum, len(evs), tickets)
	}

	sum, err = b.Run(context.Background(), bytes.NewReader(trace), "trace")
	if err != nil {
		t.Fatal(err)
	}
	sameCounts(t, "second run", storedCounts(t, mem), want)
	if sum.Added != 0 || sum.Revised != 0 || sum.Present != tickets {
		t.Errorf("second run: %+v, want all %d already present", sum, tickets)
	}
}

// A malformed line in the middle: stop records nothing and names the
// line; skip names it, records every other line and fails the run.
func TestBackfillMalformedLine(t *testing.T) {
	trace, evs := backfillTrace(t)
	lines := strings.SplitAfter(string(trace), "\n")
	mid := len(lines) / 2
	bad := `{"source":"sim","ticket_id":"x","event_id":"x1","kind":"ticket_created","occurred_at":"1970-01-01T00:00:01Z"}` + "\n"
	broken := strings.Join(lines[:mid], "") + bad + strings.Join(lines[mid:], "")
	badLine := mid + 1

	for _, skip := range []bool{false, true} {
		mem := store.NewMemory()
		var errs bytes.Buffer
		b := &backfill{Config: policy.Default(), History: mem, Skip: skip, MaxEvents: defaultMaxBackfillEvents, Errors: &errs}
		sum, err := b.Run(context.Background(), strings.NewReader(broken), "trace")
		wantLine := fmt.Sprintf("replay: line %d: invalid event: occurred_at:", badLine)
		if !skip {
			if err == nil || !strings.Contains(err.Error(), wantLine) {
				t.Errorf("stop: err = %v, want it to name %q", err, wantLine)
			}
			if got := storedCounts(t, mem); len(got) != 0 {
				t.Errorf("stop: recorded %v, want nothing", got)
			}
			continue
		}
		if err != nil {
			t.Fatalf("skip: %v", err)
		}
		if !strings.Contains(errs.String(), wantLine) || sum.Skipped != 1 || sum.Lines != len(evs)+1 {
			t.Errorf("skip: %+v, errors %q, want line %d named and skipped", sum, errs.String(), badLine)
		}
		sameCounts(t, "skip", storedCounts(t, mem), expectCounts(t, evs))
	}

	// The command: skip exits 1 after its summary; stop exits 1 with none.
	path := filepath.Join(t.TempDir(), "broken.jsonl")
	if err := os.WriteFile(path, []byte(broken), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := cli("backfill", path, "--on-error", "skip")
	if code != 1 || summaryValue(t, out, "lines skipped") != 1 || !strings.Contains(errOut, "1 malformed lines skipped") {
		t.Errorf("skip: exit %d\nstdout %s\nstderr %s", code, out, errOut)
	}
	code, out, errOut = cli("backfill", path)
	if code != 1 || out != "" || !strings.Contains(errOut, fmt.Sprintf("line %d", badLine)) {
		t.Errorf("stop: exit %d\nstdout %s\nstderr %s", code, out, errOut)
	}
	code, _, errOut = cli("backfill", path, "--on-error", "ignore")
	if code != 2 || !strings.Contains(errOut, "--on-error") {
		t.Errorf("--on-error ignore: exit %d, %s", code, errOut)
	}
}

// "-" reads standard input.
func TestBackfillStdin(t *testing.T) {
	trace, evs := backfillTrace(t)
	var out, errOut bytes.Buffer
	if err := dispatch(context.Background(), []string{"backfill", "-"}, bytes.NewReader(trace), &out, &errOut); err != nil {
		t.Fatalf("%v: %s", err, errOut.String())
	}
	if n := summaryValue(t, out.String(), "recorded"); n != len(evs)/2 {
		t.Errorf("recorded %d clocks, want %d:\n%s", n, len(evs)/2, out.String())
	}
	if !strings.Contains(errOut.String(), "dry run") {
		t.Errorf("no dry-run note on stderr: %q", errOut.String())
	}
}

// The same backfill into DynamoDB Local, through the command, twice.
func TestBackfillDynamoDB(t *testing.T) {
	endpoint := os.Getenv("SLAWATCH_TEST_DYNAMODB_ENDPOINT")
	if endpoint == "" {
		t.Skip("SLAWATCH_TEST_DYNAMODB_ENDPOINT is not set; `make test` starts DynamoDB Local and sets it")
	}
	t.Setenv("AWS_ACCESS_KEY_ID", "local")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "local")
	t.Setenv("AWS_REGION", "us-east-1")
	trace, evs := backfillTrace(t)
	path := filepath.Join(t.TempDir(), "trace.jsonl")
	if err := os.WriteFile(path, trace, 0o600); err != nil {
		t.Fatal(err)
	}
	table := fmt.Sprintf("slawatch-cli-backfill-%d", time.Now().UnixNano())
	args := []string{"backfill", "--store", "dynamodb", "--dynamodb-endpoint", endpoint, "--table", table, "--create-table", path}
	tickets := len(evs) / 2
	for run, want := range []map[string]int{{"recorded": tickets, "already present": 0}, {"recorded": 0, "already present": tickets}} {
		start := time.Now()
		code, out, errOut := cli(args...)
		if code != 0 {
			t.Fatalf("run %d: exit %d: %s", run+1, code, errOut)
		}
		t.Logf("run %d: %d events in %s: %.0f events/s", run+1, len(evs), time.Since(start).Round(time.Millisecond), float64(len(evs))/time.Since(start).Seconds())
		for name, n := range want {
			if got := summaryValue(t, out, name); got != n {
				t.Errorf("run %d: %s %d, want %d:\n%s", run+1, name, got, n, out)
			}
		}
	}
	client, err := awsdefault.NewDynamoDBClient(context.Background(), endpoint, func(o *dynamodb.Options) { o.DisableValidateResponseChecksum = true })
	if err != nil {
		t.Fatal(err)
	}
	ddb, err := store.NewDynamoDB(client, table, nil)
	if err != nil {
		t.Fatal(err)
	}
	sameCounts(t, "dynamodb", storedCounts(t, ddb), expectCounts(t, evs))
	// Backfill writes history only: no ticket was created.
	if _, err := ddb.Get(context.Background(), store.Key{Source: "sim", ID: evs[0].TicketID}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("ticket %s: err = %v, want store.ErrNotFound", evs[0].TicketID, err)
	}
}
