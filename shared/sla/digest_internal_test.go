package sla

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/slawatch/slawatch/shared/event"
	"github.com/slawatch/slawatch/shared/history"
)

// TestDigestJSON: the hand-written JSON of a record is json.Marshal's byte
// for byte, and Digest what it was with json.Marshal (digests are stored:
// a different byte would make every recorded clock look unrecorded), for
// random records: empty and set optional fields, zero, odd and far times,
// negative durations, and strings that need escaping (left to
// json.Marshal).
func TestDigestJSON(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	safe := []string{"", "zendesk", "T-1", "owner/repo#42", "first_response", "a b", "~", "x=1;y=2"}
	odd := []string{`q"uote`, `back\slash`, "<b>", "a&b", "tab\there", "ünïcode", "\u2028", "\xff", "\x7f"}
	pick := func() string {
		if r.IntN(40) == 0 {
			return odd[r.IntN(len(odd))]
		}
		return safe[r.IntN(len(safe))]
	}
	times := []time.Time{{}, time.Date(2026, 11, 23, 9, 30, 0, 0, time.UTC), time.Date(2026, 11, 23, 9, 30, 0, 123456789, time.FixedZone("x", 3600)),
		time.Date(1, 1, 1, 0, 0, 0, 1, time.UTC), time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC), time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(-1, 1, 1, 0, 0, 0, 0, time.UTC), time.Unix(1764000000, 500).In(time.FixedZone("y", -7*3600))}
	tm := func() time.Time {
		if r.IntN(20) == 0 {
			return times[r.IntN(len(times))]
		}
		return times[1+r.IntN(2)]
	}
	dur := func() time.Duration { return []time.Duration{0, 1, -time.Hour, 90 * time.Minute, 1 << 62}[r.IntN(5)] }
	fast := 0
	for range 5000 {
		rec := history.Record{Source: pick(), Ticket: pick(), Metric: pick(), Cycle: r.IntN(3) - 1, Policy: pick(), Team: pick(),
			Channel: event.Channel(pick()), Priority: event.Priority(pick()), Started: tm(), Due: tm(), Ended: tm(),
			Outcome: history.Outcome(pick()), Answered: r.IntN(2) == 0, Business: dur(), Calendar: dur(), Lateness: dur()}
		u := rec.UTC()
		want, err := json.Marshal(u)
		if got, ok := appendRecordJSON(nil, u); ok {
			fast++
			if err != nil || !bytes.Equal(got, want) {
				t.Fatalf("%+v:\n got %s\nwant %s (%v)", u, got, want, err)
			}
		}
		if err != nil {
			continue // a time json.Marshal refuses: Digest panics, as it did
		}
		sum := sha256.Sum256(want)
		if d := Digest(rec); d != hex.EncodeToString(sum[:8]) {
			t.Fatalf("%+v: digest %s, want %x", rec, d, sum[:8])
		}
	}
	if fast < 1000 || fast > 4500 {
		t.Errorf("%d of 5000 records took the hand-written path: want most, not all", fast)
	}
}

// TestDigestJSONKnowsEveryField: appendRecordJSON writes the fields of
// history.Record it knows; a field added to the record would be left out
// of the digest (a change to it never seen as a revision) unless it is
// written there too.
func TestDigestJSONKnowsEveryField(t *testing.T) {
	known := []string{"Source", "Ticket", "Metric", "Cycle", "Policy", "Team", "Channel", "Priority",
		"Started", "Due", "Ended", "Outcome", "Answered", "Business", "Calendar", "Lateness", "URL", "Revision"}
	var got []string
	for f := range reflect.TypeFor[history.Record]().Fields() {
		got = append(got, f.Name)
	}
	if !slices.Equal(got, known) {
		t.Errorf("history.Record's fields are %v; appendRecordJSON writes %v: add the new ones to it (and here)", got, known)
	}
}
