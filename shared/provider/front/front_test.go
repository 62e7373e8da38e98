package front_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/slawatch/slawatch/shared/event"
	"github.com/slawatch/slawatch/shared/provider"
	"github.com/slawatch/slawatch/shared/provider/front"
	"github.com/slawatch/slawatch/shared/provider/providertest"
)

const (
	ruleSecret = "front-api-secret"
	appSecret  = "front-signing-key"
	// appTS is 2026-11-23T09:29:00Z in milliseconds, a minute before now.
	appTS = "1795426140000"
)

var now = time.Date(2026, 11, 23, 9, 30, 0, 0, time.UTC)

func settings(secret string) provider.Settings {
	return provider.Settings{Source: "front", Secret: []byte(secret), Window: 5 * time.Minute, Now: func() time.Time { return now }}
}

var fixture = providertest.Fixture

func at(hms string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, "2026-11-23T"+hms+"Z")
	if err != nil {
		panic(err)
	}
	return t
}

// ruleHeader returns the headers of a rule webhook.
func ruleHeader(sig string) http.Header {
	h := http.Header{"Content-Type": {"application/json"}}
	if sig != "" {
		h.Set(front.SignatureHeader, sig)
	}
	return h
}

// appHeader returns the headers of an application webhook.
func appHeader(ts, sig string) http.Header {
	h := ruleHeader(sig)
	h.Set(front.TimestampHeader, ts)
	return h
}

// TestKnownAnswerSignatures checks the signing helpers against values
// computed independently with openssl.
func TestKnownAnswerSignatures(t *testing.T) {
	body := `{"id":"evt_1","type":"inbound"}`
	// printf %s '{"id":"evt_1","type":"inbound"}' | openssl dgst -sha1 -hmac front-api-secret -binary | base64
	if got, want := front.SignRule([]byte(ruleSecret), []byte(body)), "ikedsjc7M92uDm3U5Lx7uq/G6tM="; got != want {
		t.Errorf("SignRule = %s, want %s", got, want)
	}
	// printf %s '1795426140000:{"id":"evt_1","type":"inbound"}' | openssl dgst -sha256 -hmac front-signing-key -binary | base64
	if got, want := front.SignApp([]byte(appSecret), appTS, []byte(body)), "vQDuyMul2K6PpJPwKWvFwg4DJxi7xFyoH9Qc0XxTDQs="; got != want {
		t.Errorf("SignApp = %s, want %s", got, want)
	}

	// The same, over fixture files as stored, through Verify.
	// openssl dgst -sha1 -hmac front-api-secret -binary < testdata/out_reply.json | base64
	r := provider.Request{Header: ruleHeader("m+nbw+yhjW+ZnSbzBzss1yx+BVY="), Body: fixture(t, "out_reply.json")}
	if err := (front.Adapter{}).Verify(r, settings(ruleSecret)); err != nil {
		t.Errorf("rule fixture: Verify = %v", err)
	}
	// printf %s 1795426140000: | cat - testdata/app_inbound.json | openssl dgst -sha256 -hmac front-signing-key -binary | base64
	r = provider.Request{Header: appHeader(appTS, "QMh5RqVbKsVVoF7MY0T4dEVqWL0xVisIcut7DNbm5qM="), Body: fixture(t, "app_inbound.json")}
	if err := (front.Adapter{}).Verify(r, settings(appSecret)); err != nil {
		t.Errorf("application fixture: Verify = %v", err)
	}
}

func TestVerify(t *testing.T) {
	body := fixture(t, "out_reply.json")
	appBody := fixture(t, "app_inbound.json")
	tampered := append([]byte(nil), body...)
	tampered[len(tampered)/2] ^= 0x01
	appTampered := append([]byte(nil), appBody...)
	appTampered[len(appTampered)/2] ^= 0x01
	remarshalled := remarshal(t, body)
	appRemarshalled := remarshal(t, appBody)
	ms := func(d time.Duration) string { return jsonInt(now.Add(d).UnixMilli()) }
	stale, future := ms(-6*time.Minute), ms(6*time.Minute)

	tests := []struct {
		name   string
		header http.Header
		body   []byte
		reason string // "" for success
	}{
		{"rule: valid", ruleHeader(front.SignRule([]byte(ruleSecret), body)), body, ""},
		{"rule: wrong secret", ruleHeader(front.SignRule([]byte("other"), body)), body, "bad_signature"},
		{"rule: missing header", ruleHeader(""), body, "missing_signature"},
		{"rule: tampered body", ruleHeader(front.SignRule([]byte(ruleSecret), body)), tampered, "bad_signature"},
		{"rule: signed re-marshalled body", ruleHeader(front.SignRule([]byte(ruleSecret), remarshalled)), body, "bad_signature"},
		{"rule: not base64", ruleHeader("not a signature!"), body, "bad_signature"},
		{"rule: SHA-256 signature", ruleHeader(front.SignApp([]byte(ruleSecret), "", body)[:10]), body, "bad_signature"},

		{"app: valid", appHeader(appTS, front.SignApp([]byte(appSecret), appTS, appBody)), appBody, ""},
		{"app: wrong secret", appHeader(appTS, front.SignApp([]byte("other"), appTS, appBody)), appBody, "bad_signature"},
		{"app: missing signature", appHeader(appTS, ""), appBody, "missing_signature"},
		{"app: tampered body", appHeader(appTS, front.SignApp([]byte(appSecret), appTS, appBody)), appTampered, "bad_signature"},
		{"app: signed re-marshalled body", appHeader(appTS, front.SignApp([]byte(appSecret), appTS, appRemarshalled)), appBody, "bad_signature"},
		{"app: timestamp changed after signing", appHeader(ms(-time.Minute+time.Millisecond), front.SignApp([]byte(appSecret), appTS, appBody)), appBody, "bad_signature"},
		{"app: stale timestamp", appHeader(stale, front.SignApp([]byte(appSecret), stale, appBody)), appBody, "stale_timestamp"},
		{"app: timestamp in the future", appHeader(future, front.SignApp([]byte(appSecret), future, appBody)), appBody, "stale_timestamp"},
		{"app: timestamp in seconds", appHeader("1795426140", front.SignApp([]byte(appSecret), "1795426140", appBody)), appBody, "stale_timestamp"},
		{"app: timestamp not a number", appHeader("soon", front.SignApp([]byte(appSecret), "soon", appBody)), appBody, "stale_timestamp"},
		// A timestamp header makes it an application webhook: a valid rule
		// signature must not be accepted as a fallback.
		{"app: rule signature never accepted", appHeader(appTS, front.SignRule([]byte(appSecret), appBody)), appBody, "bad_signature"},
		{"app: empty timestamp, rule signature", appHeader("", front.SignRule([]byte(appSecret), appBody)), appBody, "bad_signature"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			secret := ruleSecret
			if strings.HasPrefix(tt.name, "app") {
				secret = appSecret
			}
			err := front.Adapter{}.Verify(provider.Request{Header: tt.header, Body: tt.body}, settings(secret))
			var auth *provider.AuthError
			switch {
			case tt.reason == "" && err != nil:
				t.Fatalf("Verify = %v, want nil", err)
			case tt.reason != "" && (!errors.As(err, &auth) || auth.Reason != tt.reason):
				t.Fatalf("Verify = %v, want AuthError %s", err, tt.reason)
			}
			if err != nil {
				for _, sig := range []string{front.SignRule([]byte(secret), tt.body), front.SignApp([]byte(secret), tt.header.Get(front.TimestampHeader), tt.body)} {
					if strings.Contains(err.Error(), sig) {
						t.Errorf("error %q echoes the expected signature", err)
					}
				}
			}
		})
	}
}

func remarshal(t *testing.T, b []byte) []byte {
	t.Helper()
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	out, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func jsonInt(n int64) string { b, _ := json.Marshal(n); return string(b) }

func TestParseFixtures(t *testing.T) {
	tests := []struct {
		file    string
		app     bool
		ack     string // Settings.AckAuthor
		want    []event.Event
		ignored string
	}{
		{file: "inbound.json", want: []event.Event{{
			Source: "front", TicketID: "cnv_8f2kd1", ID: "evt_3k7q1a", Kind: event.CustomerMessage,
			OccurredAt: at("09:00:00.125"), Channel: event.Email, Tags: []string{"billing"}, Author: event.Customer,
			Domain: "example.com", // conversation.recipient.handle dana.customer@example.com
		}}},
		{file: "out_reply.json", want: []event.Event{{
			Source: "front", TicketID: "cnv_8f2kd1", ID: "evt_3k7q9z", Kind: event.AgentReply,
			OccurredAt: at("09:12:00"), Channel: event.Email, Tags: []string{"billing"}, Author: event.Agent, Public: true,
		}}},
		{file: "out_reply.json", ack: "tea_4r2", want: []event.Event{{
			Source: "front", TicketID: "cnv_8f2kd1", ID: "evt_3k7q9z", Kind: event.AgentReply,
			OccurredAt: at("09:12:00"), Channel: event.Email, Tags: []string{"billing"}, Author: event.Agent, Public: true,
			Acknowledgement: true,
		}}},
		{file: "comment.json", want: []event.Event{{
			Source: "front", TicketID: "cnv_8f2kd1", ID: "evt_3k7q4c", Kind: event.InternalNote,
			OccurredAt: at("09:05:00.5"), Tags: []string{"billing"}, Author: event.Agent,
		}}},
		{file: "out_reply_rule.json", want: []event.Event{{
			Source: "front", TicketID: "cnv_8f2kd1", ID: "evt_3k7q2b", Kind: event.AgentReply,
			OccurredAt: at("09:01:00"), Channel: event.Email, Tags: []string{"billing"}, Author: event.Bot, Public: true,
		}}},
		{file: "archive.json", want: []event.Event{{
			Source: "front", TicketID: "cnv_8f2kd1", ID: "evt_3k7qa0", Kind: event.StatusChanged,
			OccurredAt: at("09:20:00"), Status: event.Solved, Tags: []string{"billing", "vip"},
		}}},
		// Front has no priority: tags are the ticket attribute that changes.
		{file: "tag.json", want: []event.Event{{
			Source: "front", TicketID: "cnv_8f2kd1", ID: "evt_3k7q7t", Kind: event.TagsChanged,
			OccurredAt: at("09:15:00"), Tags: []string{"billing", "vip"},
		}}},
		{file: "untag.json", want: []event.Event{{
			Source: "front", TicketID: "cnv_8f2kd1", ID: "evt_3k7q8u", Kind: event.TagsChanged,
			OccurredAt: at("09:16:00"), Tags: []string{"vip"},
		}}},
		{file: "outbound.json", want: []event.Event{{
			Source: "front", TicketID: "cnv_9q4mz2", ID: "evt_3k7r0o", Kind: event.TicketCreated,
			OccurredAt: at("09:02:00"), Channel: event.Messaging, Tags: []string{}, Author: event.Agent, Public: true,
		}}},
		{file: "assign.json", ignored: `front event "assign" is not tracked`},
		{file: "app_inbound.json", app: true, want: []event.Event{{
			Source: "front", TicketID: "cnv_7t1ww3", ID: "evt_5m2n8p", Kind: event.CustomerMessage,
			OccurredAt: at("09:25:00"), Channel: event.SMS, Tags: []string{}, Author: event.Customer,
		}}},
	}
	for _, tt := range tests {
		t.Run(tt.file+"/"+tt.ack, func(t *testing.T) {
			h := ruleHeader("x")
			if tt.app {
				h = appHeader(appTS, "x")
			}
			s := settings("")
			s.AckAuthor = tt.ack
			res, err := front.Adapter{}.Parse(provider.Request{Header: h, Body: fixture(t, tt.file)}, s)
			if err != nil {
				t.Fatalf("Parse = %v", err)
			}
			if res.Ignored != tt.ignored || res.Reply != nil {
				t.Fatalf("Ignored = %q, Reply = %v; want ignored %q", res.Ignored, res.Reply, tt.ignored)
			}
			assertEvents(t, res.Events, tt.want)
		})
	}
}

var assertEvents = providertest.CheckEvents

func TestParseChallenge(t *testing.T) {
	h := appHeader(appTS, "x")
	h.Set(front.ChallengeHeader, "c9f0e1a2-challenge")
	res, err := front.Adapter{}.Parse(provider.Request{Header: h, Body: fixture(t, "app_sync.json")}, settings(appSecret))
	if err != nil {
		t.Fatal(err)
	}
	rep := res.Reply
	if rep == nil || rep.Status != http.StatusOK || rep.ContentType != "application/json" {
		t.Fatalf("Reply = %+v, want 200 application/json", rep)
	}
	if got, want := string(rep.Body), `{"challenge":"c9f0e1a2-challenge"}`; got != want {
		t.Errorf("reply body = %s, want %s", got, want)
	}
	if got := rep.Header.Get(front.ChallengeHeader); got != "c9f0e1a2-challenge" {
		t.Errorf("reply header = %q", got)
	}
	if len(res.Events) != 0 {
		t.Errorf("challenge produced events: %v", res.Events)
	}

	// A sync without a challenge has nothing to answer.
	res, err = front.Adapter{}.Parse(provider.Request{Header: appHeader(appTS, "x"), Body: fixture(t, "app_sync.json")}, settings(appSecret))
	if err != nil || res.Ignored == "" {
		t.Errorf("sync without challenge: %+v, %v; want ignored", res, err)
	}
}

func TestParseDetails(t *testing.T) {
	reply := string(fixture(t, "out_reply.json"))
	tests := []struct {
		name, body string
		check      func(t *testing.T, e event.Event)
	}{
		{"API-sent reply is a bot", sub(reply, `"_meta": {"type": "inboxes"}`, `"_meta": {"type": "api"}`),
			func(t *testing.T, e event.Event) { want(t, e.Author, event.Bot) }},
		{"OAuth app reply is a bot", sub(reply, `"_meta": {"type": "inboxes"}`, `"_meta": {"type": "oauth_client"}`),
			func(t *testing.T, e event.Event) { want(t, e.Author, event.Bot) }},
		{"reply without author field is an agent's", sub(reply, `"author": {"_links"`, `"sender": {"_links"`),
			func(t *testing.T, e event.Event) { want(t, e.Author, event.Agent) }},
		{"marker in the body is an acknowledgement", sub(reply, "re-issued the invoice.</p>", "re-issued the invoice.</p><!-- slawatch:ack -->"),
			func(t *testing.T, e event.Event) { want(t, e.Acknowledgement, true) }},
		{"emitted_at as a string", sub(reply, `"emitted_at": 1795425120,`, `"emitted_at": "1795425120.250",`),
			func(t *testing.T, e event.Event) { want(t, e.OccurredAt, at("09:12:00.25")) }},
		{"emitted_at with an exponent", sub(reply, `"emitted_at": 1795425120,`, `"emitted_at": 1.79542512e9,`),
			func(t *testing.T, e event.Event) { want(t, e.OccurredAt, at("09:12:00")) }},
		{"channel type upper case", sub(reply, `"type": "email"`, `"type": "FRONT_CHAT"`),
			func(t *testing.T, e event.Event) { want(t, e.Channel, event.Chat) }},
		{"unknown channel type left empty", sub(reply, `"type": "email"`, `"type": "carrier-pigeon"`),
			func(t *testing.T, e event.Event) { want(t, e.Channel, event.Channel("")) }},
		{"conversation without tags leaves tags unknown", sub(reply, `"tags": [{"id": "tag_2b1", "name": "billing"}],`, ``),
			func(t *testing.T, e event.Event) {
				if e.Tags != nil {
					t.Errorf("Tags = %#v, want nil", e.Tags)
				}
			}},
		{"restore reopens", sub(string(fixture(t, "archive.json")), `"type": "archive"`, `"type": "restore"`),
			func(t *testing.T, e event.Event) { want(t, e.Status, event.Open) }},
		{"trash closes", sub(string(fixture(t, "archive.json")), `"type": "archive"`, `"type": "trash"`),
			func(t *testing.T, e event.Event) { want(t, e.Status, event.Closed) }},
		{"reopen opens", sub(string(fixture(t, "archive.json")), `"type": "archive"`, `"type": "reopen"`),
			func(t *testing.T, e event.Event) { want(t, e.Status, event.Open) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := front.Adapter{}.Parse(provider.Request{Header: ruleHeader("x"), Body: []byte(tt.body)}, settings(""))
			if err != nil || len(res.Events) != 1 {
				t.Fatalf("Parse = %+v, %v", res, err)
			}
			tt.check(t, res.Events[0])
		})
	}

	// A rule-sent outbound message starts nothing.
	out := sub(string(fixture(t, "outbound.json")), `"_meta": {"type": "inboxes"}`, `"_meta": {"type": "rule"}`)
	res, err := front.Adapter{}.Parse(provider.Request{Header: ruleHeader("x"), Body: []byte(out)}, settings(""))
	if err != nil || res.Ignored == "" || len(res.Events) != 0 {
		t.Errorf("rule outbound: %+v, %v; want ignored", res, err)
	}
}

func want[T comparable](t *testing.T, got, want T) {
	t.Helper()
	if got != want {
		t.Errorf("got %v, want %v", got, want)
	}
}

func TestParseErrors(t *testing.T) {
	reply := string(fixture(t, "out_reply.json"))
	app := string(fixture(t, "app_inbound.json"))
	tests := []struct {
		name, body string
		app        bool
		field      string
	}{
		{"malformed JSON", `{"id": "evt_1", "type":`, false, ""},
		{"empty body", ``, false, ""},
		{"not an object", `[1, 2]`, false, "(body)"},
		{"missing type", `{"id": "evt_1"}`, false, "type"},
		{"missing id", sub(reply, `"id": "evt_3k7q9z",`, ``), false, "id"},
		{"missing emitted_at", sub(reply, `"emitted_at": 1795425120,`, ``), false, "emitted_at"},
		{"bad emitted_at", sub(reply, `"emitted_at": 1795425120,`, `"emitted_at": "yesterday",`), false, "emitted_at"},
		{"negative emitted_at", sub(reply, `"emitted_at": 1795425120,`, `"emitted_at": -5,`), false, "emitted_at"},
		{"missing conversation id", sub(reply, `"id": "cnv_8f2kd1",`, ``), false, "conversation.id"},
		{"conversation id not a string", sub(reply, `"id": "cnv_8f2kd1",`, `"id": 42,`), false, "conversation.id"},
		{"missing target", sub(string(fixture(t, "comment.json")), `"target": {`, `"targetx": {`), false, "target.data"},
		{"author not an object", sub(reply, `"author": {"_links"`, `"author": "sam", "x": {"_links"`), false, "target.data.author"},
		{"tag without conversation tags", sub(string(fixture(t, "tag.json")), `"tags": [{"id": "tag_2b1", "name": "billing"}],`, ``), false, "conversation.tags"},
		{"app: missing payload", `{"type": "inbound_received", "authorization": {"id": "cmp_1"}}`, true, "payload"},
		{"app: payload not an object", `{"type": "inbound_received", "payload": "evt"}`, true, "payload"},
		{"app: nested field named from the top", sub(app, `"id": "cnv_7t1ww3",`, `"id": ["cnv"],`), true, "payload.conversation.id"},
		{"app: missing nested id", sub(app, `"id": "evt_5m2n8p",`, ``), true, "payload.id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := ruleHeader("x")
			if tt.app {
				h = appHeader(appTS, "x")
			}
			res, err := front.Adapter{}.Parse(provider.Request{Header: h, Body: []byte(tt.body)}, settings(""))
			var pe *provider.ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("Parse = %+v, %v; want a ParseError", res, err)
			}
			if pe.Field != tt.field {
				t.Errorf("field = %q, want %q (%v)", pe.Field, tt.field, err)
			}
		})
	}
}

// sub replaces the first old in s, panicking if there is none, so that a
// fixture edit cannot silently turn a test into a no-op.
func sub(s, old, new string) string {
	if !strings.Contains(s, old) {
		panic("fixture does not contain " + old)
	}
	return strings.Replace(s, old, new, 1)
}
