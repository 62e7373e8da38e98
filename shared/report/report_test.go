package report_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/slawatch/slawatch/shared/awsdefault"
	"github.com/slawatch/slawatch/shared/calendar"
	"github.com/slawatch/slawatch/shared/event"
	"github.com/slawatch/slawatch/shared/history"
	"github.com/slawatch/slawatch/shared/queue"
	"github.com/slawatch/slawatch/shared/report"
	"github.com/slawatch/slawatch/shared/store"
)

// now is after every record of the trace below and within its retention.
var now = time.Date(2026, 12, 5, 0, 0, 0, 0, time.UTC)

// trace builds n hand-made clocks over the 30 days of November 2026, three
// teams, two channels, first responses and next replies, with every
// outcome: targets of an hour, times to answer log-spread from a minute to
// three days. Two in three answered first responses of the billing and
// support teams had an acknowledgement sent 30 seconds in, promising a
// reply within a minute to a day: a promise record each, kept or broken
// (with n = 600, more than queue.MaxReplies of them).
func trace(n int) []history.Record {
	rng := rand.New(rand.NewPCG(11, 13))
	prng := rand.New(rand.NewPCG(17, 19)) // the promises' own, so the clocks stay as they were
	teams := []string{"billing", "support", ""}
	var out []history.Record
	for i := range n {
		start := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(rng.Int64N(int64(29 * 24 * time.Hour))))
		took := time.Duration(float64(time.Minute) * math.Pow(4320, rng.Float64()))
		r := history.Record{Source: "zendesk", Ticket: strconv.Itoa(i), Metric: history.FirstResponse, Policy: "hour",
			Team: teams[i%3], Channel: []event.Channel{event.Email, event.Chat}[i%2], Priority: event.Normal,
			Started: start, Due: start.Add(time.Hour), Ended: start.Add(took), URL: "https://acme.zendesk.test/" + strconv.Itoa(i)}
		if i%4 == 3 {
			r.Metric, r.Cycle = history.NextReply, 1+i%3
		}
		answered := i%10 != 9 // every tenth closed unanswered
		r.Measure(nil, answered, 0)
		// Business time: a fixed share of calendar time, so the two
		// histograms differ.
		r.Business = r.Calendar * 2 / 3
		out = append(out, r)
		if r.Metric == history.FirstResponse && answered && i%3 != 2 {
			sent := start.Add(30 * time.Second)
			within := time.Duration(float64(time.Minute) * math.Pow(1440, prng.Float64()))
			p := history.Record{Source: r.Source, Ticket: r.Ticket, Metric: history.Promise, Policy: r.Policy,
				Team: r.Team, Channel: r.Channel, Priority: r.Priority, Started: sent, Due: sent.Add(within), Ended: r.Ended, URL: r.URL}
			p.Measure(nil, true, 0)
			out = append(out, p)
		}
	}
	return out
}

// expect is the independent computation: plain loops and sorting, nothing
// from package report or history's aggregates.
type expect struct {
	met, breached, notNeeded int
	business, calendar       []time.Duration
	late                     [5]int
}

// tally counts the records that ended in November 2026 (UTC) and keep
// accepts.
func tally(rs []history.Record, keep func(history.Record) bool) expect {
	var e expect
	for _, r := range rs {
		if r.Ended.Before(time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)) || !r.Ended.Before(time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)) || !keep(r) {
			continue
		}
		switch {
		case !r.Ended.After(r.Due) && r.Answered:
			e.met++
		case r.Ended.After(r.Due):
			e.breached++
			late := r.Ended.Sub(r.Due)
			switch {
			case late < 15*time.Minute:
				e.late[0]++
			case late < time.Hour:
				e.late[1]++
			case late < 4*time.Hour:
				e.late[2]++
			case late < 24*time.Hour:
				e.late[3]++
			default:
				e.late[4]++
			}
		default:
			e.notNeeded++
		}
		if r.Answered {
			e.business = append(e.business, r.Business)
			e.calendar = append(e.calendar, r.Calendar)
		}
	}
	slices.Sort(e.business)
	slices.Sort(e.calendar)
	return e
}

func fmtPtr(p *float64) string {
	if p == nil {
		return "null"
	}
	return strconv.FormatFloat(*p, 'f', -1, 64)
}

// nearestRank is the exact q-quantile of sorted durations.
func nearestRank(sorted []time.Duration, q float64) time.Duration {
	return sorted[int(math.Ceil(q*float64(len(sorted))))-1]
}

// checkQuantile asserts the report's estimate (minutes) is within the
// documented error: the width of the bucket holding the true value (or,
// in the open last bucket, its lower bound).
func checkQuantile(t *testing.T, what string, got *float64, sorted []time.Duration, q float64) {
	t.Helper()
	if len(sorted) == 0 {
		if got != nil {
			t.Errorf("%s: %v, want null for no answered clocks", what, *got)
		}
		return
	}
	if got == nil {
		t.Errorf("%s: null, want a value", what)
		return
	}
	truth := nearestRank(sorted, q)
	lo, hi := time.Duration(0), time.Duration(-1)
	for _, b := range history.Bounds {
		if truth < b {
			hi = b
			break
		}
		lo = b
	}
	est := time.Duration(*got * float64(time.Minute))
	if hi < 0 { // open bucket: the estimate is its lower bound
		hi = lo
	}
	const slack = 6 * time.Second // the report rounds to 0.1 minute
	if est < lo-slack || est > hi+slack {
		t.Errorf("%s: estimate %s outside the true value's bucket [%s, %s] (true %s)", what, est, lo, hi, truth)
	}
}

func checkFigures(t *testing.T, what string, f report.Figures, e expect) {
	t.Helper()
	if f.Met != int64(e.met) || f.Breached != int64(e.breached) || f.NotNeeded != int64(e.notNeeded) {
		t.Errorf("%s: met/breached/not needed %d/%d/%d, want %d/%d/%d", what, f.Met, f.Breached, f.NotNeeded, e.met, e.breached, e.notNeeded)
	}
	if e.met+e.breached == 0 {
		if f.AttainmentPct != nil {
			t.Errorf("%s: attainment %v, want null", what, *f.AttainmentPct)
		}
	} else if want := 100 * float64(e.met) / float64(e.met+e.breached); f.AttainmentPct == nil || math.Abs(*f.AttainmentPct-want) > 0.005 {
		t.Errorf("%s: attainment %s, want %.4f", what, fmtPtr(f.AttainmentPct), want)
	}
	if f.Answered != int64(len(e.business)) {
		t.Errorf("%s: answered %d, want %d", what, f.Answered, len(e.business))
	}
	checkQuantile(t, what+" business p50", f.BusinessP50Min, e.business, 0.5)
	checkQuantile(t, what+" business p90", f.BusinessP90Min, e.business, 0.9)
	checkQuantile(t, what+" calendar p50", f.CalendarP50Min, e.calendar, 0.5)
	checkQuantile(t, what+" calendar p90", f.CalendarP90Min, e.calendar, 0.9)
	l := f.BreachesByLateness
	if got := [5]int{int(l.Under15m), int(l.To1h), int(l.To4h), int(l.To24h), int(l.Over24h)}; got != e.late {
		t.Errorf("%s: breaches by lateness %v, want %v", what, got, e.late)
	}
}

// checkPromise checks a row's promise figures against the tally of its
// promise records: kept is met, broken is breached; no quantiles.
func checkPromise(t *testing.T, what string, f report.Figures, e expect) {
	t.Helper()
	if f.Met != int64(e.met) || f.Breached != int64(e.breached) || f.NotNeeded != 0 || e.notNeeded != 0 {
		t.Errorf("%s: kept/broken/not needed %d/%d/%d, want %d/%d/0", what, f.Met, f.Breached, f.NotNeeded, e.met, e.breached)
	}
	if e.met+e.breached == 0 {
		if f.AttainmentPct != nil {
			t.Errorf("%s: kept-rate %v, want null", what, *f.AttainmentPct)
		}
	} else if want := 100 * float64(e.met) / float64(e.met+e.breached); f.AttainmentPct == nil || math.Abs(*f.AttainmentPct-want) > 0.005 {
		t.Errorf("%s: kept-rate %s, want %.4f", what, fmtPtr(f.AttainmentPct), want)
	}
	if f.Answered != int64(e.met+e.breached) {
		t.Errorf("%s: answered %d, want %d", what, f.Answered, e.met+e.breached)
	}
	if f.BusinessP50Min != nil || f.BusinessP90Min != nil || f.CalendarP50Min != nil || f.CalendarP90Min != nil {
		t.Errorf("%s: promise quantiles %s %s %s %s, want null", what, fmtPtr(f.BusinessP50Min), fmtPtr(f.BusinessP90Min),
			fmtPtr(f.CalendarP50Min), fmtPtr(f.CalendarP90Min))
	}
	l := f.BreachesByLateness
	if got := [5]int{int(l.Under15m), int(l.To1h), int(l.To4h), int(l.To24h), int(l.Over24h)}; got != e.late {
		t.Errorf("%s: broken by lateness %v, want %v", what, got, e.late)
	}
}

func record(t testing.TB, h store.History, rs []history.Record) {
	t.Helper()
	for _, r := range rs {
		if _, err := h.Record(context.Background(), r); err != nil {
			t.Fatal(err)
		}
	}
}

func stores(t *testing.T) map[string]store.History {
	out := map[string]store.History{"memory": store.NewMemoryAt(func() time.Time { return now })}
	if s := dynamoStore(t); s != nil {
		out["dynamodb"] = s
	}
	return out
}

// dynamoStore returns a DynamoDB store on a fresh table of DynamoDB Local,
// or nil when the tests run without it.
func dynamoStore(tb testing.TB) *store.DynamoDB {
	tb.Helper()
	endpoint := os.Getenv("SLAWATCH_TEST_DYNAMODB_ENDPOINT")
	if endpoint == "" {
		tb.Log("SLAWATCH_TEST_DYNAMODB_ENDPOINT is not set: memory store only")
		return nil
	}
	client, err := awsdefault.NewDynamoDBClient(context.Background(), endpoint, func(o *dynamodb.Options) {
		o.DisableValidateResponseChecksum = true
	})
	if err != nil {
		tb.Fatal(err)
	}
	table := fmt.Sprintf("slawatch-report-%d", time.Now().UnixNano())
	if err := store.CreateTable(context.Background(), client, table); err != nil {
		tb.Fatal(err)
	}
	s, err := store.NewDynamoDB(client, table, func() time.Time { return now })
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

func date(s string) calendar.Date {
	d, err := calendar.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

// TestAgainstIndependentComputation checks every figure of a report by
// team, and of the total, against plain loops over the same records, on
// both stores.
func TestAgainstIndependentComputation(t *testing.T) {
	rs := trace(600)
	for name, h := range stores(t) {
		t.Run(name, func(t *testing.T) {
			record(t, h, rs)
			svc := &report.Service{History: h}
			rep, err := svc.Run(context.Background(), report.Query{From: date("2026-11-01"), To: date("2026-11-30"),
				By: []report.Dimension{report.Team}, Breaches: true})
			if err != nil {
				t.Fatal(err)
			}
			if len(rep.Rows) != 3 {
				t.Fatalf("%d rows, want one per team (3)", len(rep.Rows))
			}
			for _, row := range rep.Rows {
				team := row.Group[report.Team]
				for _, m := range []struct {
					metric string
					f      report.Figures
				}{{history.FirstResponse, row.FirstResponse}, {history.NextReply, row.NextReply}} {
					e := tally(rs, func(r history.Record) bool { return r.Team == team && r.Metric == m.metric })
					checkFigures(t, fmt.Sprintf("team %q %s", team, m.metric), m.f, e)
				}
				e := tally(rs, func(r history.Record) bool { return r.Team == team && r.Metric == history.Promise })
				if team != "" && e.met+e.breached == 0 {
					t.Errorf("team %q: the trace has no promises", team)
				}
				checkPromise(t, fmt.Sprintf("team %q promise", team), row.Promise, e)
			}
			checkFigures(t, "total first_response", rep.Total.FirstResponse, tally(rs, func(r history.Record) bool { return r.Metric == history.FirstResponse }))
			e := tally(rs, func(r history.Record) bool { return r.Metric == history.Promise })
			if e.met+e.breached <= queue.MaxReplies {
				t.Errorf("%d promises, want more than the queue statistics keep (%d)", e.met+e.breached, queue.MaxReplies)
			}
			checkPromise(t, "total promise", rep.Total.Promise, e)

			var want []string
			for _, r := range rs {
				// Broken promises are no SLA breaches: not listed.
				if r.Metric != history.Promise && r.Ended.After(r.Due) && r.Ended.Before(time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)) {
					want = append(want, r.ID())
				}
			}
			var got []string
			for i, b := range rep.Breaches {
				got = append(got, b.Source+"#"+b.Metric+"#"+strconv.Itoa(b.Cycle)+"#"+b.Ticket)
				if i > 0 && b.Ended.Before(rep.Breaches[i-1].Ended) {
					t.Errorf("breach %d ended before the one listed before it", i)
				}
				if b.URL == "" || b.LatenessMin <= 0 {
					t.Errorf("breach %s: link %q, lateness %v", b.Ticket, b.URL, b.LatenessMin)
				}
			}
			slices.Sort(want)
			slices.Sort(got)
			if !slices.Equal(got, want) {
				t.Errorf("breaches: %d listed, want %d", len(got), len(want))
			}
		})
	}
}

// TestByDayAndWeek: day rows are UTC dates, week rows ISO weeks, and the
// rows add up to the total.
func TestByDayAndWeek(t *testing.T) {
	rs := trace(300)
	h := store.NewMemoryAt(func() time.Time { return now })
	record(t, h, rs)
	svc := &report.Service{History: h}
	for _, by := range []report.Dimension{report.Day, report.Week} {
		rep, err := svc.Run(context.Background(), report.Query{From: date("2026-11-01"), To: date("2026-11-30"), By: []report.Dimension{by, report.Channel}})
		if err != nil {
			t.Fatal(err)
		}
		var met, breached int64
		for _, row := range rep.Rows {
			met += row.FirstResponse.Met
			breached += row.FirstResponse.Breached
			d := row.Group[by]
			e := tally(rs, func(r history.Record) bool {
				if r.Metric != history.FirstResponse || string(r.Channel) != row.Group[report.Channel] {
					return false
				}
				end := r.Ended.UTC()
				if by == report.Day {
					return end.Format(time.DateOnly) == d
				}
				y, w := end.ISOWeek()
				return fmt.Sprintf("%04d-W%02d", y, w) == d
			})
			if row.FirstResponse.Met != int64(e.met) || row.FirstResponse.Breached != int64(e.breached) {
				t.Errorf("by %s %s %s: met %d breached %d, want %d %d", by, d, row.Group[report.Channel],
					row.FirstResponse.Met, row.FirstResponse.Breached, e.met, e.breached)
			}
		}
		if met != rep.Total.FirstResponse.Met || breached != rep.Total.FirstResponse.Breached {
			t.Errorf("by %s: rows add up to %d met %d breached, total says %d %d", by, met, breached, rep.Total.FirstResponse.Met, rep.Total.FirstResponse.Breached)
		}
		if by == report.Week && len(rep.Rows) != 6*2 { // 1 Nov 2026 is a Sunday, 30 Nov a Monday: weeks 44-49
			t.Errorf("by week: %d rows, want 12", len(rep.Rows))
		}
	}
}

// TestZone: the breaches of a Berlin-zone report are exact in Berlin (a
// breach at 23:30 UTC on 30 November is 1 December in Berlin); the
// aggregates' UTC rule is noted.
func TestZone(t *testing.T) {
	h := store.NewMemoryAt(func() time.Time { return now })
	mk := func(id string, ended time.Time) history.Record {
		r := history.Record{Source: "s", Ticket: id, Metric: history.FirstResponse, Policy: "p",
			Started: ended.Add(-2 * time.Hour), Due: ended.Add(-time.Hour), Ended: ended}
		r.Measure(nil, true, 0)
		return r
	}
	record(t, h, []history.Record{
		mk("in", time.Date(2026, 11, 30, 22, 30, 0, 0, time.UTC)),    // 23:30 Berlin on the 30th
		mk("out", time.Date(2026, 11, 30, 23, 30, 0, 0, time.UTC)),   // 00:30 Berlin on 1 December
		mk("early", time.Date(2026, 10, 31, 23, 30, 0, 0, time.UTC)), // 00:30 Berlin on 1 November
	})
	q, err := report.Parse("2026-11-01", "2026-11-30", "", "Europe/Berlin", true)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := (&report.Service{History: h}).Run(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, b := range rep.Breaches {
		ids = append(ids, b.Ticket)
		if b.Ended.Location().String() != "Europe/Berlin" {
			t.Errorf("breach %s ended in %s, want Berlin time", b.Ticket, b.Ended.Location())
		}
	}
	if !slices.Equal(ids, []string{"early", "in"}) {
		t.Errorf("breaches in Berlin's November: %v, want [early in]", ids)
	}
	// The aggregates read UTC November: in and out, not early.
	if rep.Total.FirstResponse.Breached != 2 {
		t.Errorf("aggregated breaches %d, want 2 (UTC days)", rep.Total.FirstResponse.Breached)
	}
	if rep.DayBasis != "UTC" || len(rep.Notes) == 0 || !strings.Contains(rep.Notes[0], "UTC day") {
		t.Errorf("day basis %q, notes %q: want the UTC-day rule stated", rep.DayBasis, rep.Notes)
	}
}

func TestParseAndValidate(t *testing.T) {
	tests := []struct {
		name             string
		from, to, by, tz string
		param            string // "" valid
	}{
		{"valid", "2026-11-01", "2026-11-30", "team,policy,day", "Europe/Berlin", ""},
		{"one day", "2026-11-01", "2026-11-01", "", "", ""},
		{"no from", "", "2026-11-30", "", "", "from"},
		{"bad from", "1 Nov", "2026-11-30", "", "", "from"},
		{"no to", "2026-11-01", "", "", "", "to"},
		{"bad to", "2026-11-01", "2026-13-01", "", "", "to"},
		{"to before from", "2026-11-30", "2026-11-01", "", "", "to"},
		{"unknown by", "2026-11-01", "2026-11-30", "team,agent", "", "by"},
		{"empty by item", "2026-11-01", "2026-11-30", "team,", "", "by"},
		{"unknown zone", "2026-11-01", "2026-11-30", "", "Mars/Olympus", "tz"},
		{"Local is no zone", "2026-11-01", "2026-11-30", "", "Local", "tz"},
		{"over the retention", "2025-01-01", "2026-11-30", "", "", "from"},
		{"exactly the retention", "2025-10-27", "2026-11-30", "", "", ""}, // 400 days
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, err := report.Parse(tt.from, tt.to, tt.by, tt.tz, false)
			if err == nil {
				err = q.Validate(store.DefaultRetention)
			}
			var qe *report.Error
			switch {
			case tt.param == "" && err != nil:
				t.Errorf("error %v, want none", err)
			case tt.param != "" && (!errors.As(err, &qe) || qe.Parameter != tt.param || !errors.Is(err, report.ErrQuery)):
				t.Errorf("error %v, want a report.Error naming %q", err, tt.param)
			}
		})
	}
	// The service refuses the same, before reading anything.
	_, err := (&report.Service{History: nil}).Run(context.Background(), report.Query{From: date("2026-11-02"), To: date("2026-11-01")})
	if !errors.Is(err, report.ErrQuery) {
		t.Errorf("Run with to before from: %v", err)
	}
}

// TestCSV parses the CSV back: the header, one row per group, and numbers
// a spreadsheet reads as numbers.
func TestCSV(t *testing.T) {
	rs := trace(200)
	h := store.NewMemoryAt(func() time.Time { return now })
	record(t, h, rs)
	rep, err := (&report.Service{History: h}).Run(context.Background(), report.Query{From: date("2026-11-01"), To: date("2026-11-30"),
		By: []report.Dimension{report.Team, report.Channel}, Breaches: true})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := rep.WriteCSV(&buf); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "\r\n") {
		t.Error("CSV lines do not end in CRLF (RFC 4180)")
	}
	recs, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(recs[0], report.CSVHeader(rep.By)) || recs[0][0] != "team" || recs[0][2] != "first_response_met" {
		t.Fatalf("header %q", recs[0])
	}
	if len(recs) != 1+len(rep.Rows) || len(rep.Rows) != 6 {
		t.Fatalf("%d records, want a header and %d rows (3 teams × 2 channels)", len(recs), len(rep.Rows))
	}
	col := func(name string) int { return slices.Index(recs[0], name) }
	for i, rec := range recs[1:] {
		row := rep.Rows[i]
		if rec[0] != row.Group[report.Team] || rec[1] != row.Group[report.Channel] {
			t.Errorf("row %d: group %q, want %v", i, rec[:2], row.Group)
		}
		met, err := strconv.ParseInt(rec[col("first_response_met")], 10, 64)
		if err != nil || met != row.FirstResponse.Met {
			t.Errorf("row %d: met %q, want %d", i, rec[col("first_response_met")], row.FirstResponse.Met)
		}
		for _, c := range []string{"first_response_attainment_pct", "first_response_business_p90_min"} {
			if _, err := strconv.ParseFloat(rec[col(c)], 64); err != nil {
				t.Errorf("row %d: %s %q is not a plain number", i, c, rec[col(c)])
			}
		}
	}

	buf.Reset()
	if err := rep.WriteBreachesCSV(&buf); err != nil {
		t.Fatal(err)
	}
	brs, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(brs) != 1+len(rep.Breaches) || len(rep.Breaches) == 0 || brs[1][9] != rep.Breaches[0].URL {
		t.Errorf("breach CSV: %d records for %d breaches; first %q", len(brs), len(rep.Breaches), brs[min(1, len(brs)-1)])
	}
}

// TestJSONFieldNames pins the documented field names.
func TestJSONFieldNames(t *testing.T) {
	h := store.NewMemoryAt(func() time.Time { return now })
	record(t, h, trace(20))
	rep, err := (&report.Service{History: h}).Run(context.Background(), report.Query{From: date("2026-11-01"), To: date("2026-11-30"), By: []report.Dimension{report.Day}, Breaches: true})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(rep)
	for _, f := range []string{`"from":"2026-11-01"`, `"to":"2026-11-30"`, `"zone":"UTC"`, `"by":["day"]`, `"day_basis":"UTC"`, `"rows":[{"group":{"day":"2026-11-`,
		`"first_response":{"met":`, `"attainment_pct":`, `"business_p50_min":`, `"calendar_p90_min":`, `"breaches_by_lateness":{"lt_15m":`,
		`"next_reply":`, `"promise":{"met":`, `"total":`, `"breaches":[{"source":"zendesk","ticket_id":`, `"lateness_min":`, `"ticket_url":"https://`} {
		if !bytes.Contains(b, []byte(f)) {
			t.Errorf("JSON lacks %s", f)
		}
	}
	var back report.Report
	if err := json.Unmarshal(b, &back); err != nil || back.Total.FirstResponse.Met != rep.Total.FirstResponse.Met {
		t.Errorf("JSON does not read back: %v", err)
	}
}

// TestPromiseKeptRate works a small set by hand: per team, the promises
// kept and broken, the kept-rate and how late the broken ones were; a
// broken promise is neither a first-response figure nor a listed breach.
func TestPromiseKeptRate(t *testing.T) {
	day := time.Date(2026, 11, 10, 9, 0, 0, 0, time.UTC)
	i := 0
	// mk is a record of ticket i: started at day, due in an hour, ended
	// after took.
	mk := func(metric, team string, took time.Duration) history.Record {
		i++
		r := history.Record{Source: "zendesk", Ticket: strconv.Itoa(i), Metric: metric, Policy: "hour", Team: team,
			Channel: event.Email, Priority: event.Normal, Started: day, Due: day.Add(time.Hour), Ended: day.Add(took)}
		r.Measure(nil, true, 0)
		return r
	}
	p, fr := history.Promise, history.FirstResponse
	rs := []history.Record{
		// billing: 3 kept, 1 broken by 20m → 75%.
		mk(p, "billing", 30*time.Minute), mk(p, "billing", 59*time.Minute), mk(p, "billing", time.Hour), mk(p, "billing", 80*time.Minute),
		// support: 1 kept, 2 broken by 10m and 5h → 33.33%; and one SLA
		// breach, late by 2h.
		mk(p, "support", 10*time.Minute), mk(p, "support", 70*time.Minute), mk(p, "support", 6*time.Hour),
		mk(fr, "support", 3*time.Hour),
	}
	// A broken promise of 1 December is out of the range.
	late := mk(p, "billing", 2*time.Hour)
	late.Started, late.Due, late.Ended = late.Started.AddDate(0, 0, 21), late.Due.AddDate(0, 0, 21), late.Ended.AddDate(0, 0, 21)
	rs = append(rs, late)

	h := store.NewMemoryAt(func() time.Time { return now })
	record(t, h, rs)
	rep, err := (&report.Service{History: h}).Run(context.Background(), report.Query{From: date("2026-11-01"), To: date("2026-11-30"),
		By: []report.Dimension{report.Team}, Breaches: true})
	if err != nil {
		t.Fatal(err)
	}
	type want struct {
		kept, broken int64
		pct          float64
		late         report.Lateness
	}
	for _, c := range []struct {
		what string
		got  report.Figures
		want want
	}{
		{"billing", rep.Rows[0].Promise, want{3, 1, 75, report.Lateness{To1h: 1}}},
		{"support", rep.Rows[1].Promise, want{1, 2, 33.33, report.Lateness{Under15m: 1, To24h: 1}}},
		{"total", rep.Total.Promise, want{4, 3, 57.14, report.Lateness{Under15m: 1, To1h: 1, To24h: 1}}},
	} {
		f := c.got
		if f.Met != c.want.kept || f.Breached != c.want.broken || f.AttainmentPct == nil || *f.AttainmentPct != c.want.pct ||
			f.BreachesByLateness != c.want.late || f.Answered != c.want.kept+c.want.broken || f.BusinessP50Min != nil {
			t.Errorf("%s: kept %d broken %d kept-rate %s lateness %+v answered %d p50 %s; want %d %d %v %+v %d null",
				c.what, f.Met, f.Breached, fmtPtr(f.AttainmentPct), f.BreachesByLateness, f.Answered, fmtPtr(f.BusinessP50Min),
				c.want.kept, c.want.broken, c.want.pct, c.want.late, c.want.kept+c.want.broken)
		}
	}
	if rows := rep.Rows; len(rows) != 2 || rows[0].Group[report.Team] != "billing" || rows[0].FirstResponse.Met+rows[0].FirstResponse.Breached != 0 ||
		rows[1].FirstResponse.Breached != 1 || rows[1].FirstResponse.BreachesByLateness != (report.Lateness{To4h: 1}) {
		t.Errorf("rows %+v: want billing without first responses, support with one breach late by 2h", rows)
	}
	if len(rep.Breaches) != 1 || rep.Breaches[0].Metric != fr {
		t.Errorf("breaches %+v, want the first response only", rep.Breaches)
	}

	// The table and the CSV carry the kept-rate.
	var buf bytes.Buffer
	if err := rep.WriteCSV(&buf); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := func(name string) int { return slices.Index(recs[0], name) }
	for i, w := range [][3]string{{"3", "1", "75"}, {"1", "2", "33.33"}} {
		if c := col("promise_kept"); c < 0 || !slices.Equal(recs[1+i][c:c+3], w[:]) || recs[1+i][col("promise_late_15m_1h")] != [2]string{"1", "0"}[i] {
			t.Errorf("CSV row %d: %q, want promise kept, broken, kept %% %q", i, recs[1+i], w)
		}
	}
	buf.Reset()
	if err := rep.WriteTable(&buf); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(buf.String(), "\n")
	for i, w := range [][]string{{"75.0%", "3", "1"}, {"33.3%", "1", "2"}, {"57.1%", "4", "3"}} {
		if f := strings.Fields(lines[3+i]); len(f) < 3 || !slices.Equal(f[len(f)-3:], w) {
			t.Errorf("table line %q does not end in %q", lines[3+i], w)
		}
	}
}

// TestResolutionFigures works resolution clocks by hand: times to solve of
// days, met and breached, lateness past a day, in the JSON, CSV, table and
// breach list, apart from the first responses.
func TestResolutionFigures(t *testing.T) {
	day := time.Date(2026, 11, 10, 9, 0, 0, 0, time.UTC)
	mk := func(id string, metric string, took, business time.Duration) history.Record {
		r := history.Record{Source: "zendesk", Ticket: id, Metric: metric, Policy: "contract", Team: "support",
			Channel: event.Email, Priority: event.Normal, Started: day, Due: day.Add(72 * time.Hour), Ended: day.Add(took)}
		r.Measure(nil, true, 0)
		r.Business = business // as if on a business calendar
		return r
	}
	res := history.Resolution
	rs := []history.Record{
		mk("1", res, 30*time.Hour, 10*time.Hour),  // met
		mk("2", res, 50*time.Hour, 20*time.Hour),  // met
		mk("3", res, 80*time.Hour, 26*time.Hour),  // breached by 8h
		mk("4", res, 100*time.Hour, 30*time.Hour), // breached by 28h
		mk("1", history.FirstResponse, 2*time.Hour, 2*time.Hour),
	}
	h := store.NewMemoryAt(func() time.Time { return now })
	record(t, h, rs)
	rep, err := (&report.Service{History: h}).Run(context.Background(), report.Query{From: date("2026-11-01"), To: date("2026-11-30"), Breaches: true})
	if err != nil {
		t.Fatal(err)
	}
	f := rep.Total.Resolution
	if f.Met != 2 || f.Breached != 2 || f.NotNeeded != 0 || f.Answered != 4 || f.AttainmentPct == nil || *f.AttainmentPct != 50 ||
		f.BreachesByLateness != (report.Lateness{To24h: 1, Over24h: 1}) {
		t.Errorf("resolution %+v (attainment %s): want 2 met, 2 breached, 50%%, 4 answered, late 4h-24h and >=24h", f, fmtPtr(f.AttainmentPct))
	}
	// The true median is between 20h and 26h business, 50h and 80h
	// calendar; the estimate stays inside the buckets holding them.
	within := func(what string, p *float64, lo, hi time.Duration) {
		if p == nil || *p < lo.Minutes() || *p > hi.Minutes() {
			t.Errorf("%s = %s min, want between %v and %v", what, fmtPtr(p), lo, hi)
		}
	}
	within("business p50", f.BusinessP50Min, 16*time.Hour, 36*time.Hour)
	within("business p90", f.BusinessP90Min, 24*time.Hour, 36*time.Hour)
	within("calendar p50", f.CalendarP50Min, 48*time.Hour, 96*time.Hour)
	if fr := rep.Total.FirstResponse; fr.Met != 1 || fr.Breached != 0 {
		t.Errorf("first response %+v: want the one met, no resolution in it", fr)
	}
	if len(rep.Breaches) != 2 || rep.Breaches[0].Metric != res || rep.Breaches[0].LatenessMin != 8*60 || rep.Breaches[1].LatenessMin != 28*60 {
		t.Errorf("breaches %+v, want the two resolutions, late by 8h and 28h", rep.Breaches)
	}

	b, _ := json.Marshal(rep)
	if !bytes.Contains(b, []byte(`"resolution":{"met":2,"breached":2,"not_needed":0,"attainment_pct":50,`)) {
		t.Errorf("JSON lacks the resolution figures: %s", b)
	}
	var buf bytes.Buffer
	if err := rep.WriteCSV(&buf); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := func(name string) int { return slices.Index(recs[0], name) }
	if c := col("resolution_met"); c < 0 || recs[1][c] != "2" || recs[1][col("resolution_attainment_pct")] != "50" || recs[1][col("resolution_late_ge_24h")] != "1" {
		t.Errorf("CSV %q", recs)
	}
	// Appended last, so that the columns before keep their places.
	if n := len(recs[0]); col("promise_late_ge_24h") != n-15 || col("resolution_met") != n-14 || col("resolution_late_ge_24h") != n-1 {
		t.Errorf("the resolution columns are not last: header %q", recs[0])
	}
	buf.Reset()
	if err := rep.WriteTable(&buf); err != nil {
		t.Fatal(err)
	}
	// The total: first response 100% 1 0 …, then resolution 50% 2 2 and
	// its business median (the histogram's 24h bound), before the promises.
	lines := strings.Split(buf.String(), "\n")
	if !strings.Contains(lines[2], "resolution  met  breached  p50 business  p90 business  promises") ||
		!strings.Contains(strings.Join(strings.Fields(lines[3]), " "), " 50.0% 2 2 24h0m ") {
		t.Errorf("table:\n%s", buf.String())
	}
}
