package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/slawatch/slawatch/shared/event"
	"github.com/slawatch/slawatch/shared/replay"
)

// columnGap separates the table's columns: the tabwriter pads with at least
// three spaces, and "estimate (p90)" holds one.
var columnGap = regexp.MustCompile(`\s{2,}`)

// replayTable runs slawatch replay with args and returns the table's rows,
// each split into its columns, keyed by the first ("estimate (p90)").
func replayTable(t *testing.T, args ...string) map[string][]string {
	t.Helper()
	var out bytes.Buffer
	if err := run(context.Background(), append([]string{"replay"}, args...), &out, &out); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	// The estimate, the fixed promise and three baselines.
	if len(lines) != 6 || !strings.HasPrefix(lines[0], "promise ") {
		t.Fatalf("replay printed:\n%s", out.String())
	}
	rows := map[string][]string{}
	for _, l := range lines[1:] {
		cols := columnGap.Split(strings.TrimSpace(l), -1)
		if len(cols) != 7 {
			t.Fatalf("row %q has %d columns", l, len(cols))
		}
		rows[cols[0]] = cols
	}
	return rows
}

// generateTrace runs slawatch replay generate with args into a temp file.
func generateTrace(t *testing.T, args ...string) string {
	t.Helper()
	var out, errOut bytes.Buffer
	if err := run(context.Background(), append([]string{"replay", "generate"}, args...), &out, &errOut); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "trace.jsonl")
	if err := os.WriteFile(p, out.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// The default scenario, seed 1: 30 days with a two-day burst. The estimate
// keeps at least 90% of its promises; the canned promise is 24h for every
// ticket.
func TestReplayPipeline(t *testing.T) {
	trace := generateTrace(t, "--seed", "1")
	rows := replayTable(t, trace)
	est, fixed := rows["estimate (p90)"], rows["fixed 24h"]
	if est == nil || fixed == nil {
		t.Fatalf("rows %v", rows)
	}
	t.Logf("\n%v\n%v", est, fixed)
	for _, b := range replay.BaselineNames {
		r := rows[b]
		if r == nil || r[1] != est[1] || r[5] != est[5] {
			t.Errorf("baseline %s: %v; want the estimate's tickets and median actual (%s, %s)", b, r, est[1], est[5])
		}
	}
	kept, err := strconv.ParseFloat(strings.TrimSuffix(est[3], "%"), 64)
	if err != nil || kept < 90 {
		t.Errorf("estimate kept %s, want >= 90%%", est[3])
	}
	if est[1] != fixed[1] || est[1] == "0" {
		t.Errorf("tickets: estimate %s, fixed %s", est[1], fixed[1])
	}
	if fixed[4] != "24h00m" {
		t.Errorf("fixed median promise %s, want 24h00m", fixed[4])
	}
	if est[5] != fixed[5] {
		t.Errorf("median actual differs: %s, %s (same trace, same replies)", est[5], fixed[5])
	}

	// The same numbers as JSON.
	var out bytes.Buffer
	if err := run(context.Background(), []string{"replay", "--json", trace}, &out, &out); err != nil {
		t.Fatal(err)
	}
	var res map[string]replayRow
	dec := json.NewDecoder(&out)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&res); err != nil {
		t.Fatal(err)
	}
	e, f := res["estimate"], res["fixed"]
	if e.Promise != "estimate (p90)" || f.Promise != "fixed 24h" {
		t.Errorf("promises %q, %q", e.Promise, f.Promise)
	}
	if strconv.Itoa(e.Kept) != est[2] || strconv.Itoa(f.Tickets) != fixed[1] || e.KeptRate < 0.9 || e.KeptRate > 1 {
		t.Errorf("JSON %+v, %+v disagrees with the table %v, %v", e, f, est, fixed)
	}
	if f.MedianPromiseSeconds != (24 * time.Hour).Seconds() {
		t.Errorf("fixed median promise %vs, want 86400", f.MedianPromiseSeconds)
	}
	if want := f.MedianPromiseSeconds / f.MedianActualSeconds; f.Ratio != want {
		t.Errorf("ratio %v, want %v", f.Ratio, want)
	}
}

// Three tickets on Monday 23 November 2026 in New York (the built-in office
// calendar, 09-17), in the file out of order:
//
//	a created 10:00, answered 11:00 (1h)
//	b created 10:30, answered 14:00 (3h30m)
//	c created 16:00, answered Tuesday 10:00 (18h)
//
// With no history the estimate promises the 2h target in business time:
// a by 12:00 (kept), b by 12:30 (broken), c by Tuesday 10:00 — one hour on
// Monday, one on Tuesday — kept to the second. Promises 2h, 2h, 18h: median
// 2h; actual 1h, 3h30m, 18h: median 3h30m; 2/3.5 = 0.57x.
// A fixed 3h keeps only a: median promise 3h, 3/3.5 = 0.86x.
const handTrace = `{"source":"s","ticket_id":"c","event_id":"c1","kind":"ticket_created","occurred_at":"2026-11-23T16:00:00-05:00"}
{"source":"s","ticket_id":"a","event_id":"a1","kind":"ticket_created","occurred_at":"2026-11-23T10:00:00-05:00"}
{"source":"s","ticket_id":"b","event_id":"b2","kind":"agent_reply","occurred_at":"2026-11-23T19:00:00Z","author":"agent","public":true}

{"source":"s","ticket_id":"b","event_id":"b1","kind":"ticket_created","occurred_at":"2026-11-23T15:30:00Z"}
{"source":"s","ticket_id":"a","event_id":"a2","kind":"agent_reply","occurred_at":"2026-11-23T11:00:00-05:00","author":"agent","public":true}
{"source":"s","ticket_id":"b","event_id":"b3","kind":"internal_note","occurred_at":"2026-11-23T11:00:00-05:00","author":"agent"}
{"source":"s","ticket_id":"c","event_id":"c2","kind":"agent_reply","occurred_at":"2026-11-24T10:00:00-05:00","author":"agent","public":true}
`

func TestReplayByHand(t *testing.T) {
	p := filepath.Join(t.TempDir(), "hand.jsonl")
	if err := os.WriteFile(p, []byte(handTrace), 0o600); err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{
		"estimate (p75)": {"estimate (p75)", "3", "2", "66.7%", "2h00m", "3h30m", "0.57x"},
		"fixed 3h":       {"fixed 3h", "3", "1", "33.3%", "3h00m", "3h30m", "0.86x"},
	}
	// Flags before and after the file.
	for _, args := range [][]string{
		{"--target", "2h", "--quantile", "0.75", "--fixed", "3h", p},
		{"--target", "2h", p, "--quantile", "0.75", "--fixed", "3h"},
	} {
		got := replayTable(t, args...)
		for name, w := range want {
			if strings.Join(got[name], "|") != strings.Join(w, "|") {
				t.Errorf("%v: row %v, want %v", args, got[name], w)
			}
		}
	}

	// Standard input.
	var out bytes.Buffer
	if err := replayCmd([]string{"--target", "2h", "--fixed", "3h", "--json", "-"}, strings.NewReader(handTrace), &out); err != nil {
		t.Fatal(err)
	}
	var res map[string]replayRow
	if err := json.Unmarshal(out.Bytes(), &res); err != nil {
		t.Fatal(err)
	}
	if e := res["estimate"]; e.Tickets != 3 || e.Kept != 2 || e.MedianPromiseSeconds != 7200 || e.MedianActualSeconds != 12600 {
		t.Errorf("estimate %+v", e)
	}
}

// A trace generated on a configured calendar has agents answer only in its
// hours: the split day 09-12, 13-17 in New York.
func TestReplayGenerateCalendar(t *testing.T) {
	ny := writeFile(t, nyConfig)
	for _, tt := range []struct {
		name  string
		args  []string
		hours [][2]int // open [from, to] in minutes, to included (a reply may close the day)
	}{
		{"built-in office", nil, [][2]int{{9 * 60, 17 * 60}}},
		{"configured", []string{"--config", ny, "--calendar", "support"}, [][2]int{{9 * 60, 12 * 60}, {13 * 60, 17 * 60}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p := generateTrace(t, append([]string{"--days", "7", "--seed", "3", "--channel", "chat", "--start", "2026-11-16"}, tt.args...)...)
			f, err := os.Open(p)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			trace, err := replay.ReadTrace(f)
			if err != nil {
				t.Fatal(err)
			}
			loc, _ := time.LoadLocation("America/New_York")
			replies := 0
			for _, e := range trace {
				if e.Kind == event.TicketCreated && e.Channel != event.Chat {
					t.Fatalf("channel %q", e.Channel)
				}
				if e.Kind != event.AgentReply {
					continue
				}
				replies++
				at := e.OccurredAt.In(loc)
				m := at.Hour()*60 + at.Minute()
				open := false
				for _, h := range tt.hours {
					open = open || (m >= h[0] && m <= h[1] && (m < h[1] || at.Second() == 0))
				}
				if wd := at.Weekday(); !open || wd == time.Saturday || wd == time.Sunday {
					t.Fatalf("reply at %v, outside the calendar", at)
				}
			}
			if replies < 100 {
				t.Errorf("only %d replies", replies)
			}
			if first := trace[0].OccurredAt.In(loc); first.Before(time.Date(2026, 11, 16, 0, 0, 0, 0, loc)) {
				t.Errorf("trace starts %v", first)
			}
		})
	}
}

func TestReplayGenerateIsDeterministic(t *testing.T) {
	gen := func(seed string) string {
		var out bytes.Buffer
		if err := run(context.Background(), []string{"replay", "generate", "--days", "3", "--seed", seed}, &out, &out); err != nil {
			t.Fatal(err)
		}
		return out.String()
	}
	if a, b := gen("7"), gen("7"); a != b || a == "" {
		t.Error("seed 7 gave two different traces")
	}
	if gen("7") == gen("8") {
		t.Error("seeds 7 and 8 gave the same trace")
	}
}

func TestReplayErrors(t *testing.T) {
	dir := t.TempDir()
	trace := filepath.Join(dir, "trace.jsonl")
	bad := filepath.Join(dir, "bad.jsonl")
	empty := filepath.Join(dir, "empty.jsonl")
	for p, s := range map[string]string{trace: handTrace, bad: "\n" + `{"source":"s","ticket_id":"1"}` + "\n", empty: "\n\n"} {
		if err := os.WriteFile(p, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	ny := writeFile(t, nyConfig)
	tests := []struct {
		name     string
		args     []string
		usage    bool
		contains string
	}{
		{"unknown flag", []string{"--speed", "2", trace}, true, "flag provided but not defined: -speed"},
		{"no file", nil, true, "one trace FILE"},
		{"two files", []string{trace, trace}, true, "got 2"},
		{"quantile above 1", []string{"--quantile", "1.5", trace}, true, "--quantile 1.5"},
		{"quantile 0", []string{"--quantile", "0", trace}, true, "--quantile 0"},
		{"quantile not a number", []string{"--quantile", "high", trace}, true, "quantile"},
		{"fixed 0", []string{"--fixed", "0s", trace}, true, "--fixed"},
		{"config without calendar", []string{"--config", ny, trace}, true, "give --calendar NAME"},
		{"unknown calendar", []string{"--calendar", "weekend", trace}, false, `no calendar "weekend" in the configuration (have: support)`},
		{"unknown calendar in file", []string{"--config", ny, "--calendar", "weekend", trace}, false, `no calendar "weekend"`},
		{"missing file", []string{filepath.Join(dir, "none.jsonl")}, false, "no such file"},
		{"invalid event", []string{bad}, false, "bad.jsonl: replay: line 2: invalid event: event_id: required"},
		{"empty trace", []string{empty}, false, "no events in the trace"},
		{"generate: unknown flag", []string{"generate", "--weeks", "2"}, true, "-weeks"},
		{"generate: argument", []string{"generate", "out.jsonl"}, true, "takes no arguments"},
		{"generate: no days", []string{"generate", "--days", "0"}, true, "--days"},
		{"generate: no agents", []string{"generate", "--agents", "0"}, true, "--agents"},
		{"generate: flood", []string{"generate", "--arrivals", "2000", "--burst-factor", "3"}, true, "at most 5000"},
		{"generate: negative burst", []string{"generate", "--burst-day", "-1"}, true, "--burst-day"},
		{"generate: channel", []string{"generate", "--channel", "fax"}, true, `--channel "fax"`},
		{"generate: start", []string{"generate", "--start", "Monday"}, true, `--start "Monday"`},
		{"generate: unknown calendar", []string{"generate", "--calendar", "weekend"}, false, `no calendar "weekend"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			err := run(context.Background(), append([]string{"replay"}, tt.args...), &out, &out)
			if err == nil {
				t.Fatalf("no error; printed:\n%s", out.String())
			}
			if errors.Is(err, errUsage) != tt.usage {
				t.Errorf("usage error = %v, want %v (%v)", errors.Is(err, errUsage), tt.usage, err)
			}
			if !strings.Contains(err.Error(), tt.contains) {
				t.Errorf("error %q does not mention %q", err, tt.contains)
			}
			if out.Len() > 0 {
				t.Errorf("printed %q before failing", out.String())
			}
		})
	}
}
