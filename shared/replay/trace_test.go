package replay_test

import (
	"bytes"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/slawatch/slawatch/shared/event"
	"github.com/slawatch/slawatch/shared/replay"
)

func scenario(t *testing.T, seed uint64) replay.Scenario {
	t.Helper()
	cal := office(t)
	return replay.Scenario{
		Start: time.Date(2026, 11, 2, 0, 0, 0, 0, cal.Location()), Days: 30, Calendar: cal,
		ArrivalsPerDay: 40, BurstDay: 14, BurstDays: 2, BurstFactor: 3, AgentsPerHour: 8,
		Channel: event.Email, Seed: seed,
	}
}

// sameEvents compares events field by field, times with Equal: a trace
// keeps the instant and its offset, not the *time.Location.
func sameEvents(t *testing.T, got, want []event.Event) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%d events, want %d", len(got), len(want))
	}
	for i := range want {
		g, w := got[i], want[i]
		if !g.OccurredAt.Equal(w.OccurredAt) {
			t.Fatalf("event %d occurred at %v, want %v", i, g.OccurredAt, w.OccurredAt)
		}
		g.OccurredAt, w.OccurredAt = time.Time{}, time.Time{}
		if !reflect.DeepEqual(g, w) {
			t.Fatalf("event %d:\n got %+v\nwant %+v", i, g, w)
		}
	}
}

func TestTraceRoundTrip(t *testing.T) {
	trace := replay.Generate(scenario(t, 1))
	var buf bytes.Buffer
	if err := replay.WriteTrace(&buf, trace); err != nil {
		t.Fatal(err)
	}
	if lines := strings.Count(buf.String(), "\n"); lines != len(trace) {
		t.Errorf("%d lines for %d events", lines, len(trace))
	}
	got, err := replay.ReadTrace(&buf)
	if err != nil {
		t.Fatal(err)
	}
	sameEvents(t, got, trace)
	// Read back, times carry a fixed offset instead of the calendar's zone:
	// the replay must not notice.
	s := scenario(t, 1)
	for _, o := range []replay.Options{
		{Calendar: s.Calendar, Target: 8 * time.Hour},
		{Calendar: s.Calendar, Fixed: 24 * time.Hour},
	} {
		want, got := replay.Run(trace, o), replay.Run(got, o)
		if got != want {
			t.Errorf("fixed %v: replay of the trace read back %+v, of the generated one %+v", o.Fixed, got, want)
		}
	}
}

func TestReadTraceErrors(t *testing.T) {
	const ok = `{"source":"s","ticket_id":"1","event_id":"e1","kind":"ticket_created","occurred_at":"2026-11-23T10:00:00Z"}`
	long := `{"source":"s","ticket_id":"1","event_id":"e1","kind":"ticket_created","occurred_at":"2026-11-23T10:00:00Z",` +
		`"tags":["` + strings.Repeat("x", replay.MaxTraceLine) + `"]}`
	tests := []struct {
		name, in, want string
		invalid        bool // wraps event.ErrInvalid
	}{
		{"bad JSON", ok + "\n\n" + `{"source":"s",` + "\n", "replay: line 3: malformed event", false},
		{"invalid event", ok + "\n" + `{"source":"s","ticket_id":"1","event_id":"e2","kind":"ticket_closed","occurred_at":"2026-11-23T10:00:00Z"}` + "\n", `replay: line 2: invalid event: kind: unknown kind "ticket_closed"`, true},
		{"missing time", "\n" + `{"source":"s","ticket_id":"1","event_id":"e1","kind":"ticket_created"}`, "replay: line 2: invalid event: occurred_at: required", true},
		{"unknown field", `{"source":"s","ticket_id":"1","event_id":"e1","kind":"ticket_created","ocurred_at":"2026-11-23T10:00:00Z"}`, `replay: line 1: malformed event: json: unknown field "ocurred_at"`, false},
		{"bad time", `{"source":"s","ticket_id":"1","event_id":"e1","kind":"ticket_created","occurred_at":"Monday"}`, "replay: line 1: malformed event", false},
		{"two values on a line", ok + " " + ok, "replay: line 1: malformed event: more than one JSON value", false},
		{"array", "[" + ok + "]", "replay: line 1: malformed event", false},
		{"line too long", ok + "\r\n" + ok + "\n" + long + "\n" + ok + "\n", fmt.Sprintf("replay: line 3: longer than %d bytes", replay.MaxTraceLine), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := replay.ReadTrace(strings.NewReader(tt.in))
			if err == nil {
				t.Fatal("no error")
			}
			if !strings.HasPrefix(err.Error(), tt.want) {
				t.Errorf("error %q, want it to start with %q", err, tt.want)
			}
			if errors.Is(err, event.ErrInvalid) != tt.invalid {
				t.Errorf("errors.Is(err, event.ErrInvalid) = %v, want %v", !tt.invalid, tt.invalid)
			}
		})
	}
}

// A line of exactly MaxTraceLine bytes is accepted, with a CRLF ending.
func TestReadTraceLongestLine(t *testing.T) {
	head := `{"source":"s","ticket_id":"1","event_id":"e1","kind":"ticket_created","occurred_at":"2026-11-23T10:00:00Z","tags":["`
	tail := `"]}`
	line := head + strings.Repeat("x", replay.MaxTraceLine-len(head)-len(tail)) + tail
	evs, err := replay.ReadTrace(strings.NewReader(line + "\r\n"))
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 1 || len(evs[0].Tags[0]) != replay.MaxTraceLine-len(head)-len(tail) {
		t.Errorf("read %d events", len(evs))
	}
}

// Out-of-order input comes back sorted by occurred-at; events at the same
// instant keep their order in the file. Times in different offsets compare
// as instants.
func TestReadTraceSorts(t *testing.T) {
	in := `{"source":"s","ticket_id":"b","event_id":"b-c","kind":"ticket_created","occurred_at":"2026-11-23T10:00:00-05:00"}
{"source":"s","ticket_id":"a","event_id":"a-r","kind":"agent_reply","occurred_at":"2026-11-23T16:00:00Z","author":"agent","public":true}

{"source":"s","ticket_id":"a","event_id":"a-c","kind":"ticket_created","occurred_at":"2026-11-23T09:00:00-05:00"}
{"source":"s","ticket_id":"c","event_id":"c-c","kind":"ticket_created","occurred_at":"2026-11-23T15:00:00Z"}
`
	evs, err := replay.ReadTrace(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, e := range evs {
		ids = append(ids, e.ID)
	}
	// b-c (15:00Z) and c-c (15:00Z) tie: file order.
	if want := []string{"a-c", "b-c", "c-c", "a-r"}; !slices.Equal(ids, want) {
		t.Errorf("order %v, want %v", ids, want)
	}
}

// Helpdesks redeliver events. A trace holding a created event and a reply
// twice, the copies written at the end of the file, replays exactly like the
// trace without them: the estimate and the fixed promise alike.
func TestDuplicatesDoNotChangeTheReplay(t *testing.T) {
	s := scenario(t, 1)
	trace := replay.Generate(s)
	// A created event and a reply from mid-trace, of different tickets, so
	// the copies land among other tickets' events once sorted.
	i := slices.IndexFunc(trace, func(e event.Event) bool {
		return e.Kind == event.TicketCreated && e.OccurredAt.After(s.Start.AddDate(0, 0, 10))
	})
	j := slices.IndexFunc(trace, func(e event.Event) bool {
		return e.Kind == event.AgentReply && e.OccurredAt.After(s.Start.AddDate(0, 0, 20))
	})
	if i < 0 || j < 0 {
		t.Fatal("no events to duplicate")
	}
	var buf bytes.Buffer
	if err := replay.WriteTrace(&buf, append(slices.Clone(trace), trace[i], trace[j])); err != nil {
		t.Fatal(err)
	}
	dup, err := replay.ReadTrace(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if len(dup) != len(trace)+2 {
		t.Fatalf("read %d events, want %d: duplicates must be kept", len(dup), len(trace)+2)
	}
	for _, o := range []replay.Options{
		{Calendar: s.Calendar, Target: 8 * time.Hour},
		{Calendar: s.Calendar, Fixed: 24 * time.Hour},
	} {
		want, got := replay.Run(trace, o), replay.Run(dup, o)
		if got != want {
			t.Errorf("fixed %v: with duplicates %+v, without %+v", o.Fixed, got, want)
		}
	}
}

// TraceReader steps over a bad line, naming it, and reads on; a line too
// long for its buffer ends the trace.
func TestTraceReaderGoesOn(t *testing.T) {
	good := `{"source":"s","ticket_id":"t","event_id":"e%d","kind":"ticket_created","occurred_at":"2026-11-02T10:00:00Z"}`
	in := fmt.Sprintf(good, 1) + "\n\n" + `{"source":"s","ticket_id":"t","event_id":"e2","kind":"exploded","occurred_at":"2026-11-02T10:00:00Z"}` +
		"\n" + fmt.Sprintf(good, 3) + "\n" + strings.Repeat("x", replay.MaxTraceLine+10) + "\n" + fmt.Sprintf(good, 5) + "\n"
	tr := replay.NewTraceReader(strings.NewReader(in))
	var ids []string
	var lineErrs []int
	for {
		e, err := tr.Next()
		var le *replay.LineError
		switch {
		case err == nil:
			ids = append(ids, e.ID)
			continue
		case errors.As(err, &le) && le.Line == 3 && tr.Err() == nil:
			if !strings.Contains(err.Error(), "replay: line 3: invalid event: kind:") {
				t.Errorf("line 3: %v, want the field named", err)
			}
			lineErrs = append(lineErrs, le.Line)
			continue
		case errors.As(err, &le):
			lineErrs = append(lineErrs, le.Line)
		}
		if _, again := tr.Next(); again != err || tr.Err() != err {
			t.Errorf("after the end: %v, then %v", err, again)
		}
		break
	}
	if fmt.Sprint(ids) != "[e1 e3]" || fmt.Sprint(lineErrs) != "[3 5]" {
		t.Errorf("read %v with errors on lines %v, want [e1 e3] and errors on lines [3 5]", ids, lineErrs)
	}
}
