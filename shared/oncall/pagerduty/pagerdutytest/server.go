// Package pagerdutytest is a local stand-in for PagerDuty's Events API v2
// that holds senders to its documented contract and models what PagerDuty
// does with the events: the incidents they open, update and resolve.
//
// The contract, and where it is written:
//
//   - POST https://events.pagerduty.com/v2/enqueue, a JSON body
//     (developer-docs docs/events-API-v2/02-Trigger-Events.md; api-schema
//     reference/events-v2/openapiv3.json: requestBody application/json).
//   - routing_key required, "the 32 character Integration Key"; event_action
//     required, one of trigger, acknowledge, resolve; dedup_key at most 255
//     characters, required unless the action is trigger.
//   - A trigger needs payload.summary (at most 1024 characters),
//     payload.source and payload.severity (critical, error, warning, info;
//     case-sensitive).
//   - Events are limited to 512 KB (docs/events-API-v2/01-Overview.md).
//   - 202 {"status":"success","message":"Event processed","dedup_key":...}
//     and 400 {"status":"invalid event","message":"Event object is invalid",
//     "errors":[...]} (the examples of the v2 reference, send-an-event-events-api-v2);
//     429 and 5xx are to be retried.
//
// The texts of the errors follow the two PagerDuty publishes ("Length of
// 'routing_key' is incorrect (should be 32 characters)" and "'payload.severity'
// is invalid (must be one of the following: 'critical', 'warning', 'error'
// or 'info')"); the others are modelled on them. Stricter than documented:
// another path answers 404, another method 405, a Content-Type other than
// application/json 400 — so a sender that gets them wrong notices here.
//
// Incidents follow "Alert De-Duplication": a trigger whose dedup_key has an
// open (triggered or acknowledged) incident is applied to it — its summary
// and severity replaced, its trigger count raised — instead of opening
// another; after resolve, a trigger with the same key opens a new incident,
// and acknowledge or resolve of a key with no open incident is dropped (the
// API still answers 202: it is asynchronous). Alert grouping is not modelled:
// one alert, one incident.
package pagerdutytest

import (
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"unicode/utf8"
)

// Path is the endpoint's path.
const Path = "/v2/enqueue"

// maxBody is "512 KB".
const maxBody = 512 * 1024

// Fault is a failure the server can be told to answer with.
type Fault int

const (
	// RateLimit answers 429 without Retry-After, as PagerDuty documents none.
	RateLimit Fault = iota + 1
	// ServerError answers 500.
	ServerError
	// Hang never answers, until the client gives up; the event is not taken.
	Hang
	// LoseAnswer takes the event, then never answers: the sender cannot
	// know it arrived and sends it again.
	LoseAnswer
	// BadRequest answers the documented 400 whatever the event.
	BadRequest
)

// Event is one event the server received, decoded.
type Event struct {
	RoutingKey  string          `json:"routing_key"`
	EventAction string          `json:"event_action"`
	DedupKey    string          `json:"dedup_key"`
	Payload     *Payload        `json:"payload"`
	Client      string          `json:"client"`
	Links       []Link          `json:"links"`
	Raw         json.RawMessage `json:"-"`
}

// Payload is a trigger's payload.
type Payload struct {
	Summary       string         `json:"summary"`
	Source        string         `json:"source"`
	Severity      string         `json:"severity"`
	Timestamp     string         `json:"timestamp"`
	Component     string         `json:"component"`
	Group         string         `json:"group"`
	Class         string         `json:"class"`
	CustomDetails map[string]any `json:"custom_details"`
}

// Link is an event's link.
type Link struct {
	Href string `json:"href"`
	Text string `json:"text"`
}

// Incident is what PagerDuty made of the events of one dedup_key.
type Incident struct {
	Number     int // in order of creation, from 1
	DedupKey   string
	Status     string // triggered, acknowledged or resolved
	Summary    string // the latest trigger's
	Severity   string // the latest trigger's
	Severities []string
	Triggers   int // trigger events applied, the first included
}

// Rejection is an event answered 400, with the errors given.
type Rejection struct {
	Body   string
	Errors []string
}

// Server is the stand-in. Its methods are safe for concurrent use.
type Server struct {
	*httptest.Server

	mu        sync.Mutex
	faults    []Fault
	requests  int
	accepted  []Event
	rejected  []Rejection
	incidents []*Incident          // every incident, in order
	open      map[string]*Incident // dedup_key → its open incident
	release   chan struct{}
}

// NewServer starts a server; Close it.
func NewServer() *Server {
	s := &Server{open: map[string]*Incident{}, release: make(chan struct{})}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

// EnqueueURL is the URL to send events to.
func (s *Server) EnqueueURL() string { return s.URL + Path }

// Close releases hanging requests and stops the server.
func (s *Server) Close() {
	s.mu.Lock()
	select {
	case <-s.release:
	default:
		close(s.release)
	}
	s.mu.Unlock()
	s.Server.Close()
}

// Fail makes the next n requests fail with f, after any failures already
// queued.
func (s *Server) Fail(f Fault, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.faults = append(s.faults, f)
	}
}

// Requests is the number of requests received.
func (s *Server) Requests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests
}

// Accepted returns the events taken (answered 202, or taken and the answer
// lost), in order.
func (s *Server) Accepted() []Event {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Event(nil), s.accepted...)
}

// Rejected returns the events answered 400 for what they are.
func (s *Server) Rejected() []Rejection {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Rejection(nil), s.rejected...)
}

// Incidents returns copies of every incident, in order of creation.
func (s *Server) Incidents() []Incident {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Incident, 0, len(s.incidents))
	for _, in := range s.incidents {
		c := *in
		c.Severities = append([]string(nil), in.Severities...)
		out = append(out, c)
	}
	return out
}

// IncidentsFor returns the incidents of one dedup_key, in order.
func (s *Server) IncidentsFor(dedupKey string) []Incident {
	var out []Incident
	for _, in := range s.Incidents() {
		if in.DedupKey == dedupKey {
			out = append(out, in)
		}
	}
	return out
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.requests++
	var fault Fault
	if len(s.faults) > 0 {
		fault, s.faults = s.faults[0], s.faults[1:]
	}
	s.mu.Unlock()

	switch fault {
	case RateLimit:
		http.Error(w, "Request Limit Exceeded", http.StatusTooManyRequests)
		return
	case ServerError:
		writeJSON(w, http.StatusInternalServerError, map[string]any{
			"status": "Internal Server Error", "message": "An error occurred", "errors": []string{"internal error"}})
		return
	case Hang:
		s.hang(r)
		return
	case BadRequest:
		s.invalid(w, "", []string{"injected fault"})
		return
	}

	if r.URL.Path != Path {
		http.NotFound(w, r)
		return
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		return
	}
	if len(body) > maxBody {
		s.invalid(w, "", []string{"Event is too large (maximum is 512 KB)"})
		return
	}
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		s.invalid(w, string(body), []string{"Content-Type must be application/json"})
		return
	}
	var ev Event
	if err := json.Unmarshal(body, &ev); err != nil {
		// The Error example of the api-schema's openapiv3.json.
		s.reject(string(body), []string{"JSON parse error"})
		writeJSON(w, http.StatusBadRequest, map[string]any{
			"status": "Unrecognized object", "message": "Event object format is unrecognized", "errors": []string{"JSON parse error"}})
		return
	}
	ev.Raw = body
	if errs := validate(ev); len(errs) > 0 {
		s.invalid(w, string(body), errs)
		return
	}

	s.mu.Lock()
	s.accepted = append(s.accepted, ev)
	s.apply(ev)
	s.mu.Unlock()

	if fault == LoseAnswer {
		s.hang(r)
		return
	}
	writeJSON(w, http.StatusAccepted, map[string]any{
		"status": "success", "message": "Event processed", "dedup_key": ev.DedupKey})
}

// apply is what PagerDuty does with an accepted event. s.mu is held.
func (s *Server) apply(ev Event) {
	in := s.open[ev.DedupKey]
	switch ev.EventAction {
	case "trigger":
		if in == nil {
			in = &Incident{Number: len(s.incidents) + 1, DedupKey: ev.DedupKey, Status: "triggered"}
			s.incidents = append(s.incidents, in)
			s.open[ev.DedupKey] = in
		}
		in.Triggers++
		in.Summary, in.Severity = ev.Payload.Summary, ev.Payload.Severity
		in.Severities = append(in.Severities, ev.Payload.Severity)
	case "acknowledge":
		if in != nil {
			in.Status = "acknowledged"
		}
	case "resolve":
		if in != nil {
			in.Status = "resolved"
			delete(s.open, ev.DedupKey)
		}
	}
}

// hang holds the request until the client gives up or the server closes.
func (s *Server) hang(r *http.Request) {
	select {
	case <-r.Context().Done():
	case <-s.release:
	}
}

func (s *Server) reject(body string, errs []string) {
	s.mu.Lock()
	s.rejected = append(s.rejected, Rejection{Body: body, Errors: errs})
	s.mu.Unlock()
}

// invalid answers the documented 400.
func (s *Server) invalid(w http.ResponseWriter, body string, errs []string) {
	s.reject(body, errs)
	writeJSON(w, http.StatusBadRequest, map[string]any{
		"status": "invalid event", "message": "Event object is invalid", "errors": errs})
}

var severities = map[string]bool{"critical": true, "error": true, "warning": true, "info": true}

// validate checks an event against the documented contract.
func validate(ev Event) []string {
	var errs []string
	if n := utf8.RuneCountInString(ev.RoutingKey); n != 32 {
		errs = append(errs, "Length of 'routing_key' is incorrect (should be 32 characters)")
	}
	switch ev.EventAction {
	case "trigger", "acknowledge", "resolve":
	default:
		errs = append(errs, "'event_action' is invalid (must be one of the following: 'trigger', 'acknowledge' or 'resolve')")
	}
	if utf8.RuneCountInString(ev.DedupKey) > 255 {
		errs = append(errs, "'dedup_key' is too long (maximum is 255 characters)")
	}
	if ev.EventAction != "trigger" {
		if ev.DedupKey == "" {
			errs = append(errs, "'dedup_key' is missing or blank")
		}
		return errs
	}
	p := ev.Payload
	if p == nil {
		return append(errs, "'payload' is missing or blank")
	}
	if strings.TrimSpace(p.Summary) == "" {
		errs = append(errs, "'payload.summary' is missing or blank")
	} else if utf8.RuneCountInString(p.Summary) > 1024 {
		errs = append(errs, "'payload.summary' is too long (maximum is 1024 characters)")
	}
	if strings.TrimSpace(p.Source) == "" {
		errs = append(errs, "'payload.source' is missing or blank")
	}
	if !severities[p.Severity] {
		errs = append(errs, "'payload.severity' is invalid (must be one of the following: 'critical', 'warning', 'error' or 'info')")
	}
	return errs
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
