package freshdesk_test

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/slawatch/slawatch/shared/event"
	"github.com/slawatch/slawatch/shared/provider"
	"github.com/slawatch/slawatch/shared/provider/freshdesk"
	"github.com/slawatch/slawatch/shared/provider/providertest"
)

const testSecret = "freshdesk-test-secret"

var testNow = time.Date(2026, 11, 23, 9, 30, 0, 0, time.UTC)

func settings() provider.Settings {
	return provider.Settings{Source: "freshdesk", Secret: []byte(testSecret), Now: func() time.Time { return testNow }}
}

var fixture = providertest.Fixture

func at(hh, mm, ss int) time.Time { return time.Date(2026, 11, 23, hh, mm, ss, 0, time.UTC) }

// Each fixture and the canonical event expected from it, written by hand
// from the payload. Event ids are synthesized, so they are checked apart.
func TestParseFixtures(t *testing.T) {
	tags := []string{"billing", "vip customer"}
	tests := []struct {
		file    string
		want    []event.Event
		ignored string
	}{
		{file: "ticket_created.json", want: []event.Event{{
			Source: "freshdesk", TicketID: "4821", Kind: event.TicketCreated, OccurredAt: at(9, 0, 4),
			Channel: event.Web, Priority: event.Normal, Status: event.Open, Tags: tags,
			Author: event.Customer, Public: true,
			// An unquoted {{ticket.company.id}}; the requester's domain only.
			Organization: "103000123456", Company: "Globex", Domain: "globex.example",
		}}},
		{file: "ticket_created_outbound.json", want: []event.Event{{
			// 14:33 at +05:30 is 09:03 UTC; source 10 is an outbound email.
			Source: "freshdesk", TicketID: "4822", Kind: event.TicketCreated, OccurredAt: at(9, 3, 0),
			Channel: event.Email, Priority: event.Low, Status: event.Open, Tags: []string{},
			Author: event.Agent, Public: true,
		}}},
		{file: "customer_reply.json", want: []event.Event{{
			Source: "freshdesk", TicketID: "4821", Kind: event.CustomerMessage, OccurredAt: at(9, 6, 10),
			Channel: event.Web, Priority: event.Normal, Tags: tags, Author: event.Customer, Public: true,
		}}},
		{file: "agent_reply.json", want: []event.Event{{
			Source: "freshdesk", TicketID: "4821", Kind: event.AgentReply, OccurredAt: at(9, 18, 45),
			Channel: event.Web, Priority: event.High, Tags: tags, Author: event.Agent, Public: true,
		}}},
		{file: "public_note.json", want: []event.Event{{
			Source: "freshdesk", TicketID: "4823", Kind: event.AgentReply, OccurredAt: at(9, 16, 0),
			Channel: event.Email, Priority: event.Low, Tags: []string{}, Author: event.Agent, Public: true,
		}}},
		{file: "private_note.json", want: []event.Event{{
			Source: "freshdesk", TicketID: "4821", Kind: event.InternalNote, OccurredAt: at(9, 9, 30),
			Channel: event.Web, Priority: event.Normal, Tags: tags, Author: event.Agent,
		}}},
		{file: "bot_reply.json", want: []event.Event{{
			Source: "freshdesk", TicketID: "4824", Kind: event.AgentReply, OccurredAt: at(9, 3, 0),
			Channel: event.Chat, Priority: event.Normal, Tags: []string{}, Author: event.Bot, Public: true,
		}}},
		{file: "status_changed.json", want: []event.Event{{
			Source: "freshdesk", TicketID: "4821", Kind: event.StatusChanged, OccurredAt: at(9, 27, 0),
			Channel: event.Web, Priority: event.High, Status: event.Solved, Tags: tags,
		}}},
		{file: "status_changed_triggered_only.json", want: []event.Event{{
			// No literal event: {{triggered_event}} says status; codes 3/3/2.
			Source: "freshdesk", TicketID: "4821", Kind: event.StatusChanged, OccurredAt: at(9, 18, 46),
			Channel: event.Web, Priority: event.High, Status: event.Pending, Tags: tags,
		}}},
		{file: "priority_changed.json", want: []event.Event{{
			Source: "freshdesk", TicketID: "4821", Kind: event.PriorityChanged, OccurredAt: at(9, 12, 0),
			Channel: event.Web, Priority: event.High, Tags: tags,
		}}},
		{file: "unknown.json", ignored: `freshdesk event "ticket_assigned" is not tracked`},
	}
	seen := map[string]string{}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			body := fixture(t, tt.file)
			res, err := freshdesk.Adapter{}.Parse(provider.Request{Header: http.Header{}, Body: body}, settings())
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if res.Ignored != tt.ignored {
				t.Errorf("Ignored = %q, want %q", res.Ignored, tt.ignored)
			}
			got := res.Events
			ids := make([]string, len(got))
			for i := range got {
				ids[i] = got[i].ID
				if !strings.HasPrefix(got[i].ID, "syn-") {
					t.Errorf("event id %q is not synthesized", got[i].ID)
				}
				if other, dup := seen[got[i].ID]; dup {
					t.Errorf("event id %q also given to %s", got[i].ID, other)
				}
				seen[got[i].ID] = tt.file
				if err := got[i].Validate(); err != nil {
					t.Errorf("invalid event: %v", err)
				}
				got[i].ID = ""
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("events:\n got %+v\nwant %+v", got, tt.want)
			}
			// A retry carries the same rendered body, so the same id.
			again, err := freshdesk.Adapter{}.Parse(provider.Request{Body: body}, settings())
			if err != nil || len(again.Events) != len(ids) {
				t.Fatalf("retry: %+v, %v", again, err)
			}
			for i, e := range again.Events {
				if e.ID != ids[i] {
					t.Errorf("retry id %q, first delivery %q", e.ID, ids[i])
				}
			}
		})
	}
}

func TestSynthesizedIDs(t *testing.T) {
	id := func(body string) string {
		t.Helper()
		res, err := freshdesk.Adapter{}.Parse(provider.Request{Body: []byte(body)}, settings())
		if err != nil || len(res.Events) != 1 {
			t.Fatalf("Parse = %+v, %v", res, err)
		}
		return res.Events[0].ID
	}
	reply := string(fixture(t, "customer_reply.json"))
	first := id(reply)
	if id(reply) != first {
		t.Error("the same body gave two ids")
	}
	if id(strings.Replace(reply, "09:06:10", "09:06:11", 1)) == first {
		t.Error("a reply a second later gave the same id")
	}
	if id(strings.Replace(reply, `"customer_reply"`, `"agent_reply"`, 1)) == first {
		t.Error("another rule's event gave the same id")
	}
	// Whitespace in the rendered body does not matter, the fields do.
	var v any
	_ = json.Unmarshal([]byte(reply), &v)
	compact, _ := json.Marshal(v)
	if id(string(compact)) != first {
		t.Error("re-encoding the same fields changed the id")
	}
}

func TestCountsAsResponse(t *testing.T) {
	reply := string(fixture(t, "agent_reply.json"))
	tests := []struct {
		name, body string
		want       bool
	}{
		{"agent reply", reply, true},
		{"public note", string(fixture(t, "public_note.json")), true},
		{"acknowledgement", strings.Replace(reply, `"event": "agent_reply",`, `"event": "agent_reply", "comment": "Thanks, we got it. [slawatch:ack]",`, 1), false},
		{"bot reply", string(fixture(t, "bot_reply.json")), false},
		{"private note", string(fixture(t, "private_note.json")), false},
		{"customer reply", string(fixture(t, "customer_reply.json")), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := freshdesk.Adapter{}.Parse(provider.Request{Body: []byte(tt.body)}, settings())
			if err != nil || len(res.Events) != 1 {
				t.Fatalf("Parse = %+v, %v", res, err)
			}
			if got := res.Events[0].CountsAsResponse(); got != tt.want {
				t.Errorf("CountsAsResponse = %v, want %v (%+v)", got, tt.want, res.Events[0])
			}
		})
	}
}

func TestCodesAndNames(t *testing.T) {
	created := string(fixture(t, "ticket_created.json"))
	parse := func(status, prio, src string) event.Event {
		t.Helper()
		body := strings.NewReplacer(`"Open"`, status, `"Medium"`, prio, `"Portal"`, src).Replace(created)
		res, err := freshdesk.Adapter{}.Parse(provider.Request{Body: []byte(body)}, settings())
		if err != nil || len(res.Events) != 1 {
			t.Fatalf("Parse(%s): %+v, %v", body, res, err)
		}
		return res.Events[0]
	}
	statuses := map[string]event.Status{`"2"`: event.Open, `3`: event.Pending, `"4"`: event.Solved, `"5"`: event.Closed,
		`"OPEN"`: event.Open, `"pending"`: event.Pending, `"Resolved"`: event.Solved, `"Closed"`: event.Closed,
		`"Waiting on Customer"`: event.Pending, `"Waiting on Third Party"`: event.OnHold, `"6"`: "", `"In progress"`: ""}
	for in, want := range statuses {
		if got := parse(in, `"2"`, `"2"`).Status; got != want {
			t.Errorf("status %s = %q, want %q", in, got, want)
		}
	}
	priorities := map[string]event.Priority{`"1"`: event.Low, `2`: event.Normal, `"3"`: event.High, `"4"`: event.Urgent,
		`"Low"`: event.Low, `"MEDIUM"`: event.Normal, `"high"`: event.High, `"Urgent"`: event.Urgent, `"9"`: ""}
	for in, want := range priorities {
		if got := parse(`"2"`, in, `"2"`).Priority; got != want {
			t.Errorf("priority %s = %q, want %q", in, got, want)
		}
	}
	sources := map[string]event.Channel{`"1"`: event.Email, `"2"`: event.Web, `"3"`: event.Phone, `7`: event.Chat,
		`"9"`: event.Web, `"10"`: event.Email, `"Email"`: event.Email, `"Feedback Widget"`: event.Web,
		`"Outbound Email"`: event.Email, `"Chat"`: event.Chat, `"Phone"`: event.Phone, `"8"`: ""}
	for in, want := range sources {
		e := parse(`"2"`, `"2"`, in)
		if e.Channel != want {
			t.Errorf("source %s = %q, want %q", in, e.Channel, want)
		}
		if outbound := in == `"10"` || in == `"Outbound Email"`; (e.Author == event.Agent) != outbound {
			t.Errorf("source %s: author %q", in, e.Author)
		}
	}
}

func TestParseIgnores(t *testing.T) {
	status := string(fixture(t, "status_changed.json"))
	for name, body := range map[string]string{
		"custom status":               strings.Replace(status, `"Resolved"`, `"Waiting on Finance"`, 1),
		"custom status code":          strings.Replace(status, `"Resolved"`, `"7"`, 1),
		"unknown priority":            strings.Replace(string(fixture(t, "priority_changed.json")), `"High"`, `"Critical"`, 1),
		"feedback via triggered only": `{"freshdesk_webhook":{"ticket_id":"1","ticket_updated_at":"2026-11-23 09:00:00 UTC","triggered_event":"{customer_feedback:received}"}}`,
	} {
		res, err := freshdesk.Adapter{}.Parse(provider.Request{Body: []byte(body)}, settings())
		if err != nil || res.Ignored == "" || len(res.Events) != 0 {
			t.Errorf("%s: Parse = %+v, %v; want ignored", name, res, err)
		}
	}
}

func TestUnwrappedBody(t *testing.T) {
	body := `{"event":"agent_reply","ticket_id":4821,"ticket_updated_at":"2026-11-23T09:18:45Z","ticket_tags":["a","b"]}`
	res, err := freshdesk.Adapter{}.Parse(provider.Request{Body: []byte(body)}, settings())
	if err != nil || len(res.Events) != 1 {
		t.Fatalf("Parse = %+v, %v", res, err)
	}
	if e := res.Events[0]; e.TicketID != "4821" || !e.CountsAsResponse() || !reflect.DeepEqual(e.Tags, []string{"a", "b"}) {
		t.Errorf("event %+v", e)
	}
}

func TestParseErrorsNameTheField(t *testing.T) {
	reply := string(fixture(t, "agent_reply.json"))
	tests := []struct {
		name, body, field string
	}{
		{"malformed JSON", `{"freshdesk_webhook": {`, ""},
		{"empty body", ``, ""},
		{"not an object", `"hello"`, "(body)"},
		{"wrapper not an object", `{"freshdesk_webhook": []}`, "freshdesk_webhook"},
		{"missing ticket id", strings.Replace(reply, `"ticket_id": "4821",`, ``, 1), "freshdesk_webhook.ticket_id"},
		{"ticket id an object", strings.Replace(reply, `"ticket_id": "4821"`, `"ticket_id": {"id": 4821}`, 1), "freshdesk_webhook.ticket_id"},
		{"missing time", strings.Replace(reply, `"ticket_updated_at": "2026-11-23 09:18:45 UTC",`, ``, 1), "freshdesk_webhook.ticket_updated_at"},
		{"unrendered time", strings.Replace(reply, `"2026-11-23 09:18:45 UTC"`, `"{{ticket.modified_on}}"`, 1), "freshdesk_webhook.ticket_updated_at"},
		{"time without zone", strings.Replace(reply, `"2026-11-23 09:18:45 UTC"`, `"2026-11-23 09:18:45"`, 1), "freshdesk_webhook.ticket_updated_at"},
		{"time in a named zone", strings.Replace(reply, `"2026-11-23 09:18:45 UTC"`, `"2026-11-23 09:18:45 IST"`, 1), "freshdesk_webhook.ticket_updated_at"},
		{"tags a bool", strings.Replace(reply, `"billing, vip customer"`, `true`, 1), "freshdesk_webhook.ticket_tags"},
		{"event a number", strings.Replace(reply, `"agent_reply"`, `7`, 1), "freshdesk_webhook.event"},
		{"no event at all", strings.NewReplacer(`"event": "agent_reply",`, ``, `"triggered_event": "{reply_sent:sent}"`, `"triggered_event": ""`).Replace(reply), "freshdesk_webhook.event"},
		{"reply without literal event", strings.Replace(reply, `"event": "agent_reply",`, ``, 1), "freshdesk_webhook.event"},
		{"unwrapped missing ticket id", `{"event":"agent_reply","ticket_updated_at":"2026-11-23 09:18:45 UTC"}`, "ticket_id"},
		{"tags_changed without tags", `{"event":"tags_changed","ticket_id":"1","ticket_updated_at":"2026-11-23 09:18:45 UTC"}`, "ticket_tags"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := freshdesk.Adapter{}.Parse(provider.Request{Body: []byte(tt.body)}, settings())
			var pe *provider.ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("Parse error = %v, want a ParseError", err)
			}
			if pe.Field != tt.field {
				t.Errorf("field %q, want %q (%v)", pe.Field, tt.field, err)
			}
		})
	}
}

// Known answer computed independently of this code:
//
//	printf %s 'slawatch:freshdesk-test-secret' | openssl base64 -A
//	  → c2xhd2F0Y2g6ZnJlc2hkZXNrLXRlc3Qtc2VjcmV0
//	printf %s 'any-user:wrong' | openssl base64 -A
//	  → YW55LXVzZXI6d3Jvbmc=
const (
	knownBasic = "Basic c2xhd2F0Y2g6ZnJlc2hkZXNrLXRlc3Qtc2VjcmV0"
	wrongBasic = "Basic YW55LXVzZXI6d3Jvbmc="
)

func basic(user, password string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+password))
}

func TestVerify(t *testing.T) {
	body := fixture(t, "agent_reply.json")
	tests := []struct {
		name         string
		token, authz string
		reason       string // "" = accepted
	}{
		{"basic auth known answer", "", knownBasic, ""},
		{"basic auth, any username", "", basic("admin@example.com", testSecret), ""},
		{"token header", testSecret, "", ""},
		{"token with surrounding spaces", " " + testSecret + " ", "", ""},
		{"right token, wrong basic", testSecret, wrongBasic, ""},
		{"wrong token, right basic", "nope", knownBasic, ""},
		{"bearer alongside the right token", testSecret, "Bearer xyz", ""},
		{"wrong basic password (known answer)", "", wrongBasic, "bad_signature"},
		{"secret as username only", "", basic(testSecret, "X"), "bad_signature"},
		{"wrong token", "freshdesk-test-secreT", "", "bad_signature"},
		{"secret prefix", testSecret[:len(testSecret)-1], "", "bad_signature"},
		{"empty basic password", "", basic("slawatch", ""), "bad_signature"},
		{"not basic", "", "Bearer " + testSecret, "bad_signature"},
		{"malformed basic", "", "Basic !!!", "bad_signature"},
		{"no credentials", "", "", "missing_signature"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{}
			if tt.token != "" {
				h.Set(freshdesk.TokenHeader, tt.token)
			}
			if tt.authz != "" {
				h.Set("Authorization", tt.authz)
			}
			err := freshdesk.Adapter{}.Verify(provider.Request{Header: h, Body: body}, settings())
			var auth *provider.AuthError
			switch {
			case tt.reason == "" && err != nil:
				t.Fatalf("Verify = %v, want accepted", err)
			case tt.reason != "" && (!errors.As(err, &auth) || auth.Reason != tt.reason):
				t.Fatalf("Verify = %v, want AuthError %s", err, tt.reason)
			}
			if err != nil && strings.Contains(err.Error(), testSecret) {
				t.Errorf("error echoes the secret: %v", err)
			}
		})
	}
	t.Run("empty secret never verifies", func(t *testing.T) {
		s := settings()
		s.Secret = nil
		h := http.Header{}
		h.Set("Authorization", basic("x", ""))
		if err := (freshdesk.Adapter{}).Verify(provider.Request{Header: h, Body: body}, s); err == nil {
			t.Error("Verify accepted a request under an empty secret")
		}
	})
}

func fixtureNames(f *testing.F) []string {
	names, err := filepath.Glob(filepath.Join("testdata", "*.json"))
	if err != nil || len(names) == 0 {
		f.Fatalf("no fixtures: %v", err)
	}
	for i, n := range names {
		names[i] = filepath.Base(n)
	}
	return names
}

// FuzzVerify: Verify never panics, refuses with an AuthError, and accepts
// only a request that presents the secret itself.
func FuzzVerify(f *testing.F) {
	for _, n := range fixtureNames(f) {
		f.Add(fixture(f, n), "", knownBasic)
		f.Add(fixture(f, n), testSecret, "")
		f.Add(fixture(f, n), "wrong", wrongBasic)
	}
	f.Add([]byte(`{}`), "", "Basic")
	f.Fuzz(func(t *testing.T, body []byte, token, authz string) {
		h := http.Header{}
		h.Set(freshdesk.TokenHeader, token)
		h.Set("Authorization", authz)
		err := freshdesk.Adapter{}.Verify(provider.Request{Header: h, Body: body}, settings())
		if err != nil {
			var auth *provider.AuthError
			if !errors.As(err, &auth) {
				t.Fatalf("error is not an AuthError: %v", err)
			}
			return
		}
		_, password, ok := (&http.Request{Header: h}).BasicAuth()
		if strings.TrimSpace(h.Get(freshdesk.TokenHeader)) != testSecret && (!ok || password != testSecret) {
			t.Fatalf("accepted without the secret: token %q authorization %q", token, authz)
		}
	})
}

// FuzzParse: any body gives events, an ignore reason or a ParseError —
// never a panic — and every event is valid.
func FuzzParse(f *testing.F) {
	for _, n := range fixtureNames(f) {
		f.Add(fixture(f, n))
	}
	f.Add([]byte(`{"event":"tags_changed","ticket_id":1,"ticket_tags":", ,a","ticket_updated_at":"2026-11-23T09:00:00+01:00"}`))
	f.Add([]byte(`{"freshdesk_webhook":{"ticket_id":"1","ticket_updated_at":"2026-11-23 09:00:00 UTC","triggered_event":"{note_type:private}"}}`))
	f.Add([]byte(`{"freshdesk_webhook":null}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		res, err := freshdesk.Adapter{}.Parse(provider.Request{Body: body}, settings())
		if err != nil {
			var pe *provider.ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("error is not a ParseError: %v", err)
			}
			return
		}
		if res.Ignored == "" && len(res.Events) == 0 {
			t.Fatalf("no events and no ignore reason")
		}
		for _, e := range res.Events {
			if verr := e.Validate(); verr != nil {
				t.Fatalf("invalid event %+v: %v", e, verr)
			}
			if e.Source != "freshdesk" {
				t.Fatalf("source %q", e.Source)
			}
		}
	})
}
