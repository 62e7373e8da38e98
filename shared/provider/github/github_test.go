package github_test

import (
	"bytes"
	"crypto/hmac"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/slawatch/slawatch/shared/event"
	"github.com/slawatch/slawatch/shared/provider"
	"github.com/slawatch/slawatch/shared/provider/github"
	"github.com/slawatch/slawatch/shared/provider/providertest"
)

const (
	secret   = "github-webhook-secret"
	delivery = "5f1c2e40-c9a1-11f0-8e3b-2d7a4c1b9e01"
	ticket   = "octo-org/helpdesk#42"
)

func settings() provider.Settings { return provider.Settings{Source: "github", Secret: []byte(secret)} }

var fixture = providertest.Fixture

// request is a delivery of body as event, with a valid signature.
func request(eventName string, body []byte) provider.Request {
	h := http.Header{}
	h.Set(github.EventHeader, eventName)
	h.Set(github.DeliveryHeader, delivery)
	h.Set(github.SignatureHeader, github.Sign([]byte(secret), body))
	return provider.Request{Method: "POST", URL: "https://sla.example.com/webhooks/github", Header: h, Body: body}
}

// eventOf names the X-GitHub-Event of a fixture: its file name up to the
// first dot.
func eventOf(file string) string { return strings.SplitN(file, ".", 2)[0] }

// The expected values were computed with openssl, independently of this
// code, over the fixture file's exact bytes:
//
//	openssl dgst -sha256 -hmac 'github-webhook-secret' -r < testdata/issue_comment.agent.json
//
// and the published HMAC-SHA256 example (key "key", "The quick brown fox
// jumps over the lazy dog"), re-checked with
//
//	printf %s 'The quick brown fox jumps over the lazy dog' | openssl dgst -sha256 -hmac key -r
func TestSignKnownAnswer(t *testing.T) {
	tests := []struct {
		secret string
		body   []byte
		want   string
	}{
		{secret, fixture(t, "issue_comment.agent.json"), "sha256=87108db89bbfe068c141b4859f399c652419bbe3cfe6b3e53fac8e6d38691357"},
		{"key", []byte("The quick brown fox jumps over the lazy dog"), "sha256=f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8"},
	}
	for _, tt := range tests {
		if got := github.Sign([]byte(tt.secret), tt.body); got != tt.want {
			t.Errorf("Sign = %s, want %s", got, tt.want)
		}
		h := http.Header{}
		h.Set(github.SignatureHeader, tt.want)
		if err := (github.Adapter{}).Verify(provider.Request{Header: h, Body: tt.body}, provider.Settings{Secret: []byte(tt.secret)}); err != nil {
			t.Errorf("Verify(openssl signature) = %v", err)
		}
	}
}

func TestVerify(t *testing.T) {
	body := fixture(t, "issue_comment.agent.json")
	good := request("issue_comment", body)
	with := func(mod func(r *provider.Request)) provider.Request {
		r := good
		r.Header = good.Header.Clone()
		r.Body = bytes.Clone(good.Body)
		mod(&r)
		return r
	}
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		t.Fatal(err)
	}
	remarshalled, _ := json.Marshal(v)
	if bytes.Equal(remarshalled, body) {
		t.Fatal("re-marshalled body equals the original; the test would prove nothing")
	}
	sig := good.Header.Get(github.SignatureHeader)

	tests := []struct {
		name   string
		req    provider.Request
		reason string
	}{
		{"valid", good, ""},
		{"valid, upper-case hex", with(func(r *provider.Request) {
			r.Header.Set(github.SignatureHeader, "sha256="+strings.ToUpper(strings.TrimPrefix(sig, "sha256=")))
		}), ""},
		{"missing header", with(func(r *provider.Request) { r.Header.Del(github.SignatureHeader) }), "missing_signature"},
		{"wrong secret", with(func(r *provider.Request) { r.Header.Set(github.SignatureHeader, github.Sign([]byte("other"), body)) }), "bad_signature"},
		{"tampered body", with(func(r *provider.Request) { r.Body[bytes.Index(r.Body, []byte("MEMBER"))] = 'N' }), "bad_signature"},
		{"signature over the re-marshalled body", with(func(r *provider.Request) {
			r.Header.Set(github.SignatureHeader, github.Sign([]byte(secret), remarshalled))
		}), "bad_signature"},
		{"sha1 signature only", with(func(r *provider.Request) {
			r.Header.Del(github.SignatureHeader)
			r.Header.Set("X-Hub-Signature", "sha1=0000000000000000000000000000000000000000")
		}), "missing_signature"},
		{"no sha256= prefix", with(func(r *provider.Request) { r.Header.Set(github.SignatureHeader, strings.TrimPrefix(sig, "sha256=")) }), "bad_signature"},
		{"truncated", with(func(r *provider.Request) { r.Header.Set(github.SignatureHeader, sig[:len(sig)-2]) }), "bad_signature"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := github.Adapter{}.Verify(tt.req, settings())
			var auth *provider.AuthError
			switch {
			case tt.reason == "" && err != nil:
				t.Errorf("Verify = %v, want nil", err)
			case tt.reason != "" && (!errors.As(err, &auth) || auth.Reason != tt.reason):
				t.Errorf("Verify = %v, want AuthError %s", err, tt.reason)
			case err != nil && strings.Contains(err.Error(), strings.TrimPrefix(sig, "sha256=")):
				t.Errorf("error echoes the expected signature: %v", err)
			}
		})
	}
}

func at(hms string) time.Time { return time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC).Add(mustDur(hms)) }

func mustDur(hms string) time.Duration {
	t, err := time.Parse("15:04:05", hms)
	if err != nil {
		panic(err)
	}
	return time.Duration(t.Hour())*time.Hour + time.Duration(t.Minute())*time.Minute + time.Duration(t.Second())*time.Second
}

func TestParseFixtures(t *testing.T) {
	const src = "github"
	tests := []struct {
		file    string
		want    []event.Event
		ignored string
	}{
		{"issues.opened.json", []event.Event{{Source: src, TicketID: ticket, ID: delivery, Kind: event.TicketCreated, OccurredAt: at("09:00:00"),
			Channel: event.Web, Priority: event.High, Tags: []string{"bug", "priority: high"}, Author: event.Customer, Public: true}}, ""},
		{"issue_comment.customer.json", []event.Event{{Source: src, TicketID: ticket, ID: delivery, Kind: event.CustomerMessage,
			OccurredAt: at("09:20:00"), Author: event.Customer, Public: true}}, ""},
		{"issue_comment.agent.json", []event.Event{{Source: src, TicketID: ticket, ID: delivery, Kind: event.AgentReply,
			OccurredAt: at("09:12:30"), Author: event.Agent, Public: true}}, ""},
		{"issue_comment.bot.json", []event.Event{{Source: src, TicketID: ticket, ID: delivery, Kind: event.AgentReply,
			OccurredAt: at("09:05:00"), Author: event.Bot, Public: true}}, ""},
		{"issues.labeled.json", []event.Event{{Source: src, TicketID: ticket, ID: delivery, Kind: event.TagsChanged,
			OccurredAt: at("09:10:00"), Priority: event.Urgent, Tags: []string{"bug", "priority: high", "P0"}}}, ""},
		{"issues.closed.json", []event.Event{{Source: src, TicketID: ticket, ID: delivery, Kind: event.StatusChanged,
			OccurredAt: at("09:28:00"), Status: event.Solved}}, ""},
		{"issues.reopened.json", []event.Event{{Source: src, TicketID: ticket, ID: delivery, Kind: event.StatusChanged,
			OccurredAt: at("09:29:00"), Status: event.Open}}, ""},
		{"issues.assigned.json", nil, "issues.assigned is not tracked"},
		{"issue_comment.pull_request.json", nil, "pull request"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			res, err := github.Adapter{}.Parse(request(eventOf(tt.file), fixture(t, tt.file)), settings())
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if !reflect.DeepEqual(res.Events, tt.want) {
				t.Errorf("events:\n got %+v\nwant %+v", res.Events, tt.want)
			}
			if tt.ignored == "" && res.Ignored != "" || !strings.Contains(res.Ignored, tt.ignored) {
				t.Errorf("Ignored = %q, want %q", res.Ignored, tt.ignored)
			}
			for _, e := range res.Events {
				if err := e.Validate(); err != nil {
					t.Errorf("invalid event: %v", err)
				}
			}
		})
	}
}

func TestParsePingAndOtherEvents(t *testing.T) {
	res, err := github.Adapter{}.Parse(request("ping", fixture(t, "ping.json")), settings())
	if err != nil || res.Reply == nil || res.Reply.Status != http.StatusOK || res.Reply.ContentType != "application/json" || len(res.Events) != 0 {
		t.Errorf("ping: %+v, %v; want a 200 JSON reply", res, err)
	}
	for _, name := range []string{"push", "pull_request", "issue_comment_x"} {
		res, err := github.Adapter{}.Parse(request(name, []byte(`{"zen":1}`)), settings())
		if err != nil || !strings.Contains(res.Ignored, name+" is not tracked") {
			t.Errorf("%s: %+v, %v; want ignored", name, res, err)
		}
	}
}

// edit changes a fixture: set assigns a value at a dotted path (nil
// deletes it).
func edit(t *testing.T, file string, set map[string]any) []byte {
	t.Helper()
	var v map[string]any
	if err := json.Unmarshal(fixture(t, file), &v); err != nil {
		t.Fatal(err)
	}
	for path, val := range set {
		keys := strings.Split(path, ".")
		m := v
		for _, k := range keys[:len(keys)-1] {
			m = m[k].(map[string]any)
		}
		if val == nil {
			delete(m, keys[len(keys)-1])
		} else {
			m[keys[len(keys)-1]] = val
		}
	}
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func labels(names ...string) []any {
	out := make([]any, len(names))
	for i, n := range names {
		out[i] = map[string]any{"name": n, "color": "ededed"}
	}
	return out
}

func TestParseVariants(t *testing.T) {
	tests := []struct {
		name, file string
		set        map[string]any
		check      func(e event.Event) bool
		want       string
		noDelivery bool
	}{
		{"closed as not planned", "issues.closed.json", map[string]any{"issue.state_reason": "not_planned"},
			func(e event.Event) bool { return e.Status == event.Closed }, "status closed", false},
		{"closed as duplicate", "issues.closed.json", map[string]any{"issue.state_reason": "duplicate"},
			func(e event.Event) bool { return e.Status == event.Closed }, "status closed", false},
		{"closed without closed_at", "issues.closed.json", map[string]any{"issue.closed_at": nil, "issue.updated_at": "2026-11-23T09:27:00Z"},
			func(e event.Event) bool { return e.OccurredAt.Equal(at("09:27:00")) }, "occurred at updated_at", false},
		{"opened by a member", "issues.opened.json", map[string]any{"issue.author_association": "MEMBER"},
			func(e event.Event) bool { return e.Author == event.Agent && e.Public }, "agent, public", false},
		{"opened by a bot", "issues.opened.json", map[string]any{"issue.user.login": "renovate[bot]", "issue.user.type": "User"},
			func(e event.Event) bool { return e.Author == event.Bot }, "bot", false},
		{"opened through an app", "issues.opened.json", map[string]any{"issue.performed_via_github_app": map[string]any{"id": 1, "slug": "forms"}},
			func(e event.Event) bool { return e.Channel == event.API }, "channel api", false},
		{"opened without labels", "issues.opened.json", map[string]any{"issue.labels": []any{}},
			func(e event.Event) bool { return e.Tags != nil && len(e.Tags) == 0 && e.Priority == "" }, "empty tag set, no priority", false},
		{"comment by a collaborator", "issue_comment.agent.json", map[string]any{"comment.author_association": "collaborator"},
			func(e event.Event) bool { return e.Kind == event.AgentReply && e.Author == event.Agent }, "agent reply", false},
		{"comment by a contributor", "issue_comment.agent.json", map[string]any{"comment.author_association": "CONTRIBUTOR"},
			func(e event.Event) bool { return e.Kind == event.CustomerMessage && e.Author == event.Customer }, "customer message", false},
		{"member bot account", "issue_comment.agent.json", map[string]any{"comment.user.type": "Bot"},
			func(e event.Event) bool {
				return e.Kind == event.AgentReply && e.Author == event.Bot && !e.CountsAsResponse()
			}, "bot reply", false},
		{"acknowledgement marker", "issue_comment.agent.json", map[string]any{"comment.body": "Got it! <!-- slawatch:ack -->"},
			func(e event.Event) bool { return e.Acknowledgement && !e.CountsAsResponse() }, "acknowledgement", false},
		{"P0 removed, priority: high remains", "issues.labeled.json", map[string]any{"action": "unlabeled", "issue.labels": labels("bug", "priority: high")},
			func(e event.Event) bool { return e.Priority == event.High && len(e.Tags) == 2 }, "high", false},
		{"last priority label removed", "issues.labeled.json", map[string]any{"action": "unlabeled", "issue.labels": labels("bug")},
			func(e event.Event) bool {
				return e.Priority == event.Normal && reflect.DeepEqual(e.Tags, []string{"bug"})
			}, "back to normal", false},
		{"other label added, no priority labels", "issues.labeled.json", map[string]any{"label": map[string]any{"name": "docs"}, "issue.labels": labels("docs")},
			func(e event.Event) bool { return e.Priority == "" }, "priority unchanged", false},
		{"no delivery header", "issue_comment.agent.json", nil,
			func(e event.Event) bool { return strings.HasPrefix(e.ID, "syn-") }, "synthesised id", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := fixture(t, tt.file)
			if tt.set != nil {
				b = edit(t, tt.file, tt.set)
			}
			r := request(eventOf(tt.file), b)
			if tt.noDelivery {
				r.Header.Del(github.DeliveryHeader)
			}
			res, err := github.Adapter{}.Parse(r, settings())
			if err != nil || len(res.Events) != 1 {
				t.Fatalf("Parse = %+v, %v; want one event", res, err)
			}
			if e := res.Events[0]; !tt.check(e) || e.Validate() != nil {
				t.Errorf("got %+v, want %s", e, tt.want)
			}
		})
	}
}

func TestParseAckAuthor(t *testing.T) {
	for _, author := range []string{"maint-alex", "5550202"} {
		s := settings()
		s.AckAuthor = author
		res, err := github.Adapter{}.Parse(request("issue_comment", fixture(t, "issue_comment.agent.json")), s)
		if err != nil || len(res.Events) != 1 || !res.Events[0].Acknowledgement {
			t.Errorf("ack_author %s: %+v, %v; want an acknowledgement", author, res, err)
		}
	}
}

func TestLabelPriority(t *testing.T) {
	tests := []struct {
		label string
		want  event.Priority // "" = not a priority label
	}{
		{"P0", event.Urgent}, {"p1", event.High}, {"P2", event.Normal}, {"P3", event.Low}, {"P4", event.Low},
		{"urgent", event.Urgent}, {"URGENT", event.Urgent},
		{"priority: urgent", event.Urgent}, {"priority: critical", event.Urgent}, {"Priority: High", event.High},
		{"priority/medium", event.Normal}, {"priority-normal", event.Normal}, {"priority_low", event.Low},
		{"priority: P1", event.High}, {"prio/p0", event.Urgent}, {"prio: low", event.Low},
		{"high priority", event.High}, {"high-priority", event.High}, {"Low Priority", event.Low}, {"urgent priority", event.Urgent},
		{"critical", ""}, {"high", ""}, {"low", ""}, {"P5", ""}, {"priority", ""}, {"priority: later", ""},
		{"bug", ""}, {"pr", ""}, {"priority: P1 - high", ""}, {"", ""},
	}
	for _, tt := range tests {
		res, err := github.Adapter{}.Parse(request("issues", edit(t, "issues.opened.json", map[string]any{"issue.labels": labels(tt.label)})), settings())
		if err != nil || len(res.Events) != 1 {
			t.Fatalf("%q: %+v, %v", tt.label, res, err)
		}
		if got := res.Events[0].Priority; got != tt.want {
			t.Errorf("label %q: priority %q, want %q", tt.label, got, tt.want)
		}
	}
	// Several priority labels: the highest wins.
	res, _ := github.Adapter{}.Parse(request("issues", edit(t, "issues.opened.json", map[string]any{"issue.labels": labels("P3", "priority: high", "P2")})), settings())
	if got := res.Events[0].Priority; got != event.High {
		t.Errorf("P3 + priority: high + P2: priority %q, want high", got)
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name, event string
		body        []byte
		field       string
	}{
		{"no event header", "", fixture(t, "issues.opened.json"), github.EventHeader},
		{"malformed JSON", "issues", []byte(`{"action":`), ""},
		{"empty body", "issues", nil, ""},
		{"not an object", "issues", []byte(`[1]`), "(body)"},
		{"missing action", "issues", edit(t, "issues.opened.json", map[string]any{"action": nil}), "action"},
		{"missing issue", "issues", edit(t, "issues.opened.json", map[string]any{"issue": nil}), "issue"},
		{"missing comment", "issue_comment", edit(t, "issue_comment.agent.json", map[string]any{"comment": nil}), "comment"},
		{"missing repository", "issues", edit(t, "issues.opened.json", map[string]any{"repository": nil}), "repository.full_name"},
		{"number as text", "issues", edit(t, "issues.opened.json", map[string]any{"issue.number": "42"}), "issue.number"},
		{"number zero", "issues", edit(t, "issues.opened.json", map[string]any{"issue.number": 0}), "issue.number"},
		{"labels not a list", "issues", edit(t, "issues.opened.json", map[string]any{"issue.labels": "bug"}), "issue.labels"},
		{"bad created_at", "issues", edit(t, "issues.opened.json", map[string]any{"issue.created_at": "yesterday"}), "issue.created_at"},
		{"missing comment time", "issue_comment", edit(t, "issue_comment.agent.json", map[string]any{"comment.created_at": nil}), "comment.created_at"},
		{"bad closed_at", "issues", edit(t, "issues.closed.json", map[string]any{"issue.closed_at": "2026-11-23 09:28"}), "issue.closed_at"},
		{"bad updated_at", "issues", edit(t, "issues.reopened.json", map[string]any{"issue.updated_at": 7}), "issue.updated_at"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := request(tt.event, tt.body)
			if tt.event == "" {
				r.Header.Del(github.EventHeader)
			}
			_, err := github.Adapter{}.Parse(r, settings())
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

var fixtures = []string{
	"issues.opened.json", "issue_comment.customer.json", "issue_comment.agent.json", "issue_comment.bot.json",
	"issue_comment.pull_request.json", "issues.labeled.json", "issues.closed.json", "issues.reopened.json",
	"issues.assigned.json", "ping.json",
}

// FuzzParse: any event name and body give events, an ignore reason, a
// reply or a ParseError; never a panic; every event is valid.
func FuzzParse(f *testing.F) {
	for _, name := range fixtures {
		f.Add(eventOf(name), fixture(f, name))
	}
	f.Add("issues", []byte(`{"action":"labeled","issue":{"number":1,"labels":[{"name":"prio:p0"}],"updated_at":"2026-11-23T09:00:00Z"},"label":null,"repository":{"full_name":"a/b"}}`))
	f.Fuzz(func(t *testing.T, name string, body []byte) {
		h := http.Header{}
		h.Set(github.EventHeader, name)
		res, err := github.Adapter{}.Parse(provider.Request{Header: h, Body: body}, settings())
		var pe *provider.ParseError
		if err != nil && !errors.As(err, &pe) {
			t.Fatalf("error is not a ParseError: %v", err)
		}
		if len(res.Events) > 1 {
			t.Fatalf("one delivery gave %d events", len(res.Events))
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

// FuzzVerify: a request passes only with the HMAC of exactly its body.
func FuzzVerify(f *testing.F) {
	for _, name := range fixtures {
		b := fixture(f, name)
		f.Add(b, github.Sign([]byte(secret), b))
		f.Add(b, github.Sign([]byte(secret), b)[:20])
	}
	f.Add([]byte{}, "sha256=")
	f.Fuzz(func(t *testing.T, body []byte, sig string) {
		h := http.Header{}
		h.Set(github.SignatureHeader, sig)
		err := github.Adapter{}.Verify(provider.Request{Header: h, Body: body}, settings())
		var auth *provider.AuthError
		if err != nil && !errors.As(err, &auth) {
			t.Fatalf("error is not an AuthError: %v", err)
		}
		if err != nil {
			return
		}
		mac, derr := hex.DecodeString(strings.TrimPrefix(h.Get(github.SignatureHeader), "sha256="))
		if derr != nil || !hmac.Equal(mac, provider.MAC(provider.SHA256, []byte(secret), body)) {
			t.Fatalf("Verify accepted a signature that is not the MAC (sig %q)", sig)
		}
	})
}
