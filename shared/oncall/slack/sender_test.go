package slack

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slawatch/slawatch/shared/notify"
	"github.com/slawatch/slawatch/shared/oncall"
	"github.com/slawatch/slawatch/shared/oncall/slack/slacktest"
)

const (
	token   = "xoxb-1234-secret-bot-token"
	channel = "C0SUPPORT"
)

func newSender(srv *slacktest.Server, store MessageStore) *Sender {
	return &Sender{Token: token, Channel: func(team string) string {
		if team == "support" {
			return channel
		}
		return ""
	}, Store: store, APIBase: srv.APIBase(), Client: srv.Client()}
}

// noSleep records Deliver's waits instead of sleeping, and ends a delivery
// that waits too often.
type noSleep struct {
	mu    sync.Mutex
	waits []time.Duration
}

func (n *noSleep) backoff() oncall.Backoff {
	return oncall.Backoff{Sleep: func(_ context.Context, d time.Duration) error {
		n.mu.Lock()
		defer n.mu.Unlock()
		n.waits = append(n.waits, d)
		if len(n.waits) > 20 {
			return errors.New("waited 20 times: give up")
		}
		return nil
	}}
}

// story is one ticket clock's alerts: warning, breach, escalations 1..3,
// recovered.
func story() []notify.Document {
	var ds []notify.Document
	w := breach()
	w.ID, w.Kind, w.Level, w.Severity, w.OverdueSeconds, w.TimeLeftSeconds = "w1", notify.KindWarning, 1, "warning", nil, secs(900)
	w.Summary = "SLA warning: zendesk ticket 4711, first response due in 15 minutes"
	ds = append(ds, w, breach())
	for lvl := 1; lvl <= 3; lvl++ {
		e := breach()
		e.ID, e.Kind, e.Level = fmt.Sprintf("e%d", lvl), notify.KindEscalation, lvl
		e.Summary = fmt.Sprintf("SLA escalation level %d: zendesk ticket 4711, first response overdue by %d hours", lvl, lvl)
		e.At = at(fmt.Sprintf("2026-12-05T%02d:00:00Z", 14+lvl))
		e.OverdueSeconds = secs(int64(lvl) * 3600)
		ds = append(ds, e)
	}
	r := breach()
	r.ID, r.Kind, r.Severity, r.At, r.OverdueSeconds = "r1", notify.KindRecovered, "info", at("2026-12-05T17:30:00Z"), secs(3.5*3600)
	r.Summary = "SLA recovered: zendesk ticket 4711, first response answered 3 hours 30 minutes late"
	return append(ds, r)
}

func blockTypes(raw json.RawMessage) []string {
	var bs []struct {
		Type string `json:"type"`
	}
	_ = json.Unmarshal(raw, &bs)
	var out []string
	for _, b := range bs {
		out = append(out, b.Type)
	}
	return out
}

// The story warning → breach → escalation 1..3 → recovered is ONE message,
// edited by each later alert, with a thread of the later alerts; Slack's
// 429 (with Retry-After), a 500 and "ok": false internal_error on the way
// are retried by oncall.Deliver.
func TestStoryIsOneMessage(t *testing.T) {
	srv := slacktest.New(t, token, channel)
	s := newSender(srv, &MemoryStore{})
	srv.Script(slacktest.PostMessage, slacktest.Answer{Status: 429, RetryAfter: "7"})
	srv.Script(slacktest.Update, slacktest.Answer{Status: 500}, slacktest.Answer{Error: "internal_error"})
	var ns noSleep
	for _, d := range story() {
		if n, err := oncall.Deliver(context.Background(), s, d, ns.backoff()); err != nil {
			t.Fatalf("%s: %d attempts: %v", d.ID, n, err)
		}
	}
	if len(ns.waits) != 3 || ns.waits[0] < 7*time.Second {
		t.Errorf("waits %v: want 3, the first at least the 7s Retry-After", ns.waits)
	}
	msgs := srv.Messages(channel)
	if len(msgs) != 1 {
		t.Fatalf("%d messages, want 1", len(msgs))
	}
	m := msgs[0]
	if m.Edits != 5 {
		t.Errorf("%d edits, want 5", m.Edits)
	}
	var replies []string
	for _, r := range m.Replies {
		replies = append(replies, r.Text)
	}
	wantReplies := []string{"*SLA breached* at", "*SLA escalation level 1* at", "*SLA escalation level 2* at", "*SLA escalation level 3* at", "*SLA recovered* at"}
	if len(replies) != len(wantReplies) {
		t.Fatalf("thread %q, want %d replies", replies, len(wantReplies))
	}
	for i, w := range wantReplies {
		if !strings.HasPrefix(replies[i], w) {
			t.Errorf("reply %d = %q, want it to start %q", i, replies[i], w)
		}
	}
	if got := blockTypes(m.Blocks); strings.Join(got, ",") != "header,section,context" {
		t.Errorf("final blocks %v: want the resolved look without actions", got)
	}
	if !strings.HasPrefix(m.Text, "SLA recovered") {
		t.Errorf("final text %q", m.Text)
	}
	for _, h := range srv.Headers() {
		if h.Get("Authorization") != "Bearer "+token {
			t.Fatalf("a request without the bearer token: %v", h)
		}
	}
}

// Every Web API failure is classified as Slack documents it, and no error
// shows the token.
func TestSendFailures(t *testing.T) {
	for _, tt := range []struct {
		name      string
		token     string
		team      string
		script    *slacktest.Answer
		code      string
		permanent bool
		after     time.Duration
	}{
		{name: "unknown channel", team: "support", code: "channel_not_found", permanent: true},
		{name: "wrong token", token: "xoxb-wrong-secret", code: "invalid_auth", permanent: true},
		{name: "not in channel", script: &slacktest.Answer{Error: "not_in_channel"}, code: "not_in_channel", permanent: true},
		{name: "invalid blocks", script: &slacktest.Answer{Error: "invalid_blocks"}, code: "invalid_blocks", permanent: true},
		{name: "archived", script: &slacktest.Answer{Error: "is_archived"}, code: "is_archived", permanent: true},
		{name: "ratelimited in body", script: &slacktest.Answer{Error: "ratelimited"}, code: "ratelimited"},
		{name: "internal", script: &slacktest.Answer{Error: "internal_error"}, code: "internal_error"},
		{name: "fatal", script: &slacktest.Answer{Error: "fatal_error"}, code: "fatal_error"},
		{name: "unavailable", script: &slacktest.Answer{Error: "service_unavailable"}, code: "service_unavailable"},
		{name: "429", script: &slacktest.Answer{Status: 429, RetryAfter: "30"}, code: "429", after: 30 * time.Second},
		{name: "503", script: &slacktest.Answer{Status: 503}, code: "503"},
		{name: "no channel for team", team: "nobody", code: "no Slack channel", permanent: true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			known := channel
			if tt.name == "unknown channel" {
				known = "C0OTHER"
			}
			srv := slacktest.New(t, token, known)
			if tt.script != nil {
				srv.Script(slacktest.PostMessage, *tt.script)
			}
			s := newSender(srv, &MemoryStore{})
			if tt.token != "" {
				s.Token = tt.token
			}
			d := breach()
			if tt.team != "" {
				d.Team = tt.team
			}
			err := s.Send(context.Background(), d)
			var e *oncall.Error
			if !errors.As(err, &e) {
				t.Fatalf("err %v, want an *oncall.Error", err)
			}
			if e.Permanent != tt.permanent || e.RetryAfter != tt.after || !strings.Contains(err.Error(), tt.code) {
				t.Errorf("err %q (permanent %v, after %v), want %s, permanent %v, after %v", err, e.Permanent, e.RetryAfter, tt.code, tt.permanent, tt.after)
			}
			if strings.Contains(err.Error(), "secret") {
				t.Errorf("the error shows the token: %v", err)
			}
		})
	}
}

// A transport failure is retried, and its error does not show the token or
// the API URL.
func TestSendUnreachable(t *testing.T) {
	srv := slacktest.New(t, token, channel)
	s := newSender(srv, &MemoryStore{})
	s.APIBase = "http://127.0.0.1:1/api-secret-path"
	err := s.Send(context.Background(), breach())
	if retry, _ := oncall.Retryable(err); !retry || strings.Contains(err.Error(), "secret") {
		t.Errorf("err %v (retry %v)", err, retry)
	}
	// The failed post released the claim: the next try posts at once.
	s.APIBase = srv.APIBase()
	if err := s.Send(context.Background(), breach()); err != nil {
		t.Fatal(err)
	}
	if n := len(srv.Messages(channel)); n != 1 {
		t.Errorf("%d messages", n)
	}
}

// barrierStore holds the first n Gets until all n have come, so that n
// senders all find no record and race for the claim.
type barrierStore struct {
	MemoryStore
	wg sync.WaitGroup
}

func (b *barrierStore) Get(ctx context.Context, key string) (Record, bool, error) {
	r, ok, err := b.MemoryStore.Get(ctx, key)
	if !ok {
		b.wg.Done()
		b.wg.Wait()
	}
	return r, ok, err
}

// Alerts of one key delivered at once make one message: the others wait for
// it, then edit it and reply in its thread.
func TestConcurrentFirstAlerts(t *testing.T) {
	const n = 8
	srv := slacktest.New(t, token, channel)
	store := &barrierStore{}
	store.wg.Add(n)
	s := newSender(srv, store)
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			d := breach()
			d.ID = fmt.Sprintf("dup%d", i) // SNS may deliver one alert twice, or two alerts race
			_, errs[i] = oncall.Deliver(context.Background(), s, d, oncall.Backoff{Sleep: func(ctx context.Context, _ time.Duration) error {
				time.Sleep(time.Millisecond)
				return ctx.Err()
			}})
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("sender %d: %v", i, err)
		}
	}
	msgs := srv.Messages(channel)
	if len(msgs) != 1 {
		t.Fatalf("%d messages, want 1", len(msgs))
	}
	if msgs[0].Edits != n-1 || len(msgs[0].Replies) != n-1 {
		t.Errorf("%d edits and %d replies, want %d", msgs[0].Edits, len(msgs[0].Replies), n-1)
	}
}

// failingStore fails the first Replace that records a posted message.
type failingStore struct {
	MemoryStore
	failed bool
}

func (f *failingStore) Replace(ctx context.Context, key string, old, rec Record) (bool, error) {
	if rec.Posted() && !f.failed {
		f.failed = true
		return false, errors.New("dynamodb: throttled")
	}
	return f.MemoryStore.Replace(ctx, key, old, rec)
}

// A message posted whose record is not written: the error is permanent (a
// retry would post again), later alerts wait out the lease, then post ONE
// more message and go on editing that one.
func TestStoreWriteFailsAfterPost(t *testing.T) {
	srv := slacktest.New(t, token, channel)
	now := *at("2026-12-05T14:05:00Z")
	s := newSender(srv, &failingStore{})
	s.Now = func() time.Time { return now }
	err := s.Send(context.Background(), breach())
	var e *oncall.Error
	if !errors.As(err, &e) || !e.Permanent || !strings.Contains(err.Error(), "posted but not recorded") {
		t.Fatalf("err %v, want a permanent 'posted but not recorded'", err)
	}
	story := story()[2:]
	if err := s.Send(context.Background(), story[0]); err == nil {
		t.Fatal("within the lease, a later alert did not wait")
	}
	now = now.Add(DefaultLease + time.Second)
	for _, d := range story {
		if err := s.Send(context.Background(), d); err != nil {
			t.Fatalf("%s: %v", d.ID, err)
		}
	}
	msgs := srv.Messages(channel)
	if len(msgs) != 2 || msgs[0].Edits != 0 || msgs[1].Edits != len(story)-1 {
		t.Fatalf("%d messages (%+v), want the lost one and one edited %d times", len(msgs), msgs, len(story)-1)
	}
}

// An alert delivered after the recovery does not reopen the message.
func TestLateAlertAfterRecovery(t *testing.T) {
	srv := slacktest.New(t, token, channel)
	s := newSender(srv, &MemoryStore{})
	st := story()
	for _, d := range []notify.Document{st[1], st[5], st[3]} { // breach, recovered, escalation 2 late
		if err := s.Send(context.Background(), d); err != nil {
			t.Fatal(err)
		}
	}
	m := srv.Messages(channel)[0]
	if m.Edits != 1 || strings.Join(blockTypes(m.Blocks), ",") != "header,section,context" {
		t.Errorf("%d edits, blocks %v: want the resolved look", m.Edits, blockTypes(m.Blocks))
	}
	if len(m.Replies) != 2 || !strings.HasPrefix(m.Replies[1].Text, "(late) *SLA escalation level 2*") || !strings.HasSuffix(m.Replies[1].Text, " · alert "+st[3].ID) {
		t.Errorf("replies %+v", m.Replies)
	}
}

// An acknowledgement recorded with SetAck shows on later edits, without the
// Acknowledge button.
func TestAckKeptOnEdits(t *testing.T) {
	srv := slacktest.New(t, token, channel)
	store := &MemoryStore{}
	s := newSender(srv, store)
	st := story()
	if err := s.Send(context.Background(), st[1]); err != nil {
		t.Fatal(err)
	}
	if _, err := SetAck(context.Background(), store, oncall.IncidentKey(st[1]), Ack{UserID: "UA8RXUSPL", At: *at("2026-12-05T14:07:00Z")}); err != nil {
		t.Fatal(err)
	}
	if err := s.Send(context.Background(), st[2]); err != nil {
		t.Fatal(err)
	}
	b := string(srv.Messages(channel)[0].Blocks)
	if !strings.Contains(b, "Acknowledged by \\u003c@UA8RXUSPL\\u003e") || strings.Contains(b, ActionAck) || !strings.Contains(b, ActionSnooze30) {
		t.Errorf("blocks %s", b)
	}
}

// A digest is a new message each time.
func TestDigestPostsEachTime(t *testing.T) {
	srv := slacktest.New(t, token, channel)
	s := newSender(srv, &MemoryStore{})
	n := 1
	d := notify.Document{ID: "dg", Kind: notify.KindBreachDigest, Severity: "critical", Team: "support",
		Summary: "1 ticket breached for team support in the last run", TicketCount: &n,
		Tickets: []notify.DigestItem{{Source: "zendesk", TicketID: "1", Metric: "first_response"}}}
	for range 2 {
		if err := s.Send(context.Background(), d); err != nil {
			t.Fatal(err)
		}
	}
	if got := len(srv.Messages(channel)); got != 2 {
		t.Errorf("%d messages, want 2", got)
	}
}

// The Acknowledge button redraws the message at once: who, no Acknowledge
// button, Snooze still there; a resolved message is left alone.
func TestAcknowledgedRedraws(t *testing.T) {
	srv := slacktest.New(t, token, channel)
	store := &MemoryStore{}
	s := newSender(srv, store)
	st := story()
	ctx := context.Background()
	if err := s.Send(ctx, st[0]); err != nil { // the warning posts the message
		t.Fatal(err)
	}
	if err := s.Send(ctx, st[1]); err != nil { // the breach edits it
		t.Fatal(err)
	}
	key := oncall.IncidentKey(st[1])
	if err := s.Acknowledged(ctx, key, Ack{UserID: "UA8RXUSPL", At: *at("2026-12-05T14:07:00Z")}); err != nil {
		t.Fatal(err)
	}
	m := srv.Messages(channel)[0]
	b := string(m.Blocks)
	if m.Edits != 2 || !strings.Contains(b, "Acknowledged by \\u003c@UA8RXUSPL\\u003e") || strings.Contains(b, ActionAck) || !strings.Contains(b, ActionSnooze30) {
		t.Errorf("after the click: %d edits, blocks %s", m.Edits, b)
	}
	// It shows the breach it showed before, not the warning.
	if !strings.Contains(b, "SLA breached") {
		t.Errorf("the redrawn message lost its alert: %s", b)
	}
	if err := s.Send(ctx, st[5]); err != nil { // recovered
		t.Fatal(err)
	}
	edits := srv.Messages(channel)[0].Edits
	if err := s.Acknowledged(ctx, key, Ack{UserID: "U2", At: *at("2026-12-05T18:00:00Z")}); err != nil {
		t.Fatal(err)
	}
	if got := srv.Messages(channel)[0].Edits; got != edits {
		t.Errorf("a resolved message was redrawn (%d → %d edits)", edits, got)
	}
}
