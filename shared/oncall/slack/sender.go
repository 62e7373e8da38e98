package slack

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/slawatch/slawatch/shared/notify"
	"github.com/slawatch/slawatch/shared/oncall"
)

// DefaultAPIBase is the Web API's base URL.
const DefaultAPIBase = "https://slack.com/api"

// DefaultLease is how long an alert's claim on posting an incident's first
// message holds off other alerts of the key. It outlasts the on-call
// function's 30-second invocation, so a claim is only taken over once its
// holder has surely stopped, and it ends before Lambda's first
// asynchronous retry (about a minute later), so an alert that found the key
// claimed by a delivery that died is posted on that retry rather than sent
// to the dead-letter queue after the last.
const DefaultLease = 45 * time.Second

// claimWait is the Retry-After of an alert that found another alert
// posting its incident's first message.
const claimWait = 2 * time.Second

const tool = "slack"

// Sender delivers alerts with a Slack app's bot token (Web API): the first
// alert of an incident key posts a message and records it; later alerts
// edit that message (chat.update) and reply in its thread with what
// happened; a recovered alert leaves it in its resolved look, without
// buttons. A storm digest is a new message each time: its key is the team's
// and never resolves, so editing would bury it up the channel.
//
// At most one message per key: the first alert claims the key in Store
// before posting, and others wait for the message or, when the claim is
// older than Lease, take it over. A message posted whose record then fails
// to be written is reported as a permanent error (retrying would post it
// again); a later alert of the key posts one more message once the claim's
// lease ends. So a store failure costs at most one duplicate.
type Sender struct {
	Token   string                   // bot token, xoxb-…; never shown in errors
	Channel func(team string) string // the channel id (C…) for a team's alerts; "" refuses
	Store   MessageStore
	APIBase string       // DefaultAPIBase when empty
	Client  *http.Client // http.DefaultClient when nil
	Now     func() time.Time
	Lease   time.Duration // DefaultLease when 0
}

var _ oncall.Sender = (*Sender)(nil)

// Send delivers d. Errors are *oncall.Error, classified as Slack documents
// them.
func (s *Sender) Send(ctx context.Context, d notify.Document) error {
	if d.Kind == notify.KindBreachDigest {
		_, err := s.post(ctx, d)
		return err
	}
	if s.Store == nil {
		return &oncall.Error{Tool: tool, Permanent: true, Reason: "no message store configured"}
	}
	key := oncall.IncidentKey(d)
	// A lost race for the record is retried at once, a few times.
	for range 3 {
		rec, ok, err := s.Store.Get(ctx, key)
		if err != nil {
			return storeError("read", err)
		}
		if !ok {
			claim := Record{Claim: claimToken(d), ClaimedAt: s.now(), Version: 1}
			cur, stored, err := s.Store.PutIfAbsent(ctx, key, claim)
			if err != nil {
				return storeError("claim", err)
			}
			if stored {
				return s.first(ctx, key, d, cur)
			}
			rec = cur
		}
		switch {
		case rec.Posted():
			return s.later(ctx, key, d, rec)
		case rec.Claim != "" && s.now().Sub(rec.ClaimedAt) < s.lease():
			return &oncall.Error{Tool: tool, RetryAfter: claimWait,
				Reason: "another alert of this incident is posting its first message"}
		}
		// The claim was released (the post failed) or its holder died.
		taken := Record{Claim: claimToken(d), ClaimedAt: s.now()}
		ok, err = s.Store.Replace(ctx, key, rec, taken)
		if err != nil {
			return storeError("take over claim", err)
		}
		if ok {
			taken.Version = rec.Version + 1
			return s.first(ctx, key, d, taken)
		}
	}
	return &oncall.Error{Tool: tool, Reason: "the incident's record keeps changing; retry"}
}

// first posts the incident's message under the claim and records it.
func (s *Sender) first(ctx context.Context, key string, d notify.Document, claim Record) error {
	r, err := s.post(ctx, d)
	if err != nil {
		// Release the claim so that the retry, or another alert, posts
		// at once; if this write fails too, the lease frees it.
		_, _ = s.Store.Replace(ctx, key, claim, Record{})
		return err
	}
	if r.Channel == "" {
		r.Channel = s.Channel(d.Team)
	}
	done := Record{Channel: r.Channel, TS: r.TS, Resolved: oncall.Resolves(d), Doc: &d}
	ok, err := s.Store.Replace(ctx, key, claim, done)
	if err == nil && !ok {
		err = errors.New("the claim was taken over")
	}
	if err != nil {
		// Not retried: the message is in Slack, and a retry would post it
		// again.
		return &oncall.Error{Tool: tool, Permanent: true,
			Reason: "message posted but not recorded; the incident's next alert may post another", Err: err}
	}
	return nil
}

// later edits the incident's message to show d and replies in its thread.
func (s *Sender) later(ctx context.Context, key string, d notify.Document, rec Record) error {
	if rec.Resolved && !oncall.Resolves(d) {
		// Delivered after the recovery (retries, reordering): the message
		// stays resolved; the thread still tells, naming the alert, since
		// the message does not show it.
		return s.reply(ctx, rec, "(late) "+Reply(d)+" · alert "+value(d.ID))
	}
	p := Message(d, rec.Ack)
	if _, err := s.call(ctx, "chat.update", update{Channel: rec.Channel, TS: rec.TS, Text: p.Text, Blocks: p.Blocks}); err != nil {
		return err
	}
	resolves := oncall.Resolves(d)
	if _, err := modify(ctx, s.Store, key, func(r *Record) { r.Resolved, r.Doc = r.Resolved || resolves, &d }); err != nil {
		return storeError("record the message's alert", err) // retried: the edit is idempotent
	}
	return s.reply(ctx, rec, Reply(d))
}

func (s *Sender) reply(ctx context.Context, rec Record, text string) error {
	_, err := s.call(ctx, "chat.postMessage", postMessage{Channel: rec.Channel, ThreadTS: rec.TS, Text: text})
	return err
}

// post posts d's message in its team's channel.
func (s *Sender) post(ctx context.Context, d notify.Document) (apiAnswer, error) {
	channel := ""
	if s.Channel != nil {
		channel = s.Channel(d.Team)
	}
	if channel == "" {
		return apiAnswer{}, &oncall.Error{Tool: tool, Permanent: true, Reason: fmt.Sprintf("no Slack channel for team %q", d.Team)}
	}
	p := Message(d, nil)
	return s.call(ctx, "chat.postMessage", postMessage{Channel: channel, Text: p.Text, Blocks: p.Blocks,
		UnfurlLinks: false, UnfurlMedia: false})
}

// Acknowledged records a acknowledgement made with the message's button
// and redraws the message at once to show it (who and when, no Acknowledge
// button); its later edits keep showing it. A message already resolved, or
// one posted before records kept their alert, is left as it is.
func (s *Sender) Acknowledged(ctx context.Context, key string, a Ack) error {
	rec, err := SetAck(ctx, s.Store, key, a)
	if err != nil {
		return storeError("record the acknowledgement", err)
	}
	if !rec.Posted() || rec.Doc == nil || rec.Resolved {
		return nil
	}
	p := Message(*rec.Doc, &a)
	_, err = s.call(ctx, "chat.update", update{Channel: rec.Channel, TS: rec.TS, Text: p.Text, Blocks: p.Blocks})
	return err
}

// SetAck records an acknowledgement on the incident's record, so that the
// message's later edits show it. It returns the record.
func SetAck(ctx context.Context, store MessageStore, key string, a Ack) (Record, error) {
	return modify(ctx, store, key, func(r *Record) { r.Ack = &a })
}

// modify applies f to the record under key, retrying when another write
// wins.
func modify(ctx context.Context, store MessageStore, key string, f func(*Record)) (Record, error) {
	for range 5 {
		rec, ok, err := store.Get(ctx, key)
		if err != nil {
			return Record{}, err
		}
		if !ok {
			return Record{}, fmt.Errorf("no record for the incident")
		}
		next := rec
		f(&next)
		if ok, err := store.Replace(ctx, key, rec, next); err != nil {
			return Record{}, err
		} else if ok {
			next.Version = rec.Version + 1
			return next, nil
		}
	}
	return Record{}, errors.New("the record keeps changing")
}

// claimToken names one attempt: two deliveries of the same alert (SNS
// delivers at least once) must not both think they hold the claim.
func claimToken(d notify.Document) string { return d.ID + "/" + rand.Text() }

func storeError(op string, err error) error {
	return &oncall.Error{Tool: tool, Reason: "message store: " + op, Err: err}
}

func (s *Sender) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Sender) lease() time.Duration {
	if s.Lease > 0 {
		return s.Lease
	}
	return DefaultLease
}

// postMessage is chat.postMessage's JSON body
// (docs.slack.dev/reference/methods/chat.postMessage).
type postMessage struct {
	Channel     string  `json:"channel"`
	ThreadTS    string  `json:"thread_ts,omitempty"`
	Text        string  `json:"text"`
	Blocks      []Block `json:"blocks,omitempty"`
	UnfurlLinks bool    `json:"unfurl_links"`
	UnfurlMedia bool    `json:"unfurl_media"`
}

// update is chat.update's (docs.slack.dev/reference/methods/chat.update):
// channel must be the id chat.postMessage answered, ts the message's.
type update struct {
	Channel string  `json:"channel"`
	TS      string  `json:"ts"`
	Text    string  `json:"text"`
	Blocks  []Block `json:"blocks"`
}

// apiAnswer is the part of a Web API answer the Sender reads. Every answer
// is HTTP 200 with "ok"; a failure has "ok": false and an error code, and
// for invalid_blocks the details in response_metadata.messages.
type apiAnswer struct {
	OK               bool   `json:"ok"`
	Error            string `json:"error"`
	Channel          string `json:"channel"`
	TS               string `json:"ts"`
	ResponseMetadata struct {
		Messages []string `json:"messages"`
	} `json:"response_metadata"`
}

// retryableCodes are the Web API error codes that say "try again later"
// (the methods' error tables: ratelimited, "refer to the Retry-After
// header"; internal_error, "likely due to a transient issue on our end";
// fatal_error; service_unavailable, "temporarily unavailable";
// request_timeout, POST data "missing or truncated"; team_added_to_org,
// "intermittently unavailable" during a migration). Every other code
// (channel_not_found, not_in_channel, is_archived, invalid_auth,
// not_authed, token_revoked, missing_scope, invalid_blocks, msg_too_long,
// message_not_found, cant_update_message, …) is permanent: the same
// request fails again until someone changes the configuration.
var retryableCodes = map[string]bool{
	"ratelimited": true, "rate_limited": true, "internal_error": true, "fatal_error": true,
	"service_unavailable": true, "request_timeout": true, "team_added_to_org": true,
}

// call sends a Web API method with the bot token in the Authorization
// header (never in the URL or body, so no error can show it).
func (s *Sender) call(ctx context.Context, method string, body any) (apiAnswer, error) {
	b, err := json.Marshal(body)
	if err != nil {
		return apiAnswer{}, &oncall.Error{Tool: tool, Permanent: true, Reason: method, Err: err}
	}
	base := strings.TrimSuffix(s.APIBase, "/")
	if base == "" {
		base = DefaultAPIBase
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/"+method, bytes.NewReader(b))
	if err != nil {
		return apiAnswer{}, &oncall.Error{Tool: tool, Permanent: true, Reason: method + ": bad API base URL"}
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	req.Header.Set("Authorization", "Bearer "+s.Token)
	client := s.Client
	if client == nil {
		client = http.DefaultClient
	}
	raw, err := oncall.Do(client, req, tool+" "+method)
	if err != nil {
		return apiAnswer{}, err
	}
	var a apiAnswer
	if err := json.Unmarshal(raw, &a); err != nil {
		// A 200 that is not the API's JSON: a proxy or an outage page.
		return a, &oncall.Error{Tool: tool + " " + method, Status: http.StatusOK, Reason: "answer is not JSON"}
	}
	if !a.OK {
		return a, apiError(method, a)
	}
	return a, nil
}

func apiError(method string, a apiAnswer) *oncall.Error {
	code := a.Error
	if code == "" {
		code = "unknown error"
	}
	reason := code
	if m := a.ResponseMetadata.Messages; len(m) > 0 {
		reason += " (" + cut(strings.Join(m, "; "), 200) + ")"
	}
	return &oncall.Error{Tool: tool + " " + method, Status: http.StatusOK, Reason: reason, Permanent: !retryableCodes[a.Error]}
}
