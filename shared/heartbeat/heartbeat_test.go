package heartbeat_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/slawatch/slawatch/shared/heartbeat"
	"github.com/slawatch/slawatch/shared/policy"
	"github.com/slawatch/slawatch/shared/store"
)

// The support team works Monday to Friday, 09:00-12:00 and 13:00-18:00 in
// Paris (UTC+1 in November and December 2026, UTC+2 until 25 October).
const config = `
calendars:
  support:
    timezone: Europe/Paris
    hours:
      mon: ["09:00-12:00", "13:00-18:00"]
      tue: ["09:00-12:00", "13:00-18:00"]
      wed: ["09:00-12:00", "13:00-18:00"]
      thu: ["09:00-12:00", "13:00-18:00"]
      fri: ["09:00-12:00", "13:00-18:00"]
sources:
  zendesk:
    expect_traffic: {within: 2h, calendar: support, rejections: 5}
  jira:
    expect_traffic: {within: 2h}
policies:
  - name: all
    first_response: {within: 1h}
`

func parse(t *testing.T) *policy.Config {
	t.Helper()
	c, err := policy.Parse([]byte(config))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// paris is a wall time in Paris; the offsets are written out in the
// tests' comments and checked here once.
func paris(t *testing.T, y int, m time.Month, d, hh, mm int) time.Time {
	t.Helper()
	loc, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	return time.Date(y, m, d, hh, mm, 0, 0, loc)
}

func TestEvaluate(t *testing.T) {
	c := parse(t)
	business, wall := *c.Sources["zendesk"].ExpectTraffic, *c.Sources["jira"].ExpectTraffic
	at := func(m time.Month, d, hh, mm int) time.Time { return paris(t, 2026, m, d, hh, mm) }
	// Friday 27 November 2026, 17:00 Paris: an hour before closing.
	friday := at(time.November, 27, 17, 0)
	utc := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	if !friday.Equal(utc("2026-11-27T16:00:00Z")) {
		t.Fatalf("Paris is UTC+1 in November: %v", friday)
	}
	for _, tc := range []struct {
		name string
		exp  policy.ExpectTraffic
		st   store.SourceTraffic
		now  time.Time
		want []heartbeat.Event
		next store.Alerts
	}{
		{
			// 17:00-18:00 Friday is one open hour; the weekend is closed.
			name: "Friday evening, quiet Saturday: not silent",
			exp:  business, st: store.SourceTraffic{LastAccepted: friday, Watched: friday},
			now: at(time.November, 28, 12, 0),
		},
		{
			// One hour Friday, 09:00-09:59 Monday: 1h59m.
			name: "Monday 09:59: not yet",
			exp:  business, st: store.SourceTraffic{LastAccepted: friday, Watched: friday},
			now: at(time.November, 30, 9, 59),
		},
		{
			// One hour Friday, one hour Monday from 09:00: silent at
			// Monday 10:00 Paris, 09:00 UTC.
			name: "Monday 10:00: silent",
			exp:  business, st: store.SourceTraffic{LastAccepted: friday, Watched: friday},
			now:  at(time.November, 30, 10, 0),
			want: []heartbeat.Event{{Kind: heartbeat.KindSilent, At: utc("2026-11-30T09:00:00Z"), Since: friday, Within: 2 * time.Hour}},
			next: store.Alerts{Silent: friday},
		},
		{
			// The checker was down all morning: At is still when the
			// silence reached two hours.
			name: "Monday 11:30, first check since: silent since 10:00",
			exp:  business, st: store.SourceTraffic{LastAccepted: friday, Watched: friday},
			now:  at(time.November, 30, 11, 30),
			want: []heartbeat.Event{{Kind: heartbeat.KindSilent, At: utc("2026-11-30T09:00:00Z"), Since: friday, Within: 2 * time.Hour}},
			next: store.Alerts{Silent: friday},
		},
		{
			// In calendar time the same source is silent at 19:00 Friday.
			name: "calendar time: Saturday noon is silent",
			exp:  wall, st: store.SourceTraffic{LastAccepted: friday, Watched: friday},
			now:  at(time.November, 28, 12, 0),
			want: []heartbeat.Event{{Kind: heartbeat.KindSilent, At: utc("2026-11-27T18:00:00Z"), Since: friday, Within: 2 * time.Hour}},
			next: store.Alerts{Silent: friday},
		},
		{
			// Tuesday 1 December, 11:00: 11:00-12:00 is one hour, lunch is
			// closed, 13:00-13:30 half an hour: 1h30m, where the wall
			// clock says 2h30m.
			name: "lunch gap: 13:30 not silent",
			exp:  business, st: store.SourceTraffic{LastAccepted: at(time.December, 1, 11, 0), Watched: friday},
			now: at(time.December, 1, 13, 30),
		},
		{
			name: "lunch gap: silent at 14:00",
			exp:  business, st: store.SourceTraffic{LastAccepted: at(time.December, 1, 11, 0), Watched: friday},
			now:  at(time.December, 1, 14, 0),
			want: []heartbeat.Event{{Kind: heartbeat.KindSilent, At: utc("2026-12-01T13:00:00Z"), Since: at(time.December, 1, 11, 0), Within: 2 * time.Hour}},
			next: store.Alerts{Silent: at(time.December, 1, 11, 0)},
		},
		{
			// Friday 23 October 17:00 is 15:00 UTC (summer time); clocks
			// go back on Sunday the 25th, so Monday 10:00 is 09:00 UTC.
			// Sixty-six hours of wall time, two of them open.
			name: "across the end of summer time",
			exp:  business, st: store.SourceTraffic{LastAccepted: utc("2026-10-23T15:00:00Z"), Watched: utc("2026-10-23T15:00:00Z")},
			now:  utc("2026-10-26T09:00:00Z"),
			want: []heartbeat.Event{{Kind: heartbeat.KindSilent, At: utc("2026-10-26T09:00:00Z"), Since: utc("2026-10-23T15:00:00Z"), Within: 2 * time.Hour}},
			next: store.Alerts{Silent: utc("2026-10-23T15:00:00Z")},
		},
		{
			name: "across the end of summer time: 08:59 UTC is 09:59 Paris, not yet",
			exp:  business, st: store.SourceTraffic{LastAccepted: utc("2026-10-23T15:00:00Z"), Watched: utc("2026-10-23T15:00:00Z")},
			now: utc("2026-10-26T08:59:00Z"),
		},
		{
			// Never heard from: the silence runs from the first check,
			// Monday 08:00 (closed), so from 09:00: silent at 11:00.
			name: "never sent, first checked before opening: 10:59 not yet",
			exp:  business, st: store.SourceTraffic{Watched: at(time.November, 30, 8, 0)},
			now: at(time.November, 30, 10, 59),
		},
		{
			name: "never sent: silent at 11:00",
			exp:  business, st: store.SourceTraffic{Watched: at(time.November, 30, 8, 0)},
			now:  at(time.November, 30, 11, 0),
			want: []heartbeat.Event{{Kind: heartbeat.KindSilent, At: utc("2026-11-30T10:00:00Z"), Since: at(time.November, 30, 8, 0), Within: 2 * time.Hour}},
			next: store.Alerts{Silent: at(time.November, 30, 8, 0)},
		},
		{
			name: "not yet watched: nothing to measure from",
			exp:  business, st: store.SourceTraffic{},
			now: at(time.November, 30, 17, 0),
		},
		{
			name: "silent alert already out: not sent again",
			exp:  business, st: store.SourceTraffic{LastAccepted: friday, Watched: friday, Alerts: store.Alerts{Silent: friday}},
			now:  at(time.December, 4, 17, 0),
			next: store.Alerts{Silent: friday},
		},
		{
			// Back is sent at any hour: Monday 19:00 is closed.
			name: "back after a silence",
			exp:  business, st: store.SourceTraffic{LastAccepted: at(time.November, 30, 18, 45), Watched: friday, Alerts: store.Alerts{Silent: friday}},
			now:  at(time.November, 30, 19, 0),
			want: []heartbeat.Event{{Kind: heartbeat.KindBack, At: at(time.November, 30, 18, 45), Since: friday, Ends: heartbeat.KindSilent}},
		},
		{
			// The checker missed the return: back at Monday 09:30, quiet
			// since, silent again from 11:30.
			name: "back and silent again in one check",
			exp:  business, st: store.SourceTraffic{LastAccepted: at(time.November, 30, 9, 30), Watched: friday, Alerts: store.Alerts{Silent: friday}},
			now: at(time.November, 30, 12, 0),
			want: []heartbeat.Event{
				{Kind: heartbeat.KindBack, At: at(time.November, 30, 9, 30), Since: friday, Ends: heartbeat.KindSilent},
				{Kind: heartbeat.KindSilent, At: at(time.November, 30, 11, 30), Since: at(time.November, 30, 9, 30), Within: 2 * time.Hour},
			},
			next: store.Alerts{Silent: at(time.November, 30, 9, 30)},
		},
		{
			name: "four refusals of five: nothing",
			exp:  business, st: store.SourceTraffic{LastAccepted: at(time.November, 30, 9, 30), Watched: friday, RejectedInARow: 4, LastRejected: at(time.November, 30, 9, 40)},
			now: at(time.November, 30, 9, 41),
		},
		{
			name: "five refusals in a row: rejected",
			exp:  business, st: store.SourceTraffic{LastAccepted: at(time.November, 30, 9, 30), Watched: friday, RejectedInARow: 5, LastRejected: at(time.November, 30, 9, 40)},
			now:  at(time.November, 30, 9, 41),
			want: []heartbeat.Event{{Kind: heartbeat.KindRejected, At: at(time.November, 30, 9, 40), Rejections: 5}},
			next: store.Alerts{Rejected: true},
		},
		{
			// Rejected is sent whatever the hour: events are being lost.
			name: "refusals on Saturday night: rejected",
			exp:  business, st: store.SourceTraffic{LastAccepted: friday, Watched: friday, RejectedInARow: 9, LastRejected: at(time.November, 28, 23, 0)},
			now:  at(time.November, 28, 23, 1),
			want: []heartbeat.Event{{Kind: heartbeat.KindRejected, At: at(time.November, 28, 23, 0), Rejections: 9}},
			next: store.Alerts{Rejected: true},
		},
		{
			name: "once per streak",
			exp:  business, st: store.SourceTraffic{LastAccepted: at(time.November, 30, 9, 30), Watched: friday, RejectedInARow: 50, LastRejected: at(time.November, 30, 9, 50), Alerts: store.Alerts{Rejected: true}},
			now:  at(time.November, 30, 9, 51),
			next: store.Alerts{Rejected: true},
		},
		{
			// Nothing accepted for hours, but the rejected alert says why:
			// no silent alert on top of it.
			name: "refused all day: rejected only",
			exp:  business, st: store.SourceTraffic{LastAccepted: at(time.November, 30, 9, 0), Watched: friday, RejectedInARow: 80, LastRejected: at(time.November, 30, 16, 0), Alerts: store.Alerts{Rejected: true}},
			now:  at(time.November, 30, 16, 1),
			next: store.Alerts{Rejected: true},
		},
		{
			name: "accepted after refusals: back",
			exp:  business, st: store.SourceTraffic{LastAccepted: at(time.November, 30, 10, 5), Watched: friday, LastRejected: at(time.November, 30, 9, 50), Alerts: store.Alerts{Rejected: true}},
			now:  at(time.November, 30, 10, 6),
			want: []heartbeat.Event{{Kind: heartbeat.KindBack, At: at(time.November, 30, 10, 5), Ends: heartbeat.KindRejected}},
		},
		{
			// A hand-built ExpectTraffic with no rejections uses the
			// default, five.
			name: "default rejections",
			exp:  policy.ExpectTraffic{Within: 2 * time.Hour}, st: store.SourceTraffic{LastAccepted: friday, Watched: friday, RejectedInARow: 5, LastRejected: friday.Add(time.Minute)},
			now:  friday.Add(2 * time.Minute),
			want: []heartbeat.Event{{Kind: heartbeat.KindRejected, At: friday.Add(time.Minute), Rejections: 5}},
			next: store.Alerts{Rejected: true},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.st.Source = "zendesk"
			for i := range tc.want {
				tc.want[i].Source = "zendesk"
			}
			got, next := heartbeat.Evaluate(tc.exp, tc.st, tc.now)
			if !sameEvents(got, tc.want) {
				t.Errorf("events\n got %v\nwant %v", got, tc.want)
			}
			if !next.Silent.Equal(tc.next.Silent) || next.Rejected != tc.next.Rejected {
				t.Errorf("next alerts %+v, want %+v", next, tc.next)
			}
		})
	}
}

func sameEvents(got, want []heartbeat.Event) bool {
	if len(got) != len(want) {
		return false
	}
	for i, g := range got {
		w := want[i]
		if g.Kind != w.Kind || g.Source != w.Source || !g.At.Equal(w.At) || !g.Since.Equal(w.Since) || g.Within != w.Within || g.Rejections != w.Rejections || g.Ends != w.Ends {
			return false
		}
	}
	return true
}

// A source's life through Check against a store: watched, silent once,
// back, refused, rejected once, back.
func TestCheck(t *testing.T) {
	c := parse(t)
	src := c.Sources["zendesk"]
	s := store.NewMemory()
	ctx := context.Background()
	at := func(d, hh, mm int) time.Time { return paris(t, 2026, time.November, d, hh, mm) }
	check := func(now time.Time, want ...string) {
		t.Helper()
		events, err := heartbeat.Check(ctx, s, src, now)
		if err != nil {
			t.Fatal(err)
		}
		var kinds []string
		for _, e := range events {
			kinds = append(kinds, e.Kind+"/"+e.Ends)
		}
		if len(kinds) != len(want) {
			t.Fatalf("check at %v: %v, want %v", now, kinds, want)
		}
		for i := range want {
			if kinds[i] != want[i] {
				t.Fatalf("check at %v: %v, want %v", now, kinds, want)
			}
		}
	}
	check(at(30, 8, 0))                            // Monday 08:00: first check, watched from now
	check(at(30, 10, 59))                          // 1h59m open since 09:00
	check(at(30, 11, 0), heartbeat.KindSilent+"/") // two hours
	check(at(30, 11, 1))                           // sent once
	if err := s.RecordAccepted(ctx, "zendesk", at(30, 11, 5)); err != nil {
		t.Fatal(err)
	}
	check(at(30, 11, 6), heartbeat.KindBack+"/"+heartbeat.KindSilent)
	check(at(30, 11, 7))
	for i := range 5 {
		if err := s.RecordRejected(ctx, "zendesk", at(30, 11, 10+i)); err != nil {
			t.Fatal(err)
		}
	}
	check(at(30, 11, 20), heartbeat.KindRejected+"/")
	check(at(30, 11, 21))
	if err := s.RecordAccepted(ctx, "zendesk", at(30, 11, 30)); err != nil {
		t.Fatal(err)
	}
	check(at(30, 11, 31), heartbeat.KindBack+"/"+heartbeat.KindRejected)
	check(at(30, 11, 32))

	if events, err := heartbeat.Check(ctx, s, c.Sources["generic"], at(30, 12, 0)); err != nil || events != nil {
		t.Errorf("a source without expect_traffic: %v, %v", events, err)
	}
}

// Checkers racing over one silent source: exactly one gets the alert.
func TestCheckRace(t *testing.T) {
	c := parse(t)
	s := store.NewMemory()
	ctx := context.Background()
	friday := paris(t, 2026, time.November, 27, 17, 0)
	if err := s.RecordAccepted(ctx, "zendesk", friday); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Watch(ctx, "zendesk", friday); err != nil {
		t.Fatal(err)
	}
	monday := paris(t, 2026, time.November, 30, 10, 0)
	var (
		mu   sync.Mutex
		sent int
		wg   sync.WaitGroup
	)
	for range 16 {
		wg.Go(func() {
			events, err := heartbeat.Check(ctx, s, c.Sources["zendesk"], monday)
			if err != nil {
				t.Error(err)
			}
			mu.Lock()
			sent += len(events)
			mu.Unlock()
		})
	}
	wg.Wait()
	if sent != 1 {
		t.Errorf("%d silent alerts sent by 16 racing checkers, want 1", sent)
	}
}
