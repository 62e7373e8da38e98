package silence_test

import (
	"errors"
	"maps"
	"strings"
	"testing"
	"time"

	"github.com/slawatch/slawatch/shared/notify"
	"github.com/slawatch/slawatch/shared/silence"
)

var now = time.Date(2026, 12, 20, 9, 0, 0, 0, time.UTC)

func TestSilenceParse(t *testing.T) {
	for _, tc := range []struct {
		in      string
		want    map[string]string
		wantErr string // substring of the error; the field is always match
	}{
		{in: "source=zendesk,team=billing", want: map[string]string{"source": "zendesk", "team": "billing"}},
		{in: " source = zendesk , kind=sla.breach ", want: map[string]string{"source": "zendesk", "kind": "sla.breach"}},
		{in: "ticket=owner/repo#42", want: map[string]string{"ticket": "owner/repo#42"}},
		{in: "priority=urgent,channel=chat", want: map[string]string{"priority": "urgent", "channel": "chat"}},
		{in: "", wantErr: "empty"},
		{in: "  ", wantErr: "empty"},
		{in: "colour=red", wantErr: `unknown key "colour"`},
		{in: "source=zendesk,Team=billing", wantErr: `unknown key "Team"`},
		{in: "team=", wantErr: `key "team" has an empty value`},
		{in: "team=billing,team=sales", wantErr: `key "team" given twice`},
		{in: "team", wantErr: `"team": want key=value`},
		{in: "=billing", wantErr: "no key"},
		{in: "team=billing,", wantErr: `"": want key=value`},
		{in: "priority=critical", wantErr: `priority "critical": want one of low, normal, high, urgent`},
		{in: "channel=fax", wantErr: `channel "fax"`},
		{in: "kind=breach", wantErr: `kind "breach": want one of sla.warning`},
		{in: "team=a\x01b", wantErr: "not printable"},
		{in: "team=" + strings.Repeat("x", silence.MaxValue+1), wantErr: "longer than"},
	} {
		got, err := silence.Parse(tc.in)
		if tc.wantErr != "" {
			var se *silence.Error
			if !errors.As(err, &se) || se.Field != "match" || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("Parse(%q) = %v, %v; want a match error with %q", tc.in, got, err, tc.wantErr)
			}
			continue
		}
		if err != nil || !maps.Equal(got, tc.want) {
			t.Errorf("Parse(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
}

func TestSilenceNew(t *testing.T) {
	match := map[string]string{"source": "zendesk", "team": "billing"}
	day := 24 * time.Hour
	for _, tc := range []struct {
		name           string
		match          map[string]string
		starts, ends   time.Time
		reason         string
		max            time.Duration
		field, wantErr string // "" field: accepted
		wantStarts     time.Time
	}{
		{name: "from now", match: match, ends: now.Add(4 * time.Hour), reason: "holiday cover", wantStarts: now},
		{name: "scheduled", match: match, starts: now.Add(day), ends: now.Add(2 * day), reason: "migration", wantStarts: now.Add(day)},
		{name: "started in the past", match: match, starts: now.Add(-day), ends: now.Add(day), reason: "r", wantStarts: now.Add(-day)},
		{name: "exactly the default limit", match: match, ends: now.Add(14 * day), reason: "r", wantStarts: now},
		{name: "limit counts from now for a past start", match: match, starts: now.Add(-10 * day), ends: now.Add(14 * day), reason: "r", wantStarts: now.Add(-10 * day)},
		{name: "limit counts from a future start", match: match, starts: now.Add(10 * day), ends: now.Add(24 * day), reason: "r", wantStarts: now.Add(10 * day)},
		{name: "over the default limit", match: match, ends: now.Add(14*day + time.Second), reason: "r", field: "ends", wantErr: "longer than the limit of 14 days"},
		{name: "over a configured limit", match: match, ends: now.Add(5 * time.Hour), reason: "r", max: 4 * time.Hour, field: "ends", wantErr: "limit of 4h0m0s"},
		{name: "no end", match: match, reason: "r", field: "ends", wantErr: "required"},
		{name: "end now", match: match, ends: now, reason: "r", field: "ends", wantErr: "not in the future"},
		{name: "end in the past", match: match, ends: now.Add(-time.Hour), reason: "r", field: "ends", wantErr: "not in the future"},
		{name: "end before start", match: match, starts: now.Add(2 * time.Hour), ends: now.Add(time.Hour), reason: "r", field: "ends", wantErr: "not after the start"},
		{name: "end at start", match: match, starts: now.Add(time.Hour), ends: now.Add(time.Hour), reason: "r", field: "ends", wantErr: "not after the start"},
		{name: "empty match", match: map[string]string{}, ends: now.Add(time.Hour), reason: "r", field: "match", wantErr: "hide a real outage"},
		{name: "nil match", ends: now.Add(time.Hour), reason: "r", field: "match", wantErr: "empty"},
		{name: "unknown key", match: map[string]string{"severity": "critical"}, ends: now.Add(time.Hour), reason: "r", field: "match", wantErr: `unknown key "severity"`},
		{name: "no reason", match: match, ends: now.Add(time.Hour), reason: "  ", field: "reason", wantErr: "required"},
		{name: "reason too long", match: match, ends: now.Add(time.Hour), reason: strings.Repeat("x", silence.MaxReason+1), field: "reason", wantErr: "at most"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := silence.New(tc.match, tc.starts, tc.ends, tc.reason, "ana", now, tc.max)
			if tc.field != "" {
				var se *silence.Error
				if !errors.As(err, &se) || se.Field != tc.field || !strings.Contains(se.Msg, tc.wantErr) {
					t.Fatalf("New = %+v, %v; want a %s error with %q", s, err, tc.field, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !silence.ValidID(s.ID) || !s.Starts.Equal(tc.wantStarts) || !s.Ends.Equal(tc.ends) || !s.CreatedAt.Equal(now) ||
				s.CreatedBy != "ana" || s.ExpiredAt != nil || !maps.Equal(s.Match, tc.match) {
				t.Fatalf("New = %+v", s)
			}
		})
	}
}

func TestSilenceNewCopiesMatchAndMakesFreshIDs(t *testing.T) {
	m := map[string]string{"team": "billing"}
	seen := map[string]bool{}
	for range 100 {
		s, err := silence.New(m, time.Time{}, now.Add(time.Hour), "r", "", now, 0)
		if err != nil {
			t.Fatal(err)
		}
		if !silence.ValidID(s.ID) || seen[s.ID] {
			t.Fatalf("id %q: invalid or repeated", s.ID)
		}
		seen[s.ID] = true
		m["team"] = "sales"
		if s.Match["team"] != "billing" {
			t.Fatal("the silence shares the caller's map")
		}
		m["team"] = "billing"
	}
}

func TestSilenceValidID(t *testing.T) {
	for id, want := range map[string]bool{
		"0123456789abcdef": true, "0123456789ABCDEF": false, "0123456789abcde": false,
		"0123456789abcdeg": false, "": false, "../../etc/passwd": false,
	} {
		if got := silence.ValidID(id); got != want {
			t.Errorf("ValidID(%q) = %v", id, got)
		}
	}
}

func TestSilenceStates(t *testing.T) {
	s := silence.Silence{ID: "0123456789abcdef", Match: map[string]string{"team": "billing"},
		Starts: now.Add(time.Hour), Ends: now.Add(3 * time.Hour)}
	for _, tc := range []struct {
		at            time.Time
		active, ended bool
		state         silence.State
	}{
		{now, false, false, silence.Pending},
		{now.Add(time.Hour - 1), false, false, silence.Pending},
		{now.Add(time.Hour), true, false, silence.Active}, // starts included
		{now.Add(3*time.Hour - 1), true, false, silence.Active},
		{now.Add(3 * time.Hour), false, true, silence.Ended}, // ends excluded
	} {
		if s.Active(tc.at) != tc.active || s.Ended(tc.at) != tc.ended || s.StateAt(tc.at) != tc.state {
			t.Errorf("at %v: active %v ended %v state %v; want %v %v %v", tc.at, s.Active(tc.at), s.Ended(tc.at), s.StateAt(tc.at), tc.active, tc.ended, tc.state)
		}
	}

	e := s.Expire(now.Add(2 * time.Hour))
	if !e.Ends.Equal(now.Add(2*time.Hour)) || e.ExpiredAt == nil || !e.ExpiredAt.Equal(now.Add(2*time.Hour)) {
		t.Fatalf("expired: %+v", e)
	}
	if e.Active(now.Add(2*time.Hour)) || !e.Ended(now.Add(2*time.Hour)) || e.StateAt(now.Add(2*time.Hour)) != silence.Ended {
		t.Error("an expired silence is still active")
	}
	if again := e.Expire(now.Add(150 * time.Minute)); !again.Ends.Equal(e.Ends) || !again.ExpiredAt.Equal(*e.ExpiredAt) {
		t.Errorf("expiring twice moved it: %+v", again)
	}
	// Expired before it started: ended, never active.
	p := s.Expire(now)
	if p.Active(now.Add(time.Hour)) || !p.Ended(now) || p.StateAt(now) != silence.Ended {
		t.Errorf("a pending silence expired early: %+v", p)
	}
	// Expiring after the end keeps the end.
	if late := s.Expire(now.Add(5 * time.Hour)); !late.Ends.Equal(s.Ends) {
		t.Errorf("expiring after the end moved it: %v", late.Ends)
	}
}

func TestSilenceMatches(t *testing.T) {
	breach := notify.Document{Kind: notify.KindBreach, Source: "zendesk", TicketID: "4711", Team: "billing",
		Policy: "vip", Channel: "email", Priority: "urgent"}
	digest := notify.Document{Kind: notify.KindBreachDigest, Team: "billing", Tickets: []notify.DigestItem{
		{Source: "zendesk", TicketID: "1"}, {Source: "zendesk", TicketID: "2"}}}
	mixed := digest
	mixed.Tickets = append([]notify.DigestItem{{Source: "jira", TicketID: "3"}}, digest.Tickets...)
	for _, tc := range []struct {
		match string
		doc   notify.Document
		want  bool
	}{
		{"source=zendesk,team=billing", breach, true},
		{"source=zendesk", breach, true},
		{"team=billing,policy=vip,channel=email,priority=urgent,kind=sla.breach,ticket=4711", breach, true},
		{"source=zendesk,team=sales", breach, false}, // every matcher must hold
		{"team=Billing", breach, false},              // exact: case matters
		{"ticket=471", breach, false},                // exact: no prefixes
		{"kind=sla.escalation", breach, false},
		{"priority=high", breach, false},
		{"team=billing", digest, true},
		{"team=billing,kind=sla.breach_digest", digest, true},
		{"source=zendesk,team=billing", digest, true}, // every ticket is from zendesk
		{"source=zendesk,team=billing", mixed, false}, // one is not
		{"source=zendesk", notify.Document{Kind: notify.KindBreachDigest, Team: "billing"}, false},
		{"team=billing,priority=urgent", digest, false}, // narrower than a digest
		{"team=billing,ticket=1", digest, false},
		// Even if a digest one day carried a priority, it stands for others.
		{"team=billing,priority=urgent", notify.Document{Kind: notify.KindBreachDigest, Team: "billing", Priority: "urgent"}, false},
		{"team=sales", digest, false},
	} {
		m, err := silence.Parse(tc.match)
		if err != nil {
			t.Fatal(err)
		}
		if got := (silence.Silence{Match: m}).Matches(tc.doc); got != tc.want {
			t.Errorf("%q matches %s %+v: %v, want %v", tc.match, tc.doc.Kind, tc.doc, got, tc.want)
		}
	}
	if (silence.Silence{}).Matches(breach) {
		t.Error("a silence without matchers matched")
	}
}

func TestSilenceHolding(t *testing.T) {
	doc := notify.Document{Kind: notify.KindBreach, Source: "zendesk", Team: "billing"}
	mk := func(id, match string, from, until time.Duration) silence.Silence {
		m, err := silence.Parse(match)
		if err != nil {
			t.Fatal(err)
		}
		return silence.Silence{ID: id, Match: m, Starts: now.Add(from), Ends: now.Add(until)}
	}
	ss := []silence.Silence{
		mk("c", "team=billing", 0, 5*time.Hour),
		mk("a", "team=sales", 0, time.Hour),               // does not match
		mk("b", "source=zendesk", time.Hour, 2*time.Hour), // not yet active
		mk("d", "source=zendesk", 0, 3*time.Hour),
	}
	if s, ok := silence.Holding(ss, doc, now); !ok || s.ID != "d" {
		t.Errorf("Holding at now = %q, %v; want d (the active match ending first)", s.ID, ok)
	}
	if s, ok := silence.Holding(ss, doc, now.Add(90*time.Minute)); !ok || s.ID != "b" {
		t.Errorf("Holding later = %q, %v; want b", s.ID, ok)
	}
	if _, ok := silence.Holding(ss, doc, now.Add(5*time.Hour)); ok {
		t.Error("held after every silence ended")
	}
}

func TestSilenceFormatMatch(t *testing.T) {
	m := map[string]string{"ticket": "9", "team": "billing", "source": "zendesk"}
	if got := silence.FormatMatch(m); got != "source=zendesk,team=billing,ticket=9" {
		t.Errorf("FormatMatch = %q", got)
	}
	back, err := silence.Parse(silence.FormatMatch(m))
	if err != nil || !maps.Equal(back, m) {
		t.Errorf("round trip: %v, %v", back, err)
	}
}
