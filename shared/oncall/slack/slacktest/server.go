// Package slacktest is a contract fake of the parts of Slack the slack
// package uses: the Web API's chat.postMessage and chat.update, and an
// incoming webhook. It checks requests as Slack documents it does (bearer
// token, JSON body, channel, text or blocks, Block Kit limits), keeps the
// messages with their threads so that tests can assert "one message per
// incident, with its thread", and answers failures a test scripts.
//
// Where Slack's documentation does not say what it answers, the fake's
// choice is marked "assumed".
package slacktest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// Methods and endpoints a script can target.
const (
	PostMessage = "chat.postMessage"
	Update      = "chat.update"
	Webhook     = "webhook"
)

// Answer is a scripted answer: an HTTP status other than 200 (429 with
// RetryAfter, 500…), or 200 with "ok": false and Error. For Webhook, Error
// is the text body.
type Answer struct {
	Status     int
	RetryAfter string
	Error      string
}

// Message is a top-level message with its thread.
type Message struct {
	Channel, TS, Text string
	Blocks            json.RawMessage
	Edits             int
	Replies           []Reply
}

// Reply is a message in a thread.
type Reply struct {
	TS, Text string
	Blocks   json.RawMessage
}

// Server is the fake. Its zero value is not usable: call New.
type Server struct {
	srv   *httptest.Server
	token string
	hook  string // the webhook path's secret part

	mu       sync.Mutex
	channels map[string]bool
	msgs     map[string][]*Message // by channel, in posting order
	seq      int
	script   map[string][]Answer
	calls    map[string]int
	webhooks []json.RawMessage
	headers  []http.Header
}

// New starts a fake that accepts token and knows the channel ids channels;
// t's cleanup stops it.
func New(t testing.TB, token string, channels ...string) *Server {
	s := &Server{token: token, hook: "T0SLAWATCH/B0SLAWATCH/webhook-secret-part", channels: map[string]bool{},
		msgs: map[string][]*Message{}, script: map[string][]Answer{}, calls: map[string]int{}}
	for _, c := range channels {
		s.channels[c] = true
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/{method}", s.api)
	mux.HandleFunc("POST /services/", s.webhook)
	s.srv = httptest.NewServer(mux)
	t.Cleanup(s.srv.Close)
	return s
}

// APIBase is the Web API base URL to give a slack.Sender.
func (s *Server) APIBase() string { return s.srv.URL + "/api" }

// WebhookURL is the incoming webhook's URL; its path holds a secret, as
// Slack's do.
func (s *Server) WebhookURL() string { return s.srv.URL + "/services/" + s.hook }

// Client is an HTTP client for the fake.
func (s *Server) Client() *http.Client { return s.srv.Client() }

// Script queues answers for method's next calls, before normal handling.
func (s *Server) Script(method string, answers ...Answer) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.script[method] = append(s.script[method], answers...)
}

// Calls is the number of requests method has received.
func (s *Server) Calls(method string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[method]
}

// Messages returns a copy of channel's top-level messages, oldest first.
func (s *Server) Messages(channel string) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Message
	for _, m := range s.msgs[channel] {
		c := *m
		c.Replies = append([]Reply(nil), m.Replies...)
		out = append(out, c)
	}
	return out
}

// WebhookPosts returns the bodies the webhook accepted.
func (s *Server) WebhookPosts() []json.RawMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]json.RawMessage(nil), s.webhooks...)
}

// Headers returns the headers of every request received.
func (s *Server) Headers() []http.Header {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]http.Header(nil), s.headers...)
}

// scripted pops method's next scripted answer and writes it.
func (s *Server) scripted(w http.ResponseWriter, method string) bool {
	s.mu.Lock()
	q := s.script[method]
	if len(q) == 0 {
		s.mu.Unlock()
		return false
	}
	a := q[0]
	s.script[method] = q[1:]
	s.mu.Unlock()
	if a.RetryAfter != "" {
		w.Header().Set("Retry-After", a.RetryAfter)
	}
	switch {
	case method == Webhook:
		w.WriteHeader(cmpOr(a.Status, http.StatusOK))
		_, _ = io.WriteString(w, a.Error)
	case a.Status != 0 && a.Status != http.StatusOK:
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(a.Status)
		if a.Status == http.StatusTooManyRequests {
			_, _ = io.WriteString(w, `{"ok":false,"error":"ratelimited"}`)
		}
	default:
		fail(w, a.Error)
	}
	return true
}

func cmpOr(a, b int) int {
	if a != 0 {
		return a
	}
	return b
}

// fail answers as the Web API does: HTTP 200, "ok": false, an error code,
// and details in response_metadata.messages.
func fail(w http.ResponseWriter, code string, details ...string) {
	body := map[string]any{"ok": false, "error": code}
	if len(details) > 0 {
		body["response_metadata"] = map[string]any{"messages": details}
	}
	reply(w, body)
}

func reply(w http.ResponseWriter, body any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_ = json.NewEncoder(w).Encode(body)
}

// request is what chat.postMessage and chat.update read.
type request struct {
	Channel  string          `json:"channel"`
	TS       string          `json:"ts"`
	ThreadTS string          `json:"thread_ts"`
	Text     string          `json:"text"`
	Blocks   json.RawMessage `json:"blocks"`
}

func (s *Server) api(w http.ResponseWriter, r *http.Request) {
	method := r.PathValue("method")
	s.mu.Lock()
	s.calls[method]++
	s.headers = append(s.headers, r.Header.Clone())
	s.mu.Unlock()
	if method != PostMessage && method != Update {
		fail(w, "unknown_method")
		return
	}
	// Token: "passed as an HTTP Authorization header" (bearer); its absence
	// is not_authed, a wrong one invalid_auth, both HTTP 200.
	auth := r.Header.Get("Authorization")
	switch {
	case auth == "":
		fail(w, "not_authed")
		return
	case auth != "Bearer "+s.token:
		fail(w, "invalid_auth")
		return
	}
	if s.scripted(w, method) {
		return
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		fail(w, "invalid_post_type") // this fake only reads JSON bodies
		return
	}
	var req request
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&req); err != nil {
		fail(w, "invalid_json") // assumed
		return
	}
	if req.Channel == "" || !s.knows(req.Channel) {
		fail(w, "channel_not_found")
		return
	}
	hasBlocks := len(req.Blocks) > 0 && string(req.Blocks) != "null"
	if req.Text == "" && !hasBlocks {
		fail(w, "no_text")
		return
	}
	if hasBlocks {
		if problem := CheckBlocks(req.Blocks); problem != "" {
			fail(w, "invalid_blocks", "[ERROR] "+problem)
			return
		}
	}
	if method == Update {
		s.update(w, req)
		return
	}
	s.post(w, req)
}

func (s *Server) knows(channel string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.channels[channel]
}

func (s *Server) nextTS() string {
	s.seq++
	return fmt.Sprintf("%d.%06d", 1764936000+s.seq, s.seq*100)
}

func (s *Server) post(w http.ResponseWriter, req request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ts := s.nextTS()
	if req.ThreadTS != "" {
		parent := s.find(req.Channel, req.ThreadTS)
		if parent == nil {
			fail(w, "thread_not_found") // assumed
			return
		}
		parent.Replies = append(parent.Replies, Reply{TS: ts, Text: req.Text, Blocks: req.Blocks})
	} else {
		s.msgs[req.Channel] = append(s.msgs[req.Channel], &Message{Channel: req.Channel, TS: ts, Text: req.Text, Blocks: req.Blocks})
	}
	reply(w, map[string]any{"ok": true, "channel": req.Channel, "ts": ts,
		"message": map[string]any{"type": "message", "text": req.Text, "ts": ts}})
}

func (s *Server) update(w http.ResponseWriter, req request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.find(req.Channel, req.TS)
	if m == nil {
		fail(w, "message_not_found")
		return
	}
	m.Text, m.Blocks = req.Text, req.Blocks
	m.Edits++
	reply(w, map[string]any{"ok": true, "channel": req.Channel, "ts": req.TS, "text": req.Text})
}

// find is the top-level message channel/ts; s.mu held.
func (s *Server) find(channel, ts string) *Message {
	for _, m := range s.msgs[channel] {
		if m.TS == ts {
			return m
		}
	}
	return nil
}

// webhook answers as an incoming webhook: 200 "ok", or a status with an
// error code as text.
func (s *Server) webhook(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.calls[Webhook]++
	s.headers = append(s.headers, r.Header.Clone())
	s.mu.Unlock()
	if r.URL.Path != "/services/"+s.hook {
		w.WriteHeader(http.StatusNotFound)
		_, _ = io.WriteString(w, "no_service")
		return
	}
	if s.scripted(w, Webhook) {
		return
	}
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	var req request
	if json.Unmarshal(body, &req) != nil {
		w.WriteHeader(http.StatusBadRequest)
		_, _ = io.WriteString(w, "invalid_payload")
		return
	}
	hasBlocks := len(req.Blocks) > 0 && string(req.Blocks) != "null"
	if req.Text == "" && !hasBlocks {
		w.WriteHeader(http.StatusBadRequest)
		_, _ = io.WriteString(w, "no_text")
		return
	}
	if hasBlocks && CheckBlocks(req.Blocks) != "" {
		w.WriteHeader(http.StatusBadRequest)
		_, _ = io.WriteString(w, "invalid_blocks") // assumed
		return
	}
	s.mu.Lock()
	s.webhooks = append(s.webhooks, body)
	s.mu.Unlock()
	_, _ = io.WriteString(w, "ok")
}

// CheckBlocks checks blocks against the Block Kit limits the slack package
// relies on (docs.slack.dev/reference/block-kit/blocks/*): at most 50
// blocks; known types only; header text plain_text of at most 150
// characters; a section with text (at most 3000) or fields (at most 10, of
// at most 2000 each); context with 1 to 10 elements; actions with 1 to 25
// elements, buttons with plain_text text of at most 75 characters,
// action_id and value within 255 and 2000. It returns the first problem, or
// "".
func CheckBlocks(raw json.RawMessage) string {
	var blocks []struct {
		Type     string `json:"type"`
		Text     *text  `json:"text"`
		Fields   []text `json:"fields"`
		Elements []struct {
			Type     string          `json:"type"`
			Text     json.RawMessage `json:"text"`
			ActionID string          `json:"action_id"`
			Value    string          `json:"value"`
		} `json:"elements"`
	}
	if err := json.Unmarshal(raw, &blocks); err != nil {
		return "blocks must be an array of objects"
	}
	if len(blocks) == 0 || len(blocks) > 50 {
		return fmt.Sprintf("%d blocks, want 1 to 50", len(blocks))
	}
	for i, b := range blocks {
		switch b.Type {
		case "header":
			if b.Text == nil || b.Text.Type != "plain_text" || b.Text.Text == "" || runes(b.Text.Text) > 150 {
				return fmt.Sprintf("block %d: header text must be plain_text of 1 to 150 characters", i)
			}
		case "section":
			if b.Text == nil && len(b.Fields) == 0 {
				return fmt.Sprintf("block %d: section needs text or fields", i)
			}
			if b.Text != nil && (b.Text.Text == "" || runes(b.Text.Text) > 3000 || !b.Text.valid()) {
				return fmt.Sprintf("block %d: section text must be 1 to 3000 characters", i)
			}
			if len(b.Fields) > 10 {
				return fmt.Sprintf("block %d: %d fields, at most 10", i, len(b.Fields))
			}
			for _, f := range b.Fields {
				if f.Text == "" || runes(f.Text) > 2000 || !f.valid() {
					return fmt.Sprintf("block %d: a field must be 1 to 2000 characters", i)
				}
			}
		case "context":
			if len(b.Elements) == 0 || len(b.Elements) > 10 {
				return fmt.Sprintf("block %d: context needs 1 to 10 elements", i)
			}
		case "actions":
			if len(b.Elements) == 0 || len(b.Elements) > 25 {
				return fmt.Sprintf("block %d: actions needs 1 to 25 elements", i)
			}
			for _, e := range b.Elements {
				if e.Type != "button" {
					continue
				}
				var t text
				if json.Unmarshal(e.Text, &t) != nil || t.Type != "plain_text" || t.Text == "" || runes(t.Text) > 75 {
					return fmt.Sprintf("block %d: button text must be plain_text of 1 to 75 characters", i)
				}
				if len(e.ActionID) > 255 || len(e.Value) > 2000 {
					return fmt.Sprintf("block %d: button action_id or value too long", i)
				}
			}
		case "divider":
		default:
			return fmt.Sprintf("block %d: unknown type %q", i, b.Type)
		}
	}
	return ""
}

type text struct {
	Type string `json:"type"`
	Text string `json:"text"`
}

func (t text) valid() bool { return t.Type == "plain_text" || t.Type == "mrkdwn" }

func runes(s string) int { return len([]rune(s)) }
