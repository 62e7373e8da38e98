package httpapi_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/slawatch/slawatch/shared/event"
	"github.com/slawatch/slawatch/shared/httpapi"
	"github.com/slawatch/slawatch/shared/policy"
	"github.com/slawatch/slawatch/shared/sla"
	"github.com/slawatch/slawatch/shared/store"
)

// atRiskConfig: vip tickets (tag vip) belong to billing, 30 minutes warned
// 10 before; the rest to the default team, 4 hours warned 25% (1h) before.
// Only zendesk links its tickets.
const atRiskConfig = `
sources:
  zendesk: {provider: zendesk, ticket_url: "https://desk.test/tickets/{id}"}
  generic: {provider: generic}
policies:
  - name: vip
    team: billing
    match: {tags: vip}
    first_response: {within: 30m}
    next_reply: {within: 30m}
    warnings: [10m]
  - name: standard
    first_response: {within: 4h}
    next_reply: {within: 4h}
    warnings: ["25%"]
`

// atRiskNow is when the tests look: 12:00 UTC.
var atRiskNow = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

func at(hms string) time.Time {
	t, err := time.Parse("15:04:05.999", hms)
	if err != nil {
		panic(err)
	}
	return atRiskNow.Add(time.Duration(t.Hour())*time.Hour + time.Duration(t.Minute())*time.Minute + time.Duration(t.Second())*time.Second + time.Duration(t.Nanosecond()) - 12*time.Hour)
}

// atRiskServer serves a memory store with these tickets (deadline and
// state at 12:00 worked out by hand):
//
//	generic/g-1  standard, created 07:00       due 11:00       breached, 3600 s over
//	zendesk/101  vip, created 11:00            due 11:30       breached, 1800 s over
//	zendesk/107  vip, created 11:29:59.5       due 11:59:59.5  breached, half a second over (-1)
//	zendesk/103  vip, created 11:45            due 12:15       on track (warned from 12:05), 900 s left
//	zendesk/102  standard, created 08:30:30    due 12:30:30    at risk (from 11:30:30), 1830 s left
//	zendesk/106  standard, next reply from 11:00 due 15:00     on track, 10800 s left
//	zendesk/104  standard, created 11:59:59.5  due 15:59:59.5  on track, 14399 s left (rounded down)
//	zendesk/105  answered: not listed
func atRiskServer(t *testing.T, withClocks bool) *httptest.Server {
	t.Helper()
	cfg, err := policy.Parse([]byte(atRiskConfig))
	if err != nil {
		t.Fatal(err)
	}
	mem := store.NewMemoryAt(func() time.Time { return atRiskNow })
	put := func(src, id string, evs ...event.Event) {
		t.Helper()
		for i, e := range evs {
			e.Source, e.TicketID, e.ID, e.Channel = src, id, id+"-"+string(rune('a'+i)), event.Email
			if _, err := mem.Update(context.Background(), store.Key{Source: src, ID: id}, e.ID, func(t sla.Ticket) (sla.Ticket, bool, error) {
				return sla.Apply(cfg, t, e)
			}); err != nil {
				t.Fatal(err)
			}
		}
	}
	created := func(hms string, tags ...string) event.Event {
		return event.Event{Kind: event.TicketCreated, OccurredAt: at(hms), Author: event.Customer, Public: true, Tags: tags}
	}
	reply := func(hms string) event.Event {
		return event.Event{Kind: event.AgentReply, OccurredAt: at(hms), Author: event.Agent, Public: true}
	}
	put("generic", "g-1", created("07:00:00"))
	put("zendesk", "101", created("11:00:00", "vip"))
	put("zendesk", "107", created("11:29:59.5", "vip"))
	put("zendesk", "103", created("11:45:00", "vip"))
	put("zendesk", "102", created("08:30:30"))
	put("zendesk", "106", created("06:00:00"), reply("06:10:00"),
		event.Event{Kind: event.CustomerMessage, OccurredAt: at("11:00:00"), Author: event.Customer, Public: true})
	put("zendesk", "104", created("11:59:59.5"))
	put("zendesk", "105", created("11:00:00"), reply("11:05:00"))

	api := httpapi.New(cfg, mem, func(string) (string, bool) { return "", false }, slog.New(slog.NewTextHandler(io.Discard, nil)))
	api.Now = func() time.Time { return atRiskNow }
	if withClocks {
		api.Clocks = mem
	}
	srv := httptest.NewServer(api.Handler())
	t.Cleanup(srv.Close)
	return srv
}

type atRiskItem struct {
	Source      string  `json:"source"`
	TicketID    string  `json:"ticket_id"`
	Metric      string  `json:"metric"`
	Cycle       int     `json:"cycle"`
	State       string  `json:"state"`
	DueAt       string  `json:"due_at"`
	SecondsLeft int64   `json:"seconds_left"`
	WarningAt   *string `json:"warning_at"`
	Paused      bool    `json:"paused"`
	Policy      string  `json:"policy"`
	Team        string  `json:"team"`
	Channel     string  `json:"channel"`
	Priority    string  `json:"priority"`
	TicketURL   string  `json:"ticket_url"`
}

type atRiskBody struct {
	Now       string       `json:"now"`
	Limit     int          `json:"limit"`
	Truncated bool         `json:"truncated"`
	Tickets   []atRiskItem `json:"tickets"`
	Error     string       `json:"error"`
	Parameter string       `json:"parameter"`
}

func TestAtRiskRoute(t *testing.T) {
	srv := atRiskServer(t, true)
	all := []string{"g-1", "101", "107", "103", "102", "106", "104"}
	tests := []struct {
		name, query string
		method      string // GET when empty
		status      int
		ids         []string // in order
		states      []string
		seconds     []int64
		truncated   bool
		limit       int
		param       string // for 400s
	}{
		{name: "all, breached first then by time left", status: 200, ids: all, limit: 500,
			states:  []string{"breached", "breached", "breached", "on_track", "at_risk", "on_track", "on_track"},
			seconds: []int64{-3600, -1800, -1, 900, 1830, 10800, 14399}},
		{name: "team billing", query: "team=billing", status: 200, ids: []string{"101", "107", "103"}, limit: 500},
		{name: "default team", query: "team=support", status: 200, ids: []string{"g-1", "102", "106", "104"}, limit: 500},
		{name: "limit cuts the latest", query: "limit=2", status: 200, ids: []string{"g-1", "101"}, truncated: true, limit: 2},
		{name: "limit after the team filter", query: "team=billing&limit=2", status: 200, ids: []string{"101", "107"}, truncated: true, limit: 2},
		{name: "limit equal to the count", query: "limit=7", status: 200, ids: all, limit: 7},
		{name: "limit zero", query: "limit=0", status: 400, param: "limit"},
		{name: "limit over the bound", query: "limit=501", status: 400, param: "limit"},
		{name: "limit not a number", query: "limit=ten", status: 400, param: "limit"},
		{name: "unknown team", query: "team=nobody", status: 400, param: "team"},
		{name: "POST", method: http.MethodPost, status: 405},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			method := cmpOr(tc.method, http.MethodGet)
			req, _ := http.NewRequest(method, srv.URL+"/api/at-risk?"+tc.query, nil)
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			var body atRiskBody
			if err := json.NewDecoder(res.Body).Decode(&body); err != nil {
				t.Fatal(err)
			}
			if res.StatusCode != tc.status || !strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") {
				t.Fatalf("status %d %s, want %d JSON (%+v)", res.StatusCode, res.Header.Get("Content-Type"), tc.status, body)
			}
			if tc.status != 200 {
				if body.Error == "" || body.Parameter != tc.param {
					t.Errorf("error body %+v, want an error naming parameter %q", body, tc.param)
				}
				return
			}
			var ids, states []string
			var seconds []int64
			for _, it := range body.Tickets {
				ids, states, seconds = append(ids, it.TicketID), append(states, it.State), append(seconds, it.SecondsLeft)
			}
			if !slices.Equal(ids, tc.ids) || body.Truncated != tc.truncated || body.Limit != tc.limit || body.Now != "2026-11-23T12:00:00Z" {
				t.Errorf("tickets %v truncated %v limit %d now %s; want %v, %v, %d", ids, body.Truncated, body.Limit, body.Now, tc.ids, tc.truncated, tc.limit)
			}
			if tc.states != nil && !slices.Equal(states, tc.states) {
				t.Errorf("states %v, want %v", states, tc.states)
			}
			if tc.seconds != nil && !slices.Equal(seconds, tc.seconds) {
				t.Errorf("seconds left %v, want %v", seconds, tc.seconds)
			}
		})
	}
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// TestAtRiskItem checks every field of four items: billing's first
// response, a default team's next-reply cycle, one from a source without
// ticket links, and one half a second overdue (instants keep their
// fraction; seconds left round down).
func TestAtRiskItem(t *testing.T) {
	srv := atRiskServer(t, true)
	res, err := http.Get(srv.URL + "/api/at-risk")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var body atRiskBody
	if err := json.NewDecoder(res.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	str := func(s string) *string { return &s }
	want := map[string]atRiskItem{
		"101": {Source: "zendesk", TicketID: "101", Metric: "first_response", State: "breached", DueAt: "2026-11-23T11:30:00Z",
			SecondsLeft: -1800, WarningAt: str("2026-11-23T11:20:00Z"), Policy: "vip", Team: "billing", Channel: "email", Priority: "normal",
			TicketURL: "https://desk.test/tickets/101"},
		"106": {Source: "zendesk", TicketID: "106", Metric: "next_reply", Cycle: 1, State: "on_track", DueAt: "2026-11-23T15:00:00Z",
			SecondsLeft: 10800, WarningAt: str("2026-11-23T14:00:00Z"), Policy: "standard", Team: "support", Channel: "email", Priority: "normal",
			TicketURL: "https://desk.test/tickets/106"},
		"g-1": {Source: "generic", TicketID: "g-1", Metric: "first_response", State: "breached", DueAt: "2026-11-23T11:00:00Z",
			SecondsLeft: -3600, WarningAt: str("2026-11-23T10:00:00Z"), Policy: "standard", Team: "support", Channel: "email", Priority: "normal"},
		"107": {Source: "zendesk", TicketID: "107", Metric: "first_response", State: "breached", DueAt: "2026-11-23T11:59:59.5Z",
			SecondsLeft: -1, WarningAt: str("2026-11-23T11:49:59.5Z"), Policy: "vip", Team: "billing", Channel: "email", Priority: "normal",
			TicketURL: "https://desk.test/tickets/107"},
	}
	for _, it := range body.Tickets {
		w, ok := want[it.TicketID]
		if !ok {
			continue
		}
		delete(want, it.TicketID)
		g, _ := json.Marshal(it)
		wj, _ := json.Marshal(w)
		if string(g) != string(wj) {
			t.Errorf("item %s:\n got %s\nwant %s", it.TicketID, g, wj)
		}
	}
	for id := range want {
		t.Errorf("ticket %s not listed", id)
	}
}

func TestAtRiskWithoutClocks(t *testing.T) {
	srv := atRiskServer(t, false)
	res, err := http.Get(srv.URL + "/api/at-risk")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var body atRiskBody
	if err := json.NewDecoder(res.Body).Decode(&body); err != nil || res.StatusCode != http.StatusNotImplemented || body.Error == "" {
		t.Errorf("status %d body %+v (%v), want 501 with an error", res.StatusCode, body, err)
	}
}
