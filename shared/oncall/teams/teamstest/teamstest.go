// Package teamstest emulates a Microsoft Teams Workflows webhook (the
// trigger of "Post to a channel when a webhook request is received") for
// tests: it checks each request the way the trigger and the flow's
// "Post card in a chat or channel" step would, keeps the cards it accepts,
// and fails on command.
//
// What it checks, and where that comes from:
//   - POST only (the trigger's method; others are 405);
//   - the URL's sig query parameter, the signature the trigger URL carries:
//     a wrong one is 401 with the Logic Apps error body
//     {"error":{"code":"DirectApiInvalidAuthorizationSignature",...}}; an
//     unknown workflow path is 404 WorkflowNotFound;
//   - a JSON body {"type":"message","attachments":[{"contentType":
//     "application/vnd.microsoft.card.adaptive","content":{"type":
//     "AdaptiveCard","version":...,"body":[...]}}]}
//     (learn.microsoft.com/en-us/connectors/teams/, Microsoft Teams
//     webhook request body schema; prometheus/alertmanager
//     notify/msteamsv2): else 400;
//   - at most 28 KB (learn.microsoft.com/en-us/connectors/teams/, message
//     size limit): else 413.
//
// It is stricter than the real thing in two ways on purpose. It wants
// exactly one attachment (the template posts each attachment as a card;
// slawatch sends one card per alert). And Workflows
// answers 202 as soon as the run is queued and a card the flow cannot post
// fails later, in the run history, where no sender sees it; this server
// refuses such a card at once, so a test sees it.
//
// A good request is answered 202 Accepted with an empty body, as Workflows
// does (idealista/prom2teams PR #351, fluxcd/flagger PR #1887).
package teamstest

import (
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
)

// Attachment content type and size limit of the contract.
const (
	ContentType = "application/vnd.microsoft.card.adaptive"
	MaxBytes    = 28 * 1024
)

// path is the shape of a Workflows trigger URL (as in Alertmanager's
// msteamsv2 test: /workflows/<id>/triggers/manual/paths/invoke).
const path = "/workflows/0f1e2d3c4b5a69788796a5b4c3d2e1f0/triggers/manual/paths/invoke"

// Sig is the signature the server's URL carries. Tests look for it in
// errors and logs: it must never be there.
const Sig = "TESTsig-Zx9Qk3vR7mWp2LbN8sYd4Hc6Jf1Gt5"

// Server is a Workflows webhook on a local port.
type Server struct {
	// URL is the webhook URL to configure, with its signature.
	URL string

	srv     *httptest.Server
	closing chan struct{}
	close   sync.Once

	mu       sync.Mutex
	script   []fault
	requests int
	cards    []Card
	refusals []string
}

// Card is one accepted card.
type Card struct {
	// Content is the Adaptive Card (the attachment's content), as posted.
	Content json.RawMessage
	// Card is Content decoded.
	Card map[string]any
}

type fault struct {
	status     int
	retryAfter string
	hang       bool // hold the request until the client gives up
	accept     bool // keep the card first: the answer is what is lost
}

// NewServer starts a server; Close stops it.
func NewServer() *Server {
	s := &Server{closing: make(chan struct{})}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	s.URL = s.srv.URL + path + "?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=" + Sig
	return s
}

// Close releases any held request and stops the server.
func (s *Server) Close() {
	s.close.Do(func() { close(s.closing) })
	s.srv.Close()
}

// Client is an HTTP client for the server.
func (s *Server) Client() *http.Client { return s.srv.Client() }

// Fail answers the next n requests with status; a 429 carries retryAfter
// (seconds or an HTTP date; "" for none).
func (s *Server) Fail(n, status int, retryAfter string) {
	s.add(n, fault{status: status, retryAfter: retryAfter})
}

// Hang holds the next n requests without an answer until the client gives
// up, as an overloaded endpoint does. Nothing is posted.
func (s *Server) Hang(n int) { s.add(n, fault{hang: true}) }

// LoseAnswer accepts the next n cards and then holds the request until the
// client gives up: the card is posted but the sender cannot know, so it
// retries and the card is posted twice.
func (s *Server) LoseAnswer(n int) { s.add(n, fault{hang: true, accept: true}) }

func (s *Server) add(n int, f fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.script = append(s.script, f)
	}
}

// Cards returns the accepted cards, in order.
func (s *Server) Cards() []Card {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Card(nil), s.cards...)
}

// Requests is how many requests arrived, good or bad.
func (s *Server) Requests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests
}

// Refusals are the reasons of the 400/401/404/405/413 answers, in order.
func (s *Server) Refusals() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.refusals...)
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.requests++
	s.mu.Unlock()
	switch {
	case r.Method != http.MethodPost:
		s.refuse(w, http.StatusMethodNotAllowed, "MethodNotAllowed", "The trigger accepts POST only.")
		return
	case r.URL.Query().Get("sig") != Sig:
		s.refuse(w, http.StatusUnauthorized, "DirectApiInvalidAuthorizationSignature", "The provided authorization signature is not valid.")
		return
	case r.URL.Path != path:
		s.refuse(w, http.StatusNotFound, "WorkflowNotFound", "The workflow could not be found.")
		return
	}
	var f *fault
	s.mu.Lock()
	if len(s.script) > 0 {
		f = &s.script[0]
		s.script = s.script[1:]
	}
	s.mu.Unlock()
	if f != nil && !f.accept {
		if f.hang {
			s.hold(r)
			return
		}
		if f.retryAfter != "" {
			w.Header().Set("Retry-After", f.retryAfter)
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(f.status)
		fmt.Fprintf(w, `{"error":{"code":"Scripted%d","message":"scripted failure"}}`, f.status)
		return
	}
	c, status, reason := check(r)
	if status != 0 {
		s.refuse(w, status, "InvalidRequest", reason)
		return
	}
	s.mu.Lock()
	s.cards = append(s.cards, c)
	s.mu.Unlock()
	if f != nil { // accepted, and the answer is lost
		s.hold(r)
		return
	}
	w.WriteHeader(http.StatusAccepted)
}

func (s *Server) hold(r *http.Request) {
	select {
	case <-r.Context().Done():
	case <-s.closing:
	}
}

func (s *Server) refuse(w http.ResponseWriter, status int, code, msg string) {
	s.mu.Lock()
	s.refusals = append(s.refusals, strconv.Itoa(status)+" "+code+": "+msg)
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	b, _ := json.Marshal(map[string]any{"error": map[string]string{"code": code, "message": msg}})
	_, _ = w.Write(b)
}

// check validates a request as the trigger and the posting step would; a
// non-zero status is the refusal.
func check(r *http.Request) (Card, int, string) {
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		return Card{}, http.StatusBadRequest, "Content-Type is not application/json"
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxBytes+1))
	if err != nil {
		return Card{}, http.StatusBadRequest, "cannot read the body"
	}
	if len(body) > MaxBytes {
		return Card{}, http.StatusRequestEntityTooLarge, "Request Entity too large"
	}
	var m struct {
		Type        string `json:"type"`
		Attachments []struct {
			ContentType string          `json:"contentType"`
			ContentURL  *string         `json:"contentUrl"`
			Content     json.RawMessage `json:"content"`
		} `json:"attachments"`
	}
	if err := json.Unmarshal(body, &m); err != nil {
		return Card{}, http.StatusBadRequest, "the body is not JSON: " + err.Error()
	}
	if m.Type != "message" {
		return Card{}, http.StatusBadRequest, fmt.Sprintf("type is %q, want \"message\"", m.Type)
	}
	if len(m.Attachments) != 1 {
		return Card{}, http.StatusBadRequest, fmt.Sprintf("%d attachments, want one card", len(m.Attachments))
	}
	a := m.Attachments[0]
	if a.ContentType != ContentType {
		return Card{}, http.StatusBadRequest, fmt.Sprintf("contentType %q, want %q", a.ContentType, ContentType)
	}
	if a.ContentURL != nil {
		return Card{}, http.StatusBadRequest, "contentUrl is set; the card must be inline"
	}
	var card map[string]any
	if err := json.Unmarshal(a.Content, &card); err != nil || card == nil {
		return Card{}, http.StatusBadRequest, "content is not a JSON object"
	}
	// AdaptiveCards.AdaptiveSerializationException: "Property 'type' must be 'AdaptiveCard'".
	if card["type"] != "AdaptiveCard" {
		return Card{}, http.StatusBadRequest, "Property 'type' must be 'AdaptiveCard'"
	}
	if v, _ := card["version"].(string); v == "" {
		return Card{}, http.StatusBadRequest, "the card has no version"
	}
	if b, _ := card["body"].([]any); len(b) == 0 {
		return Card{}, http.StatusBadRequest, "the card has no body"
	}
	return Card{Content: a.Content, Card: card}, 0, ""
}
