package hubspot_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/slawatch/slawatch/shared/event"
	"github.com/slawatch/slawatch/shared/provider"
	"github.com/slawatch/slawatch/shared/provider/hubspot"
	"github.com/slawatch/slawatch/shared/provider/providertest"
)

const (
	secret  = "hubspot-client-secret"
	hookURL = "https://slawatch.example.com/webhooks/hubspot"
)

var now = time.Date(2026, 11, 23, 9, 30, 0, 0, time.UTC)

func settings() provider.Settings {
	return provider.Settings{Source: "hubspot", Secret: []byte(secret), Now: func() time.Time { return now }}
}

var fixture = providertest.Fixture

// ts is a request timestamp header value d before the test clock.
func ts(d time.Duration) string { return strconv.FormatInt(now.Add(-d).UnixMilli(), 10) }

func signed(url string, body []byte, timestamp string) provider.Request {
	h := http.Header{}
	h.Set(hubspot.SignatureHeader, hubspot.Sign([]byte(secret), "POST", url, body, timestamp))
	h.Set(hubspot.TimestampHeader, timestamp)
	return provider.Request{Method: "POST", URL: url, Header: h, Body: body}
}

// The expected values were computed with openssl, independently of this
// code, over the fixture file's exact bytes (trailing newline included):
//
//	{ printf %s 'POSThttps://slawatch.example.com/webhooks/hubspot'; cat testdata/priority_change.json; printf %s 1795426170000; } \
//	  | openssl dgst -sha256 -hmac 'hubspot-client-secret' -binary | base64
//
// and, for the URL with escapes, over the URI as HubSpot signs it (%3A and
// %2C decoded, %20 kept):
//
//	{ printf %s 'POSThttps://slawatch.example.com/webhooks/hubspot?stages=124821629:closed,124821630:pending&note=a%20b'; \
//	  cat testdata/priority_change.json; printf %s 1795426170000; } | openssl dgst -sha256 -hmac 'hubspot-client-secret' -binary | base64
func TestSignKnownAnswer(t *testing.T) {
	body := fixture(t, "priority_change.json")
	tests := []struct{ url, want string }{
		{hookURL, "YanPYVJEROa3vvKVzY9yoycVPAkxtArSScAl9HkAJu0="},
		{hookURL + "?stages=124821629%3Aclosed%2C124821630%3apending&note=a%20b", "Mhn0wY9gfmlJC/Zk3wNarE8cAHZD3APS1iwGgXd7gXY="},
	}
	for _, tt := range tests {
		if got := hubspot.Sign([]byte(secret), "POST", tt.url, body, "1795426170000"); got != tt.want {
			t.Errorf("Sign(%s) = %s, want %s", tt.url, got, tt.want)
		}
		// 1795426170000 is 09:29:30, inside the window at 09:30.
		h := http.Header{}
		h.Set(hubspot.SignatureHeader, tt.want)
		h.Set(hubspot.TimestampHeader, "1795426170000")
		if err := (hubspot.Adapter{}).Verify(provider.Request{Method: "POST", URL: tt.url, Header: h, Body: body}, settings()); err != nil {
			t.Errorf("Verify(openssl signature for %s) = %v", tt.url, err)
		}
	}
}

func TestNormalizeURI(t *testing.T) {
	tests := []struct{ in, want string }{
		{"https://a.example.com/x", "https://a.example.com/x"},
		{"https://a.example.com/x?u=https%3A%2F%2Fb%2Ec%3Fq%40%21%24%27%28%29%2A%2C%3B", "https://a.example.com/x?u=https://b%2Ec?q@!$'()*,;"},
		{"https://a.example.com/x?a=%3a%2f", "https://a.example.com/x?a=:/"},                       // lower-case hex too
		{"https://a.example.com/x?a=%20%2B%25%26%3D", "https://a.example.com/x?a=%20%2B%25%26%3D"}, // not in HubSpot's list
		{"https://a.example.com/%", "https://a.example.com/%"},
		{"https://a.example.com/%3", "https://a.example.com/%3"},
		{"%253A", "%253A"}, // decoded once, never twice
	}
	for _, tt := range tests {
		if got := hubspot.NormalizeURI(tt.in); got != tt.want {
			t.Errorf("NormalizeURI(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestVerify(t *testing.T) {
	body := fixture(t, "agent_reply.json")
	fresh := ts(10 * time.Second)
	good := signed(hookURL, body, fresh)

	with := func(mod func(r *provider.Request)) provider.Request {
		r := good
		r.Header = good.Header.Clone()
		r.Body = bytes.Clone(good.Body)
		mod(&r)
		return r
	}
	remarshalled := func() []byte {
		var v any
		if err := json.Unmarshal(body, &v); err != nil {
			t.Fatal(err)
		}
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Equal(b, body) {
			t.Fatal("re-marshalled body equals the original; the test would prove nothing")
		}
		return b
	}()

	tests := []struct {
		name   string
		req    provider.Request
		window time.Duration
		reason string
	}{
		{"valid", good, 0, ""},
		{"valid, lower-case escapes in URL", signed(hookURL+"?stages=9%3aclosed", body, fresh), 0, ""},
		{"valid, 4 min old", signed(hookURL, body, ts(4*time.Minute)), 0, ""},
		{"valid, 6 min old with a 10 min window", signed(hookURL, body, ts(6*time.Minute)), 10 * time.Minute, ""},
		{"missing signature", with(func(r *provider.Request) { r.Header.Del(hubspot.SignatureHeader) }), 0, "missing_signature"},
		{"missing timestamp", with(func(r *provider.Request) { r.Header.Del(hubspot.TimestampHeader) }), 0, "missing_signature"},
		{"wrong secret", with(func(r *provider.Request) {
			r.Header.Set(hubspot.SignatureHeader, hubspot.Sign([]byte("other-secret"), "POST", hookURL, body, fresh))
		}), 0, "bad_signature"},
		{"tampered body", with(func(r *provider.Request) { r.Body[bytes.IndexByte(r.Body, '7')] = '8' }), 0, "bad_signature"},
		{"signature over the re-marshalled body", with(func(r *provider.Request) {
			r.Header.Set(hubspot.SignatureHeader, hubspot.Sign([]byte(secret), "POST", hookURL, remarshalled, fresh))
		}), 0, "bad_signature"},
		{"other URL", with(func(r *provider.Request) { r.URL = "http://slawatch.example.com/webhooks/hubspot" }), 0, "bad_signature"},
		{"other method", with(func(r *provider.Request) { r.Method = "PUT" }), 0, "bad_signature"},
		{"timestamp header changed", with(func(r *provider.Request) { r.Header.Set(hubspot.TimestampHeader, ts(5*time.Second)) }), 0, "bad_signature"},
		{"not base64", with(func(r *provider.Request) { r.Header.Set(hubspot.SignatureHeader, "not*base64") }), 0, "bad_signature"},
		{"stale timestamp", signed(hookURL, body, ts(6*time.Minute)), 0, "stale_timestamp"},
		{"timestamp from the future", signed(hookURL, body, ts(-6*time.Minute)), 0, "stale_timestamp"},
		{"timestamp in seconds", signed(hookURL, body, strconv.FormatInt(now.Unix(), 10)), 0, "stale_timestamp"},
		{"timestamp not a number", signed(hookURL, body, "yesterday"), 0, "bad_signature"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := settings()
			s.Window = tt.window
			err := hubspot.Adapter{}.Verify(tt.req, s)
			var auth *provider.AuthError
			switch {
			case tt.reason == "" && err != nil:
				t.Errorf("Verify = %v, want nil", err)
			case tt.reason != "" && (!errors.As(err, &auth) || auth.Reason != tt.reason):
				t.Errorf("Verify = %v, want AuthError %s", err, tt.reason)
			case err != nil && strings.Contains(err.Error(), good.Header.Get(hubspot.SignatureHeader)):
				t.Errorf("error echoes the expected signature: %v", err)
			}
		})
	}
}

func at(hms string) time.Time {
	t, err := time.Parse(time.RFC3339, "2026-11-23T"+hms+"Z")
	if err != nil {
		panic(err)
	}
	return t
}

func TestParseFixtures(t *testing.T) {
	const src = "hubspot"
	tests := []struct {
		file    string
		want    []event.Event
		ignored []string // parts of the ignore reason
	}{
		{"ticket_created.json", []event.Event{
			{Source: src, TicketID: "4301", ID: "3811150001", Kind: event.TicketCreated, OccurredAt: at("09:00:00")},
			{Source: src, TicketID: "4301", ID: "3811150002", Kind: event.TagsChanged, OccurredAt: at("09:00:00"), Channel: event.Chat},
		}, nil},
		{"customer_message.json", []event.Event{
			{Source: src, TicketID: "4301", ID: "3811150010", Kind: event.CustomerMessage, OccurredAt: at("09:20:00"), Author: event.Customer},
		}, nil},
		{"agent_reply.json", []event.Event{
			{Source: src, TicketID: "4301", ID: "3811150020", Kind: event.AgentReply, OccurredAt: at("09:12:30"), Author: event.Agent, Public: true},
			{Source: src, TicketID: "4301", ID: "3811150021", Kind: event.AgentReply, OccurredAt: at("09:12:30"), Author: event.Agent, Public: true},
		}, nil},
		{"internal_note.json", []event.Event{
			{Source: src, TicketID: "8876001", ID: "3811150030", Kind: event.InternalNote, OccurredAt: at("09:15:00"), Author: event.Agent},
		}, nil},
		{"bot_reply.json", []event.Event{
			{Source: src, TicketID: "8876001", ID: "3811150040", Kind: event.AgentReply, OccurredAt: at("09:00:05"), Author: event.Bot, Public: true},
		}, nil},
		{"conversation_created.json", []event.Event{
			{Source: src, TicketID: "8876001", ID: "3811150045", Kind: event.TicketCreated, OccurredAt: at("09:00:00")},
		}, nil},
		{"status_change.json", []event.Event{
			{Source: src, TicketID: "4301", ID: "3811150050", Kind: event.StatusChanged, OccurredAt: at("09:28:00"), Status: event.Closed},
		}, nil},
		{"priority_change.json", []event.Event{
			{Source: src, TicketID: "4301", ID: "3811150060", Kind: event.PriorityChanged, OccurredAt: at("09:10:00"), Priority: event.Urgent},
		}, nil},
		{"mixed.json", []event.Event{
			{Source: src, TicketID: "4302", ID: "3811150081", Kind: event.PriorityChanged, OccurredAt: at("09:29:00"), Priority: event.Low},
		}, nil},
		{"unknown.json", nil, []string{"contact.creation is not tracked", "conversation.newMessage MESSAGE is not tracked"}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			res, err := hubspot.Adapter{}.Parse(provider.Request{Method: "POST", URL: hookURL, Body: fixture(t, tt.file)}, settings())
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if !reflect.DeepEqual(res.Events, tt.want) {
				t.Errorf("events:\n got %+v\nwant %+v", res.Events, tt.want)
			}
			for _, part := range tt.ignored {
				if !strings.Contains(res.Ignored, part) {
					t.Errorf("Ignored = %q, want it to mention %q", res.Ignored, part)
				}
			}
			if len(tt.ignored) == 0 && res.Ignored != "" {
				t.Errorf("Ignored = %q, want events", res.Ignored)
			}
			for _, e := range res.Events {
				if err := e.Validate(); err != nil {
					t.Errorf("invalid event: %v", err)
				}
			}
		})
	}
}

// body builds a one-event batch from a template with fields replaced.
func body(fields map[string]any) []byte {
	ev := map[string]any{
		"eventId": 77, "subscriptionId": 1, "portalId": 62515, "appId": 54321, "occurredAt": 1795425000000,
		"subscriptionType": "ticket.propertyChange", "attemptNumber": 0, "objectId": 4301,
	}
	for k, v := range fields {
		if v == nil {
			delete(ev, k)
		} else {
			ev[k] = v
		}
	}
	b, _ := json.Marshal([]any{ev})
	return b
}

func TestParseMappings(t *testing.T) {
	stage := func(v string) map[string]any {
		return map[string]any{"propertyName": "hs_pipeline_stage", "propertyValue": v}
	}
	prio := func(v string) map[string]any {
		return map[string]any{"propertyName": "hs_ticket_priority", "propertyValue": v}
	}
	tests := []struct {
		name   string
		url    string
		fields map[string]any
		want   event.Event // compared on the fields set here
		ignore string
	}{
		{"stage 1 new", hookURL, stage("1"), event.Event{Kind: event.StatusChanged, Status: event.New}, ""},
		{"stage 2 waiting on contact", hookURL, stage("2"), event.Event{Kind: event.StatusChanged, Status: event.Pending}, ""},
		{"stage 3 waiting on us", hookURL, stage("3"), event.Event{Kind: event.StatusChanged, Status: event.Open}, ""},
		{"stage 4 closed", hookURL, stage("4"), event.Event{Kind: event.StatusChanged, Status: event.Closed}, ""},
		{"custom stage unmapped", hookURL, stage("124821629"), event.Event{}, "not a mapped stage"},
		{"custom stage mapped in URL", hookURL + "?stages=124821629:solved,124821630:on_hold", stage("124821629"),
			event.Event{Kind: event.StatusChanged, Status: event.Solved}, ""},
		{"custom stage mapped, escaped", hookURL + "?stages=124821630%3AON_HOLD", stage("124821630"),
			event.Event{Kind: event.StatusChanged, Status: event.OnHold}, ""},
		{"URL mapping overrides a default", hookURL + "?stages=4:solved", stage("4"), event.Event{Kind: event.StatusChanged, Status: event.Solved}, ""},
		{"priority LOW", hookURL, prio("LOW"), event.Event{Kind: event.PriorityChanged, Priority: event.Low}, ""},
		{"priority MEDIUM", hookURL, prio("MEDIUM"), event.Event{Kind: event.PriorityChanged, Priority: event.Normal}, ""},
		{"priority high, lower case", hookURL, prio("high"), event.Event{Kind: event.PriorityChanged, Priority: event.High}, ""},
		{"priority cleared", hookURL, prio(""), event.Event{Kind: event.PriorityChanged, Priority: event.Normal}, ""},
		{"priority custom option", hookURL, prio("P5"), event.Event{}, "not a known priority"},
		{"source_type EMAIL", hookURL, map[string]any{"propertyName": "source_type", "propertyValue": "EMAIL"},
			event.Event{Kind: event.TagsChanged, Channel: event.Email}, ""},
		{"source_type FORM", hookURL, map[string]any{"propertyName": "source_type", "propertyValue": "FORM"},
			event.Event{Kind: event.TagsChanged, Channel: event.Web}, ""},
		{"first agent email reply, RFC 3339 value", hookURL, map[string]any{"propertyName": "first_agent_reply_date", "propertyValue": "2026-11-23T09:11:00.250Z"},
			event.Event{Kind: event.AgentReply, Author: event.Agent, Public: true, OccurredAt: at("09:11:00.250")}, ""},
		{"reply date as a JSON number", hookURL, map[string]any{"propertyName": "hs_last_message_sent_at", "propertyValue": 1795425060000},
			event.Event{Kind: event.AgentReply, Author: event.Agent, Public: true, OccurredAt: at("09:11:00")}, ""},
		{"reply date cleared", hookURL, map[string]any{"propertyName": "hs_last_message_sent_at", "propertyValue": ""}, event.Event{}, "cleared"},
		{"ids as strings", hookURL, map[string]any{"eventId": "abc-1", "objectId": "4301", "occurredAt": "1795425000000", "propertyName": "hs_pipeline_stage", "propertyValue": 4},
			event.Event{ID: "abc-1", Kind: event.StatusChanged, Status: event.Closed}, ""},
		{"generic format: object.creation of a ticket", hookURL, map[string]any{"subscriptionType": "object.creation", "objectTypeId": "0-5"},
			event.Event{Kind: event.TicketCreated}, ""},
		{"generic format: object.propertyChange of a ticket", hookURL, map[string]any{"subscriptionType": "object.propertyChange", "objectTypeId": "0-5", "propertyName": "hs_ticket_priority", "propertyValue": "HIGH"},
			event.Event{Kind: event.PriorityChanged, Priority: event.High}, ""},
		{"generic format: a contact", hookURL, map[string]any{"subscriptionType": "object.creation", "objectTypeId": "0-1"}, event.Event{}, "object.creation of objectTypeId 0-1 is not tracked"},
		{"untracked property", hookURL, map[string]any{"propertyName": "subject", "propertyValue": "Printer on fire"}, event.Event{}, "subject is not tracked"},
		{"comment without messageType", hookURL, map[string]any{"subscriptionType": "conversation.newMessage"}, event.Event{}, "without messageType"},
		{"untracked type ignores missing fields", hookURL, map[string]any{"subscriptionType": "deal.creation", "objectId": nil, "eventId": nil}, event.Event{}, "deal.creation is not tracked"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := hubspot.Adapter{}.Parse(provider.Request{URL: tt.url, Body: body(tt.fields)}, settings())
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if tt.ignore != "" {
				if !strings.Contains(res.Ignored, tt.ignore) || len(res.Events) != 0 {
					t.Fatalf("got %+v, want ignored with %q", res, tt.ignore)
				}
				return
			}
			if len(res.Events) != 1 {
				t.Fatalf("got %+v, want one event", res)
			}
			got, want := res.Events[0], tt.want
			want.Source, want.TicketID = "hubspot", "4301"
			if want.ID == "" {
				want.ID = "77"
			}
			if want.OccurredAt.IsZero() {
				want.OccurredAt = at("09:10:00")
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("got  %+v\nwant %+v", got, want)
			}
		})
	}
}

func TestParseAcknowledgement(t *testing.T) {
	s := settings()
	s.AckAuthor = "userId:7700123"
	res, err := hubspot.Adapter{}.Parse(provider.Request{URL: hookURL, Body: fixture(t, "agent_reply.json")}, s)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range res.Events {
		if !e.Acknowledgement || e.CountsAsResponse() {
			t.Errorf("reply by the ack author: %+v, want an acknowledgement that is no response", e)
		}
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name, url string
		body      []byte
		field     string
	}{
		{"malformed JSON", hookURL, []byte(`[{"eventId": 1,`), ""},
		{"empty body", hookURL, nil, ""},
		{"object, not array", hookURL, []byte(`{"eventId": 1}`), "(body)"},
		{"element not an object", hookURL, []byte(`[1]`), "[0]"},
		{"second element bad", hookURL, []byte(`[{"subscriptionType":"contact.creation"}, "x"]`), "[1]"},
		{"missing subscriptionType", hookURL, body(map[string]any{"subscriptionType": nil}), "[0].subscriptionType"},
		{"missing eventId", hookURL, body(map[string]any{"eventId": nil, "propertyName": "hs_pipeline_stage", "propertyValue": "4"}), "[0].eventId"},
		{"missing objectId", hookURL, body(map[string]any{"subscriptionType": "ticket.creation", "objectId": nil}), "[0].objectId"},
		{"missing occurredAt", hookURL, body(map[string]any{"subscriptionType": "ticket.creation", "occurredAt": nil}), "[0].occurredAt"},
		{"occurredAt not millis", hookURL, body(map[string]any{"subscriptionType": "ticket.creation", "occurredAt": "2026-11-23"}), "[0].occurredAt"},
		{"occurredAt beyond year 9999", hookURL, body(map[string]any{"subscriptionType": "ticket.creation", "occurredAt": 999999999999999999}), "[0].occurredAt"},
		{"missing propertyName", hookURL, body(map[string]any{}), "[0].propertyName"},
		{"eventId an object", hookURL, body(map[string]any{"subscriptionType": "ticket.creation", "eventId": map[string]any{}}), "[0].eventId"},
		{"bad reply date", hookURL, body(map[string]any{"propertyName": "hs_last_message_received_at", "propertyValue": "soon"}), "[0].propertyValue"},
		{"bad stages in URL", hookURL + "?stages=124821629:done", body(map[string]any{"propertyName": "hs_pipeline_stage", "propertyValue": "4"}), "stages"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := hubspot.Adapter{}.Parse(provider.Request{URL: tt.url, Body: tt.body}, settings())
			var pe *provider.ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("Parse error = %v, want a ParseError", err)
			}
			if pe.Field != tt.field {
				t.Errorf("field = %q, want %q (%v)", pe.Field, tt.field, err)
			}
		})
	}
}

func TestParseEmptyBatchIsIgnored(t *testing.T) {
	res, err := hubspot.Adapter{}.Parse(provider.Request{URL: hookURL, Body: []byte(" [] ")}, settings())
	if err != nil || res.Ignored == "" {
		t.Errorf("Parse([]) = %+v, %v; want ignored", res, err)
	}
}

var fixtures = []string{
	"ticket_created.json", "customer_message.json", "agent_reply.json", "internal_note.json", "bot_reply.json",
	"conversation_created.json", "status_change.json", "priority_change.json", "unknown.json", "mixed.json",
}

// FuzzParse: any body and URL give events, an ignore reason or a
// ParseError; never a panic; every event is valid.
func FuzzParse(f *testing.F) {
	for _, name := range fixtures {
		f.Add(fixture(f, name), hookURL)
	}
	f.Add([]byte(`[{"subscriptionType":"ticket.propertyChange","propertyName":"hs_pipeline_stage","propertyValue":"9","eventId":1,"objectId":2,"occurredAt":3}]`), hookURL+"?stages=9:pending")
	f.Add([]byte(`[null,{},[],"x",{"eventId":{}}]`), "%zz")
	f.Fuzz(func(t *testing.T, body []byte, url string) {
		res, err := hubspot.Adapter{}.Parse(provider.Request{Method: "POST", URL: url, Body: body}, settings())
		var pe *provider.ParseError
		if err != nil && !errors.As(err, &pe) {
			t.Fatalf("error is not a ParseError: %v", err)
		}
		for _, e := range res.Events {
			if verr := e.Validate(); verr != nil {
				t.Fatalf("returned invalid event %+v: %v", e, verr)
			}
			if _, merr := json.Marshal(e); merr != nil {
				t.Fatalf("event cannot be stored: %v", merr)
			}
		}
	})
}

// FuzzVerify: a request passes only with the MAC of exactly its method,
// URI, body and timestamp, and only with a fresh timestamp.
func FuzzVerify(f *testing.F) {
	fresh := ts(time.Minute)
	for _, name := range fixtures {
		b := fixture(f, name)
		f.Add(b, hubspot.Sign([]byte(secret), "POST", hookURL, b, fresh), fresh, hookURL)
		f.Add(b, hubspot.Sign([]byte(secret), "POST", hookURL, b, fresh)[1:], fresh, hookURL)
	}
	f.Add([]byte("[]"), "", "", "")
	f.Fuzz(func(t *testing.T, body []byte, sig, timestamp, url string) {
		h := http.Header{}
		h.Set(hubspot.SignatureHeader, sig)
		h.Set(hubspot.TimestampHeader, timestamp)
		err := hubspot.Adapter{}.Verify(provider.Request{Method: "POST", URL: url, Header: h, Body: body}, settings())
		var auth *provider.AuthError
		if err != nil && !errors.As(err, &auth) {
			t.Fatalf("error is not an AuthError: %v", err)
		}
		if err != nil {
			return
		}
		mac, derr := base64.StdEncoding.DecodeString(h.Get(hubspot.SignatureHeader))
		want := provider.MAC(provider.SHA256, []byte(secret), []byte("POST"), []byte(hubspot.NormalizeURI(url)), body, []byte(timestamp))
		if derr != nil || !bytes.Equal(mac, want) {
			t.Fatalf("Verify accepted a signature that is not the MAC (sig %q)", sig)
		}
		ms, perr := strconv.ParseInt(timestamp, 10, 64)
		if d := now.Sub(time.UnixMilli(ms)); perr != nil || d > provider.DefaultWindow || d < -provider.DefaultWindow {
			t.Fatalf("Verify accepted timestamp %q outside the window", timestamp)
		}
	})
}
